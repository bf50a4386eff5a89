/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.egate.EGate1.Device on /org/egate/EGate1/Device/ID
 * (dbus/org.egate.EGate1.Device.xml), and device claims.
 *
 * A claim belongs to one bus connection and is tracked with sd_bus_track:
 * when the holder's connection goes, the claim goes with it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "bus-errors.h"
#include "bus.h"
#include "log.h"
#include "manager.h"

struct eg_device *eg_bus_find_device(struct eg_bus *b, const char *path) {
        _cleanup_free_ char *id = NULL;

        if (sd_bus_path_decode(path, EG_BUS_DEVICE_PREFIX, &id) <= 0 || !id)
                return NULL;
        return eg_device_find(b->manager, id);
}

/* The object exists while the device does; handlers get the eg_bus and look
 * the device up again, so nothing holds a pointer across calls. */
static int find_device(sd_bus *bus, const char *path, const char *iface, void *userdata, void **ret,
                       sd_bus_error *error) {
        if (!eg_bus_find_device(userdata, path))
                return 0;
        *ret = userdata;
        return 1;
}

#define DEVICE_OR_RETURN(d, b, path, error)                                                        \
        do {                                                                                       \
                (d) = eg_bus_find_device((b), (path));                                             \
                if (!(d))                                                                          \
                        return sd_bus_error_set((error), EG_BUS_ERROR_NOT_FOUND,                   \
                                                "the device went away");                           \
        } while (0)

static int enumerate_devices(sd_bus *bus, const char *prefix, void *userdata, char ***ret,
                             sd_bus_error *error) {
        return eg_bus_device_paths(userdata, ret);
}

static struct eg_bus_claim *claim_find(struct eg_bus *b, const char *device_id) {
        struct eg_bus_claim *c;

        EG_LIST_FOREACH (claims, c, b->claims)
                if (streq(c->device_id, device_id))
                        return c;
        return NULL;
}

const char *eg_bus_claim_owner(struct eg_bus *b, const char *device_id) {
        struct eg_bus_claim *c = claim_find(b, device_id);

        return c ? c->owner : NULL;
}

static void claim_drop(struct eg_bus_claim *c, const char *why) {
        struct eg_bus *b = c->bus;
        _cleanup_free_ char *path = eg_bus_device_path(c->device_id);

        log_device(LOG_INFO, 0, c->device_id, "claim by %s ended: %s", c->owner, why);
        EG_LIST_REMOVE(claims, b->claims, c);
        sd_bus_track_unref(c->track);
        free(c->device_id);
        free(c->owner);
        free(c);
        if (path)
                (void) sd_bus_emit_properties_changed(b->bus, path, EG_BUS_IFACE("Device"),
                                                      "ClaimedBy", NULL);
}

static int on_claimer_gone(sd_bus_track *track, void *userdata) {
        claim_drop(userdata, "the holder's connection closed");
        return 0;
}

bool eg_bus_device_in_lane_use(struct eg_bus *b, const struct eg_device *d) {
        struct eg_lane *l = eg_lane_of_device(b->manager, d->id, NULL);

        /* A lane driving travellers owns its devices; manual or closed lanes lend them. */
        return l && (l->mode == EG_LANE_MODE_AUTOMATIC || l->mode == EG_LANE_MODE_EMERGENCY);
}

int eg_bus_device_lane_busy(struct eg_bus *b, const struct eg_device *d, sd_bus_error *error) {
        struct eg_lane *l;

        if (!eg_bus_device_in_lane_use(b, d))
                return 0;
        l = eg_lane_of_device(b->manager, d->id, NULL);
        return sd_bus_error_setf(error, EG_BUS_ERROR_BUSY,
                                 "device %s serves lane %s in %s mode: set the lane to manual or "
                                 "closed first",
                                 d->id, l ? l->name : "?",
                                 l ? eg_lane_mode_to_string(l->mode) : "?");
}

static int method_claim(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_bus *b = userdata;
        const char *sender = sd_bus_message_get_sender(m);
        struct eg_bus_claim *c;
        struct eg_device *d;
        int r;

        DEVICE_OR_RETURN(d, b, sd_bus_message_get_path(m), error);
        c = claim_find(b, d->id);
        if (c)
                return sd_bus_error_setf(error, EG_BUS_ERROR_ALREADY_CLAIMED,
                                         "device %s is claimed by %s", d->id, c->owner);
        r = eg_bus_device_lane_busy(b, d, error);
        if (r < 0)
                return r;
        if (!sender)
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "claims need a sender on the bus");

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->bus = b;
        c->device_id = strdup(d->id);
        c->owner = strdup(sender);
        if (!c->device_id || !c->owner) {
                free(c->device_id);
                free(c->owner);
                free(c);
                return -ENOMEM;
        }
        r = sd_bus_track_new(b->bus, &c->track, on_claimer_gone, c);
        if (r >= 0)
                r = sd_bus_track_add_sender(c->track, m);
        if (r < 0) {
                sd_bus_track_unref(c->track);
                free(c->device_id);
                free(c->owner);
                free(c);
                return r;
        }
        EG_LIST_APPEND(claims, b->claims, c);
        log_device(LOG_INFO, 0, d->id, "claimed by %s", sender);
        (void) sd_bus_emit_properties_changed(b->bus, sd_bus_message_get_path(m),
                                              EG_BUS_IFACE("Device"), "ClaimedBy", NULL);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_release(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_bus *b = userdata;
        struct eg_bus_claim *c;
        struct eg_device *d;

        DEVICE_OR_RETURN(d, b, sd_bus_message_get_path(m), error);
        c = claim_find(b, d->id);

        if (!c || !streq_ptr(c->owner, sd_bus_message_get_sender(m)))
                return sd_bus_error_setf(error, EG_BUS_ERROR_NOT_CLAIMED,
                                         "device %s is not claimed by the caller", d->id);
        claim_drop(c, "released");
        return sd_bus_reply_method_return(m, NULL);
}

