/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.egate.EGate1.Lane on /org/egate/EGate1/Lane/NAME (dbus/org.egate.EGate1.Lane.xml). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-errors.h"
#include "bus.h"
#include "log.h"
#include "manager.h"

#define EG_BUS_REASON_MAX 256

static struct eg_lane *find_lane(struct eg_bus *b, const char *path) {
        _cleanup_free_ char *name = NULL;

        if (sd_bus_path_decode(path, EG_BUS_LANE_PREFIX, &name) <= 0 || !name)
                return NULL;
        return eg_lane_find(b->manager, name);
}

static int find_lane_object(sd_bus *bus, const char *path, const char *iface, void *userdata,
                            void **ret, sd_bus_error *error) {
        if (!find_lane(userdata, path))
                return 0;
        *ret = userdata;
        return 1;
}

static int enumerate_lanes(sd_bus *bus, const char *prefix, void *userdata, char ***ret,
                           sd_bus_error *error) {
        struct eg_bus *b = userdata;
        _cleanup_(strv_freep) char **paths = calloc(1, sizeof(char *));
        struct eg_lane *l;

        if (!paths)
                return -ENOMEM;
        EG_LIST_FOREACH(lanes, l, b->manager->lanes) {
                char *p = eg_bus_lane_path(l->name);
                if (!p || strv_push(&paths, p) < 0) {
                        free(p);
                        return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(paths);
        return 0;
}

#define LANE_OR_RETURN(l, b, path, error)                                                          \
        do {                                                                                       \
                (l) = find_lane((b), (path));                                                      \
                if (!(l))                                                                          \
                        return sd_bus_error_set((error), EG_BUS_ERROR_NOT_FOUND,                   \
                                                "the lane went away");                             \
        } while (0)

/* Until the pipeline runs transactions, a lane is idle, closed or out of service. */
static const char *lane_state(const struct eg_lane *l) {
        if (l->mode == EG_LANE_MODE_EMERGENCY)
                return "emergency";
        if (l->mode == EG_LANE_MODE_CLOSED)
                return "closed";
        if (!l->ready)
                return "out-of-service";
        return "idle";
}

static int property_lane(sd_bus *bus, const char *path, const char *iface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct eg_lane *l;

        LANE_OR_RETURN(l, userdata, path, error);
        if (streq(property, "Name"))
                return sd_bus_message_append(reply, "s", l->name);
        if (streq(property, "Mode"))
                return sd_bus_message_append(reply, "s", eg_lane_mode_to_string(l->mode));
        if (streq(property, "State"))
                return sd_bus_message_append(reply, "s", lane_state(l));
        if (streq(property, "Ready"))
                return sd_bus_message_append(reply, "b", l->ready);
        if (streq(property, "NotReadyReason"))
                return sd_bus_message_append(reply, "s",
                                             l->not_ready_reason ? l->not_ready_reason : "");
        if (streq(property, "Policy"))
                return sd_bus_message_append(reply, "s", strna(l->policy.name));
        if (streq(property, "CurrentTransaction"))
                return sd_bus_message_append(reply, "s", "");
        /* Transactions, Accepted, Referred, Alarms: no pipeline yet, so no transactions. */
        return sd_bus_message_append(reply, "t", (uint64_t) 0);
}

static int property_devices(sd_bus *bus, const char *path, const char *iface,
                            const char *property, sd_bus_message *reply, void *userdata,
                            sd_bus_error *error) {
        struct eg_lane *l;
        int r;

        LANE_OR_RETURN(l, userdata, path, error);
        r = sd_bus_message_open_container(reply, 'a', "(so)");
        for (unsigned role = 0; r >= 0 && role < EG_ROLE_MAX_; role++)
                for (unsigned i = 0; r >= 0 && i < EG_LANE_MAX_MULTI; i++) {
                        _cleanup_free_ char *p = NULL;

                        if (!l->roles[role][i])
                                continue;
                        p = eg_bus_device_path(l->roles[role][i]);
                        if (!p)
                                return -ENOMEM;
                        r = sd_bus_message_append(reply, "(so)", eg_lane_role_to_string(role), p);
                }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int read_reason(sd_bus_message *m, const char **reason, sd_bus_error *error) {
        int r = sd_bus_message_read(m, "s", reason);

        if (r < 0)
                return r;
        if (!**reason || !eg_string_is_safe(*reason, EG_BUS_REASON_MAX))
                return sd_bus_error_setf(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                         "a reason is required: printable, at most %d bytes",
                                         EG_BUS_REASON_MAX);
        return 0;
}

static int method_set_mode(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_bus *b = userdata;
        _cleanup_free_ char *caller = eg_bus_caller_description(b, m), *why = NULL;
        const char *mode, *reason;
        struct eg_lane *l;
        int mode_value, r;

        LANE_OR_RETURN(l, b, sd_bus_message_get_path(m), error);
        r = sd_bus_message_read(m, "s", &mode);
        if (r < 0)
                return r;
        r = read_reason(m, &reason, error);
        if (r < 0)
                return r;
        mode_value = eg_lane_mode_from_string(mode);
        if (mode_value < 0 || mode_value == EG_LANE_MODE_EMERGENCY)
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "mode must be automatic, manual or closed (emergency "
                                        "follows the emergency input)");
        if (asprintf(&why, "%s (by %s)", reason, strna(caller)) < 0)
                return -ENOMEM;
        r = eg_lane_set_mode(l, mode_value, why);
        if (r < 0)
                return r;
        (void) sd_bus_emit_signal(b->bus, sd_bus_message_get_path(m), EG_BUS_IFACE("Lane"),
                                  "ModeChanged", "sss", mode, reason, strna(caller));
        return sd_bus_reply_method_return(m, NULL);
}

static void on_override_door_done(struct eg_manager *mgr, const char *device_id, eg_op_id op,
                                  struct eg_op_outcome *o, void *userdata) {
        sd_bus_message *call = userdata;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

        if (o->status < 0) {
                eg_bus_error_from_operation(&error, o->status, o->message);
                (void) sd_bus_reply_method_error(call, &error);
        } else
                (void) sd_bus_reply_method_return(call, NULL);
        sd_bus_message_unref(call);
}

static int method_open_door(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_bus *b = userdata;
        struct eg_op_args args = { .size = sizeof(args), .kind = EG_OP_DOOR_OPEN };
        _cleanup_free_ char *caller = eg_bus_caller_description(b, m);
        const char *door, *reason, *device_id;
        struct eg_lane *l;
        int r;

        LANE_OR_RETURN(l, b, sd_bus_message_get_path(m), error);
        r = sd_bus_message_read(m, "s", &door);
        if (r < 0)
                return r;
        r = read_reason(m, &reason, error);
        if (r < 0)
                return r;
        if (streq(door, "entry"))
                device_id = l->roles[EG_ROLE_ENTRY_DOOR][0];
        else if (streq(door, "exit"))
                device_id = l->roles[EG_ROLE_EXIT_DOOR][0];
        else
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "door must be entry or exit");
        if (!device_id || !eg_device_find(b->manager, device_id))
                return sd_bus_error_setf(error, EG_BUS_ERROR_NOT_FOUND, "lane %s has no %s door",
                                         l->name, door);
        log_lane(LOG_NOTICE, 0, l->name, "operator override: open %s door (%s) by %s: %s", door,
                 device_id, strna(caller), reason);
        sd_bus_message_ref(m);
        r = eg_operation_start(b->manager, device_id, &args, 0, on_override_door_done, m, NULL);
        if (r < 0) {
                sd_bus_message_unref(m);
                return eg_bus_error_from_operation(error, r, NULL);
        }
        return 1;
}

static int method_decide(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_lane *l;
        const char *decision, *reason;
        int r;

        LANE_OR_RETURN(l, userdata, sd_bus_message_get_path(m), error);
        r = sd_bus_message_read(m, "s", &decision);
        if (r < 0)
                return r;
        r = read_reason(m, &reason, error);
        if (r < 0)
                return r;
        if (!streq(decision, "accept") && !streq(decision, "refer"))
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "decision must be accept or refer");
        return sd_bus_error_setf(error, EG_BUS_ERROR_NO_TRANSACTION,
                                 "lane %s has no transaction in progress", l->name);
}

