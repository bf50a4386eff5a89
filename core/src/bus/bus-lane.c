/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.egate.EGate1.Lane on /org/egate/EGate1/Lane/NAME (dbus/org.egate.EGate1.Lane.xml). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attendance.h"
#include "audit/audit.h"
#include "bus-call.h"
#include "bus-errors.h"
#include "bus.h"
#include "log.h"
#include "manager.h"
#include "pipeline/pipeline.h"

#define EG_BUS_REASON_MAX 256

struct eg_lane *eg_bus_find_lane(struct eg_bus *b, const char *path) {
        _cleanup_free_ char *name = NULL;

        if (sd_bus_path_decode(path, EG_BUS_LANE_PREFIX, &name) <= 0 || !name)
                return NULL;
        return eg_lane_find(b->manager, name);
}

static int find_lane_object(sd_bus *bus, const char *path, const char *iface, void *userdata,
                            void **ret, sd_bus_error *error) {
        if (!eg_bus_find_lane(userdata, path))
                return 0;
        *ret = userdata;
        return 1;
}

static int enumerate_lanes(sd_bus *bus, const char *prefix, void *userdata, char ***ret,
                           sd_bus_error *error) {
        return eg_bus_lane_paths(userdata, ret);
}

#define LANE_OR_RETURN(l, b, path, error)                                                          \
        do {                                                                                       \
                (l) = eg_bus_find_lane((b), (path));                                               \
                if (!(l))                                                                          \
                        return sd_bus_error_set((error), EG_BUS_ERROR_NOT_FOUND,                   \
                                                "the lane went away");                             \
        } while (0)

static struct eg_pipeline *pipeline_of(const struct eg_lane *l) {
        return eg_pipeline_find(l->manager, l->name);
}

/* The pipeline's state; before it exists, what the lane's mode and readiness say. */
static const char *lane_state(const struct eg_lane *l) {
        struct eg_pipeline *p = pipeline_of(l);

        if (p)
                return eg_pipeline_state_to_string(eg_pipeline_state(p));
        if (l->mode == EG_LANE_MODE_EMERGENCY)
                return "emergency";
        if (l->mode != EG_LANE_MODE_AUTOMATIC)
                return "closed";
        if (!l->ready)
                return "out-of-service";
        return "idle";
}

static int property_lane(sd_bus *bus, const char *path, const char *iface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        static const struct eg_pipeline_counters none = {};
        const struct eg_pipeline_counters *c;
        struct eg_pipeline *p;
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
        if (streq(property, "Attendants"))
                return sd_bus_message_append(reply, "u", eg_lane_attendants(l->manager, l->name));
        p = pipeline_of(l);
        if (streq(property, "CurrentTransaction"))
                return sd_bus_message_append(reply, "s", p ? eg_pipeline_transaction_id(p) : "");
        c = p ? eg_pipeline_counters(p) : &none;
        if (streq(property, "Transactions"))
                return sd_bus_message_append(reply, "t", c->transactions);
        if (streq(property, "Accepted"))
                return sd_bus_message_append(reply, "t", c->accepted);
        if (streq(property, "Referred"))
                return sd_bus_message_append(reply, "t", c->referred);
        return sd_bus_message_append(reply, "t", c->alarms);
}

static int property_devices(sd_bus *bus, const char *path, const char *iface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
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
        /* The reason goes into the audit record, which never holds passport data. */
        if (!eg_audit_text_is_clean(*reason))
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "the reason must not contain passport data (no '<', no "
                                        "document numbers or dates)");
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
        if (l->mode == (enum eg_lane_mode) mode_value) {
                /* Nothing changes, so nothing is announced or audited: ModeChanged and the
                 * trail's "mode" events tell of changes, and supervisors must be able to
                 * trust them.  The request itself stays in the log. */
                log_lane(LOG_INFO, 0, l->name, "mode stays %s: SetMode by %s: %s", mode,
                         strna(caller), reason);
                return sd_bus_reply_method_return(m, NULL);
        }
        if (asprintf(&why, "%s (by %s)", reason, strna(caller)) < 0)
                return -ENOMEM;
        if (pipeline_of(l))
                eg_pipeline_note_operator(pipeline_of(l), "mode", caller, reason);
        r = eg_lane_set_mode(l, mode_value, why);
        if (r < 0)
                return r;
        (void) sd_bus_emit_signal(b->bus, sd_bus_message_get_path(m), EG_BUS_IFACE("Lane"),
                                  "ModeChanged", "sss", mode, reason, strna(caller));
        return sd_bus_reply_method_return(m, NULL);
}

static void on_override_door_done(struct eg_manager *mgr, const char *device_id, eg_op_id op,
                                  struct eg_op_outcome *o, void *userdata) {
        struct eg_bus_call *call = userdata;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

        if (o->status < 0) {
                (void) eg_bus_call_operation_error(call, o, &error);
                (void) sd_bus_reply_method_error(call->message, &error);
        } else
                (void) sd_bus_reply_method_return(call->message, NULL);
        eg_bus_call_free(call);
}

