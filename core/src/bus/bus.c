/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "bus-call.h"
#include "bus-errors.h"
#include "bus.h"
#include "log.h"
#include "manager.h"

char *eg_bus_device_path(const char *device_id) {
        char *path = NULL;

        if (sd_bus_path_encode(EG_BUS_DEVICE_PREFIX, device_id, &path) < 0)
                return NULL;
        return path;
}

char *eg_bus_lane_path(const char *lane_name) {
        char *path = NULL;

        if (sd_bus_path_encode(EG_BUS_LANE_PREFIX, lane_name, &path) < 0)
                return NULL;
        return path;
}

int eg_bus_device_paths(struct eg_bus *b, char ***ret) {
        _cleanup_(strv_freep) char **paths = calloc(1, sizeof(char *));
        struct eg_device *d;

        if (!paths)
                return -ENOMEM;
        EG_LIST_FOREACH (devices, d, b->manager->devices) {
                char *p = eg_bus_device_path(d->id);
                if (!p || strv_push(&paths, p) < 0) {
                        free(p);
                        return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(paths);
        return 0;
}

int eg_bus_lane_paths(struct eg_bus *b, char ***ret) {
        _cleanup_(strv_freep) char **paths = calloc(1, sizeof(char *));
        struct eg_lane *l;

        if (!paths)
                return -ENOMEM;
        EG_LIST_FOREACH (lanes, l, b->manager->lanes) {
                char *p = eg_bus_lane_path(l->name);
                if (!p || strv_push(&paths, p) < 0) {
                        free(p);
                        return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(paths);
        return 0;
}

int eg_bus_append_object_paths(sd_bus_message *reply, char *const *paths) {
        int r = sd_bus_message_open_container(reply, 'a', "o");

        for (char *const *p = paths; r >= 0 && p && *p; p++)
                r = sd_bus_message_append(reply, "o", *p);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

/* Longer than any message the host takes from a plugin (host.c). */
#define EG_BUS_OUTCOME_MESSAGE_MAX 1024

int eg_bus_error_from_outcome(sd_bus_error *error, const struct eg_op_outcome *o) {
        const char *message = o->message;

        /* The host bounds a plugin's message but does not read it.  sd-bus refuses to put a
         * string that is not UTF-8 into a message, so the error reply would fail and the caller
         * would get no answer at all; control characters would reach its log or terminal. */
        if (message && !eg_string_is_safe(message, EG_BUS_OUTCOME_MESSAGE_MAX))
                message = NULL;
        return eg_bus_error_from_operation(error, o->status, message);
}

void eg_bus_set_state(struct eg_bus *b, const char *state) {
        if (streq_ptr(b->state, state))
                return;
        b->state = state;
        eg_bus_manager_changed(b, "State");
}

static void on_device_added(struct eg_device *d, void *userdata) {
        eg_bus_device_added(userdata, d);
        eg_bus_manager_changed(userdata, "Devices");
}

static void on_device_removed(struct eg_device *d, void *userdata) {
        eg_bus_device_state_forget(userdata, d);
        eg_bus_device_removed(userdata, d);
        eg_bus_manager_changed(userdata, "Devices");
}

static void on_device_state(struct eg_device *d, enum eg_device_state old, const char *reason,
                            void *userdata) {
        eg_bus_device_state_changed(userdata, d, old, reason);
}

static void on_device_event(struct eg_device *d, const struct eg_event *e, void *userdata) {
        eg_bus_device_class_event(userdata, d, e);
}

static void on_lane_changed(struct eg_lane *l, void *userdata) {
        eg_bus_lane_changed(userdata, l);
}

/* PIPELINE */
static void on_pipeline_changed(struct eg_pipeline *p, void *userdata) {
        eg_bus_lane_pipeline_changed(userdata, p);
}

static void on_transaction_event(struct eg_pipeline *p, const struct eg_transaction_event *e,
                                 void *userdata) {
        eg_bus_lane_transaction_event(userdata, p, e);
}

static void on_lanes_rebuilt(struct eg_manager *m, void *userdata) {
        eg_bus_audit_attach(userdata); /* AUDIT: the manager opens its trail when it starts */
        eg_bus_lane_changed(userdata, NULL);
        eg_bus_manager_changed(userdata, "Lanes");
}

static void on_pki_changed(struct eg_manager *m, void *userdata) {
        eg_bus_manager_pki_changed(userdata);
}

int eg_bus_new(sd_bus *bus, struct eg_manager *m, struct eg_bus **ret) {
        _cleanup_(eg_bus_freep) struct eg_bus *b = NULL;
        struct eg_manager_listener listener = {
                .device_added = on_device_added,
                .device_removed = on_device_removed,
                .device_state_changed = on_device_state,
                .device_event = on_device_event,
                .lane_changed = on_lane_changed,
                .lanes_rebuilt = on_lanes_rebuilt,
                .pipeline_changed = on_pipeline_changed, /* PIPELINE */
                .transaction_event = on_transaction_event, /* PIPELINE */
                .pki_changed = on_pki_changed, /* PIPELINE */
        };
        int r;

        r = eg_bus_errors_register();
        if (r < 0)
                return log_error_errno(r, "cannot register the D-Bus error names: %m");
        b = calloc(1, sizeof(*b));
        if (!b)
                return log_oom();
        b->bus = sd_bus_ref(bus);
        b->manager = m;
        b->state = "starting";

        r = eg_bus_access_register(b);
        if (r >= 0)
                r = eg_bus_calls_register(b);
        if (r >= 0)
                r = eg_bus_manager_register(b);
        if (r >= 0)
                r = eg_bus_device_register(b);
        if (r >= 0)
                r = eg_bus_device_class_register(b);
        if (r >= 0)
                r = eg_bus_lane_register(b);
        if (r >= 0)
                r = eg_bus_audit_register(b);
        if (r >= 0)
                r = eg_bus_registry_register(b);
        if (r < 0)
                return log_error_errno(r, "cannot publish the D-Bus objects: %m");

        listener.userdata = b;
        r = eg_manager_add_listener(m, &listener);
        if (r < 0)
                return log_error_errno(r, "cannot watch the manager: %m");
        *ret = TAKE_PTR(b);
        return 0;
}

struct eg_bus *eg_bus_free(struct eg_bus *b) {
        if (!b)
                return NULL;
        eg_bus_calls_done(b);
        eg_manager_remove_listener(b->manager, b);
        eg_bus_audit_detach(b);
        eg_bus_device_state_done(b);
        eg_bus_lane_done(b);
        eg_bus_attendances_done(b);
        while (b->claims) {
                struct eg_bus_claim *c = b->claims;

                EG_LIST_REMOVE(claims, b->claims, c);
                sd_bus_track_unref(c->track);
                free(c->device_id);
                free(c->owner);
                free(c);
        }
        strv_free(b->exported_lanes);
        for (size_t i = 0; i < b->n_slots; i++)
                sd_bus_slot_unref(b->slots[i]);
        sd_bus_unref(b->bus);
        free(b);
        return NULL;
}