static int method_force_release(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_bus *b = userdata;
        _cleanup_free_ char *caller = eg_bus_caller_description(b, m), *why = NULL;
        struct eg_bus_claim *c;
        struct eg_device *d;
        const char *reason;
        int r;

        DEVICE_OR_RETURN(d, b, sd_bus_message_get_path(m), error);
        c = claim_find(b, d->id);

        r = sd_bus_message_read(m, "s", &reason);
        if (r < 0)
                return r;
        if (!*reason || !eg_string_is_safe(reason, 256))
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "a reason (printable, at most 256 bytes) is required");
        /* The reason is logged, and the log never holds passport data: the same rule as the
         * lanes' operator reasons, which go into the audit record. */
        if (!eg_audit_text_is_clean(reason))
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "the reason must not contain passport data (no '<', no "
                                        "document numbers or dates)");
        if (!c)
                return sd_bus_error_setf(error, EG_BUS_ERROR_NOT_CLAIMED,
                                         "device %s is not claimed", d->id);
        if (asprintf(&why, "force-released by %s: %s", strna(caller), reason) < 0)
                why = NULL;
        claim_drop(c, why ? why : "force-released");
        return sd_bus_reply_method_return(m, NULL);
}

static int property_string(sd_bus *bus, const char *path, const char *iface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct eg_bus *b = userdata;
        const char *v = NULL;
        enum eg_lane_role role;
        struct eg_device *d;
        struct eg_lane *l;

        DEVICE_OR_RETURN(d, b, path, error);
        if (streq(property, "Id"))
                v = d->id;
        else if (streq(property, "Class"))
                v = eg_device_class_to_string(d->device_class);
        else if (streq(property, "Plugin"))
                v = eg_plugin_name(d->plugin);
        else if (streq(property, "Vendor"))
                v = d->vendor;
        else if (streq(property, "Model"))
                v = d->model;
        else if (streq(property, "Serial"))
                v = d->serial;
        else if (streq(property, "Lane") || streq(property, "Role")) {
                l = eg_lane_of_device(d->manager, d->id, &role);
                if (l)
                        v = streq(property, "Lane") ? l->name : eg_lane_role_to_string(role);
        } else if (streq(property, "State"))
                v = eg_device_state_to_string(d->state);
        else if (streq(property, "LastError"))
                v = d->last_error;
        else if (streq(property, "ClaimedBy"))
                v = eg_bus_claim_owner(b, d->id);
        return sd_bus_message_append(reply, "s", v ? v : "");
}

static int property_health(sd_bus *bus, const char *path, const char *iface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct eg_bus *b = userdata;
        struct eg_device *d;

        DEVICE_OR_RETURN(d, b, path, error);
        return sd_bus_message_append(reply, "a{sv}", 4, "operations", "t", d->n_operations,
                                     "failures", "t", d->n_failures, "timeouts", "t", d->n_timeouts,
                                     "last-fault", "s", d->last_error ? d->last_error : "");
}

static const sd_bus_vtable device_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Class", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Plugin", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Vendor", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Model", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Serial", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Lane", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Role", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("State", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Health", "a{sv}", property_health, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastError", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ClaimedBy", "s", property_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_SIGNAL_WITH_NAMES("StateChanged", "sss",
                                 SD_BUS_PARAM(old) SD_BUS_PARAM(new) SD_BUS_PARAM(reason), 0),
        SD_BUS_METHOD("Claim", "", "", method_claim, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Release", "", "", method_release, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ForceRelease", "s", SD_BUS_PARAM(reason), "", "",
                                 method_force_release, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int eg_bus_device_register(struct eg_bus *b) {
        int r;

        r = sd_bus_add_fallback_vtable(b->bus, &b->slots[b->n_slots++], EG_BUS_DEVICE_PREFIX,
                                       EG_BUS_IFACE("Device"), device_vtable, find_device, b);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(b->bus, &b->slots[b->n_slots++], EG_BUS_DEVICE_PREFIX,
                                          enumerate_devices, b);
}

void eg_bus_device_added(struct eg_bus *b, struct eg_device *d) {
        _cleanup_free_ char *path = eg_bus_device_path(d->id);

        if (path)
                (void) sd_bus_emit_interfaces_added(b->bus, path, EG_BUS_IFACE("Device"),
                                                    eg_bus_class_interface(d->device_class), NULL);
}

void eg_bus_device_removed(struct eg_bus *b, struct eg_device *d) {
        _cleanup_free_ char *path = eg_bus_device_path(d->id);
        struct eg_bus_claim *c = claim_find(b, d->id);

        if (c)
                claim_drop(c, "the device went away");
        if (path)
                (void) sd_bus_emit_interfaces_removed(b->bus, path, EG_BUS_IFACE("Device"),
                                                      eg_bus_class_interface(d->device_class),
                                                      NULL);
}