static int method_open_door(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_bus *b = userdata;
        struct eg_op_args args = { .size = sizeof(args), .kind = EG_OP_DOOR_OPEN };
        _cleanup_free_ char *caller = eg_bus_caller_description(b, m);
        const char *door, *reason, *device_id;
        struct eg_bus_call *call;
        struct eg_device *d;
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
        d = device_id ? eg_device_find(b->manager, device_id) : NULL;
        if (!d)
                return sd_bus_error_setf(error, EG_BUS_ERROR_NOT_FOUND, "lane %s has no %s door",
                                         l->name, door);
        /* The stop sends the doors to their safe state: the override below would cancel that
         * command, and the operation it starts would be refused anyway. */
        if (b->manager->stopping)
                return sd_bus_error_set(error, EG_BUS_ERROR_SHUTTING_DOWN,
                                        "egated is stopping: the doors go to their safe state");
        log_lane(LOG_NOTICE, 0, l->name, "operator override: open %s door (%s) by %s: %s", door,
                 device_id, strna(caller), reason);
        if (pipeline_of(l))
                eg_pipeline_note_operator(pipeline_of(l), "open-door", caller, reason);
        call = eg_bus_call_keep(b, m, sizeof(*call));
        if (!call)
                return -ENOMEM;
        /* An override does not queue behind the lane's own command (a door that takes one
         * command at a time would refuse it): that one gives way. */
        eg_operations_cancel_device(b->manager, d, "superseded by an operator's OpenDoor");
        r = eg_operation_start(b->manager, device_id, &args, 0, on_override_door_done, call, NULL);
        if (r < 0) {
                eg_bus_call_free(call);
                return eg_bus_error_from_operation(error, r, NULL);
        }
        return 1;
}

static int pipeline_error(sd_bus_error *error, int r, const struct eg_lane *l) {
        if (r == -ENOENT)
                return sd_bus_error_setf(error, EG_BUS_ERROR_NO_TRANSACTION,
                                         "lane %s has no transaction in progress", l->name);
        if (r == -EBUSY)
                return sd_bus_error_setf(error, EG_BUS_ERROR_BUSY,
                                         "lane %s: no decision waits for an operator (accept "
                                         "confirms a waiting decision; refer vetoes until the "
                                         "decision is recorded)",
                                         l->name);
        return r;
}