static int method_abort(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_lane *l;
        const char *reason;
        int r;

        LANE_OR_RETURN(l, userdata, sd_bus_message_get_path(m), error);
        r = read_reason(m, &reason, error);
        if (r < 0)
                return r;
        return sd_bus_error_setf(error, EG_BUS_ERROR_NO_TRANSACTION,
                                 "lane %s has no transaction in progress", l->name);
}

#define P(name, type, fn, flags) SD_BUS_PROPERTY(name, type, fn, 0, flags)
#define CHANGES SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE

static const sd_bus_vtable lane_vtable[] = {
        SD_BUS_VTABLE_START(0),
        P("Name", "s", property_lane, SD_BUS_VTABLE_PROPERTY_CONST),
        P("Mode", "s", property_lane, CHANGES),
        P("State", "s", property_lane, CHANGES),
        P("Ready", "b", property_lane, CHANGES),
        P("NotReadyReason", "s", property_lane, CHANGES),
        P("Policy", "s", property_lane, CHANGES),
        P("Devices", "a(so)", property_devices, CHANGES),
        P("CurrentTransaction", "s", property_lane, CHANGES),
        P("Transactions", "t", property_lane, CHANGES),
        P("Accepted", "t", property_lane, CHANGES),
        P("Referred", "t", property_lane, CHANGES),
        P("Alarms", "t", property_lane, CHANGES),
        SD_BUS_METHOD_WITH_NAMES("SetMode", "ss", SD_BUS_PARAM(mode) SD_BUS_PARAM(reason), "", "",
                                 method_set_mode, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("OpenDoor", "ss", SD_BUS_PARAM(door) SD_BUS_PARAM(reason), "", "",
                                 method_open_door, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Decide", "ss", SD_BUS_PARAM(decision) SD_BUS_PARAM(reason), "",
                                 "", method_decide, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Abort", "s", SD_BUS_PARAM(reason), "", "", method_abort,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES("TransactionStarted", "s", SD_BUS_PARAM(id), 0),
        SD_BUS_SIGNAL_WITH_NAMES("StepFinished", "sssst",
                                 SD_BUS_PARAM(id) SD_BUS_PARAM(step) SD_BUS_PARAM(result)
                                         SD_BUS_PARAM(reason) SD_BUS_PARAM(duration_us),
                                 0),
        SD_BUS_SIGNAL_WITH_NAMES("TransactionFinished", "ssas",
                                 SD_BUS_PARAM(id) SD_BUS_PARAM(decision) SD_BUS_PARAM(reasons), 0),
        SD_BUS_SIGNAL_WITH_NAMES("Alarm", "ss", SD_BUS_PARAM(kind) SD_BUS_PARAM(detail), 0),
        SD_BUS_SIGNAL_WITH_NAMES("ModeChanged", "sss",
                                 SD_BUS_PARAM(mode) SD_BUS_PARAM(reason) SD_BUS_PARAM(operator), 0),
        SD_BUS_VTABLE_END,
};

int eg_bus_lane_register(struct eg_bus *b) {
        int r;

        r = sd_bus_add_fallback_vtable(b->bus, &b->slots[b->n_slots++], EG_BUS_LANE_PREFIX,
                                       EG_BUS_IFACE("Lane"), lane_vtable, find_lane_object, b);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(b->bus, &b->slots[b->n_slots++], EG_BUS_LANE_PREFIX,
                                          enumerate_lanes, b);
}

static bool strv_contains(char **l, const char *s) {
        for (; l && *l; l++)
                if (streq(*l, s))
                        return true;
        return false;
}

void eg_bus_lane_changed(struct eg_bus *b, struct eg_lane *l) {
        _cleanup_(strv_freep) char **now = NULL;
        struct eg_lane *i;

        if (l) {
                _cleanup_free_ char *path = eg_bus_lane_path(l->name);
                if (path)
                        (void) sd_bus_emit_properties_changed(b->bus, path, EG_BUS_IFACE("Lane"),
                                                              "Mode", "State", "Ready",
                                                              "NotReadyReason", "Devices", NULL);
                return;
        }
        /* Rebuilt (start, reload): announce lanes that came and went. */
        EG_LIST_FOREACH(lanes, i, b->manager->lanes) {
                _cleanup_free_ char *path = eg_bus_lane_path(i->name);

                if (strv_extend(&now, i->name) < 0)
                        return;
                if (!path)
                        continue;
                if (!strv_contains(b->exported_lanes, i->name))
                        (void) sd_bus_emit_interfaces_added(b->bus, path, EG_BUS_IFACE("Lane"),
                                                            NULL);
                else
                        (void) sd_bus_emit_properties_changed(
                                b->bus, path, EG_BUS_IFACE("Lane"), "Mode", "State", "Ready",
                                "NotReadyReason", "Devices", "Policy", NULL);
        }
        for (char **n = b->exported_lanes; n && *n; n++)
                if (!strv_contains(now, *n)) {
                        _cleanup_free_ char *path = eg_bus_lane_path(*n);
                        if (path)
                                (void) sd_bus_emit_interfaces_removed(b->bus, path,
                                                                      EG_BUS_IFACE("Lane"), NULL);
                }
        strv_free(b->exported_lanes);
        b->exported_lanes = TAKE_PTR(now);
}