static int method_decide(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_bus *b = userdata;
        _cleanup_free_ char *caller = eg_bus_caller_description(b, m);
        const char *decision, *reason;
        struct eg_pipeline *p;
        struct eg_lane *l;
        int r;

        LANE_OR_RETURN(l, b, sd_bus_message_get_path(m), error);
        r = sd_bus_message_read(m, "s", &decision);
        if (r < 0)
                return r;
        r = read_reason(m, &reason, error);
        if (r < 0)
                return r;
        if (!streq(decision, "accept") && !streq(decision, "refer"))
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "decision must be accept or refer");
        p = pipeline_of(l);
        r = p ? eg_pipeline_decide(p, streq(decision, "accept"), strna(caller), reason) : -ENOENT;
        if (r < 0)
                return pipeline_error(error, r, l);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_abort(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_bus *b = userdata;
        _cleanup_free_ char *caller = eg_bus_caller_description(b, m);
        struct eg_pipeline *p;
        const char *reason;
        struct eg_lane *l;
        int r;

        LANE_OR_RETURN(l, b, sd_bus_message_get_path(m), error);
        r = read_reason(m, &reason, error);
        if (r < 0)
                return r;
        p = pipeline_of(l);
        r = p ? eg_pipeline_abort(p, strna(caller), reason) : -ENOENT;
        if (r < 0)
                return pipeline_error(error, r, l);
        return sd_bus_reply_method_return(m, NULL);
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
        P("Attendants", "u", property_lane, CHANGES),
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
        SD_BUS_METHOD("Attend", "", "", eg_bus_lane_attend, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Leave", "", "", eg_bus_lane_leave, SD_BUS_VTABLE_UNPRIVILEGED),
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

/*
 * What clients last heard of a lane's pipeline properties.  The pipeline
 * says "changed" at every phase, and several phases share a State; each
 * PropertiesChanged costs a message to every listener, so only the
 * properties whose values moved are announced, and nothing when none did.
 */
struct eg_bus_lane_announced {
        char *lane;
        const char *state; /* static strings */
        char *transaction;
        struct eg_pipeline_counters counters;
};

static struct eg_bus_lane_announced *announced_get(struct eg_bus *b, const char *lane) {
        struct eg_bus_lane_announced *n;

        for (size_t i = 0; i < b->n_announced; i++)
                if (streq(b->announced[i].lane, lane))
                        return &b->announced[i];
        n = realloc(b->announced, (b->n_announced + 1) * sizeof(*n));
        if (!n)
                return NULL;
        b->announced = n;
        n = &b->announced[b->n_announced];
        *n = (struct eg_bus_lane_announced){ .lane = strdup(lane) };
        if (!n->lane)
                return NULL;
        b->n_announced++;
        return n;
}

void eg_bus_lane_done(struct eg_bus *b) {
        for (size_t i = 0; i < b->n_announced; i++) {
                free(b->announced[i].lane);
                free(b->announced[i].transaction);
        }
        free(b->announced);
        b->announced = NULL;
        b->n_announced = 0;
}

void eg_bus_lane_changed(struct eg_bus *b, struct eg_lane *l) {
        _cleanup_(strv_freep) char **now = NULL;
        struct eg_lane *i;

        if (l) {
                _cleanup_free_ char *path = eg_bus_lane_path(l->name);
                struct eg_bus_lane_announced *a = announced_get(b, l->name);

                if (a)
                        a->state = lane_state(l); /* announced just below */
                if (path)
                        (void) sd_bus_emit_properties_changed(b->bus, path, EG_BUS_IFACE("Lane"),
                                                              "Mode", "State", "Ready",
                                                              "NotReadyReason", "Devices", NULL);
                return;
        }
        /* Rebuilt (start, reload): announce lanes that came and went. */
        EG_LIST_FOREACH (lanes, i, b->manager->lanes) {
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

/* PIPELINE: the lane's state, transaction or counters changed. */
void eg_bus_lane_pipeline_changed(struct eg_bus *b, struct eg_pipeline *p) {
        const char *name = eg_pipeline_lane_name(p), *changed[7];
        const struct eg_pipeline_counters *c = eg_pipeline_counters(p);
        _cleanup_free_ char *path = eg_bus_lane_path(name);
        struct eg_lane *l = eg_lane_find(b->manager, name);
        struct eg_bus_lane_announced *a;
        const char *state, *transaction = eg_pipeline_transaction_id(p);
        size_t n = 0;

        if (!path || !l)
                return;
        state = lane_state(l);
        transaction = transaction ? transaction : "";
        a = announced_get(b, name);
        if (!a || !a->state || !streq(a->state, state))
                changed[n++] = "State";
        if (!a || !streq_ptr(a->transaction, transaction))
                changed[n++] = "CurrentTransaction";
        if (!a || a->counters.transactions != c->transactions)
                changed[n++] = "Transactions";
        if (!a || a->counters.accepted != c->accepted)
                changed[n++] = "Accepted";
        if (!a || a->counters.referred != c->referred)
                changed[n++] = "Referred";
        if (!a || a->counters.alarms != c->alarms)
                changed[n++] = "Alarms";
        if (n == 0)
                return;
        changed[n] = NULL;
        if (a) {
                a->state = state;
                a->counters = *c;
                if (!streq_ptr(a->transaction, transaction) &&
                    free_and_strdup(&a->transaction, transaction) < 0)
                        a->state = NULL; /* unsure what was announced: all of it next time */
        }
        (void) sd_bus_emit_properties_changed_strv(b->bus, path, EG_BUS_IFACE("Lane"),
                                                   (char **) changed);
}

/* PIPELINE: transactions, steps and alarms as Lane signals (ids and codes only). */
void eg_bus_lane_transaction_event(struct eg_bus *b, struct eg_pipeline *p,
                                   const struct eg_transaction_event *e) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        _cleanup_free_ char *path = eg_bus_lane_path(eg_pipeline_lane_name(p));
        int r;

        if (!path)
                return;
        switch (e->type) {
        case EG_TRANSACTION_STARTED:
                (void) sd_bus_emit_signal(b->bus, path, EG_BUS_IFACE("Lane"), "TransactionStarted",
                                          "s", e->id);
                return;
        case EG_TRANSACTION_STEP_FINISHED:
                (void) sd_bus_emit_signal(b->bus, path, EG_BUS_IFACE("Lane"), "StepFinished",
                                          "sssst", e->id, e->step, e->result, e->reason,
                                          e->duration_usec);
                return;
        case EG_TRANSACTION_ALARM:
                (void) sd_bus_emit_signal(b->bus, path, EG_BUS_IFACE("Lane"), "Alarm", "ss",
                                          e->alarm_kind, e->alarm_detail);
                return;
        case EG_TRANSACTION_FINISHED:
                r = sd_bus_message_new_signal(b->bus, &msg, path, EG_BUS_IFACE("Lane"),
                                              "TransactionFinished");
                if (r >= 0)
                        r = sd_bus_message_append(msg, "ss", e->id, e->decision);
                if (r >= 0)
                        r = sd_bus_message_open_container(msg, 'a', "s");
                for (size_t i = 0; r >= 0 && i < e->n_reasons; i++)
                        r = sd_bus_message_append(msg, "s", e->reasons[i]);
                if (r >= 0)
                        r = sd_bus_message_close_container(msg);
                if (r >= 0)
                        r = sd_bus_send(b->bus, msg, NULL);
                if (r < 0)
                        log_lane(LOG_WARNING, r, eg_pipeline_lane_name(p),
                                 "cannot send TransactionFinished: %m");
                return;
        }
}
