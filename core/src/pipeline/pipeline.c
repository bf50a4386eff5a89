/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lanes' pipelines: one per lane, following the lanes through rebuilds,
 * fed by the manager's device events, and the lane's resting states (idle,
 * closed, emergency, out of service) between transactions.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "device.h"
#include "lane.h"
#include "log.h"
#include "manager.h"
#include "pipeline-internal.h"
#include "reasons.h"

static const char *const state_names[EG_PIPELINE_STATE_MAX_] = {
        [EG_PIPELINE_IDLE] = "idle",
        [EG_PIPELINE_READING_DOCUMENT] = "reading-document",
        [EG_PIPELINE_CHECKING] = "checking",
        [EG_PIPELINE_ENTERING] = "entering",
        [EG_PIPELINE_VERIFYING] = "verifying",
        [EG_PIPELINE_DECIDING] = "deciding",
        [EG_PIPELINE_EXITING] = "exiting",
        [EG_PIPELINE_REFERRING] = "referring",
        [EG_PIPELINE_CLOSED] = "closed",
        [EG_PIPELINE_EMERGENCY] = "emergency",
        [EG_PIPELINE_OUT_OF_SERVICE] = "out-of-service",
};

const char *eg_pipeline_state_to_string(enum eg_pipeline_state s) {
        if ((unsigned) s >= EG_PIPELINE_STATE_MAX_)
                return "invalid";
        return state_names[s];
}

const char *eg_decision_to_string(enum eg_decision d) {
        switch (d) {
        case EG_DECISION_ACCEPT:
                return "accept";
        case EG_DECISION_REFER:
                return "refer";
        case EG_DECISION_ALARM:
                return "alarm";
        default:
                return "";
        }
}

const char *eg_pipeline_lane_name(const struct eg_pipeline *p) {
        return p->lane_name;
}

enum eg_pipeline_state eg_pipeline_state(const struct eg_pipeline *p) {
        return p->state;
}

const char *eg_pipeline_transaction_id(const struct eg_pipeline *p) {
        return p->tx ? p->tx->id : "";
}

const struct eg_pipeline_counters *eg_pipeline_counters(const struct eg_pipeline *p) {
        return &p->counters;
}

struct eg_pipeline *eg_pipeline_find(struct eg_manager *m, const char *lane_name) {
        struct eg_pipeline *p;

        EG_LIST_FOREACH (pipelines, p, m->pipelines)
                if (!p->retired && streq_ptr(p->lane_name, lane_name))
                        return p;
        return NULL;
}

/* ---- observers ---- */

void pl_notify_changed(struct eg_pipeline *p) {
        struct eg_manager *m = p->manager;

        if (p->retired)
                return;
        for (size_t i = 0; i < m->n_listeners; i++)
                if (m->listeners[i].pipeline_changed)
                        m->listeners[i].pipeline_changed(p, m->listeners[i].userdata);
}

void pl_emit(struct eg_pipeline *p, const struct eg_transaction_event *e) {
        struct eg_manager *m = p->manager;

        for (size_t i = 0; i < m->n_listeners; i++)
                if (m->listeners[i].transaction_event)
                        m->listeners[i].transaction_event(p, e, m->listeners[i].userdata);
}

void pl_set_state(struct eg_pipeline *p, enum eg_pipeline_state s) {
        if (p->state == s)
                return;
        log_lane(LOG_DEBUG, 0, p->lane_name, "state %s -> %s",
                 eg_pipeline_state_to_string(p->state), eg_pipeline_state_to_string(s));
        p->state = s;
        pl_notify_changed(p);
}

bool pl_is_current(const struct eg_pipeline *p, const struct eg_transaction *tx) {
        return tx && p->tx == tx;
}

/* ---- references ---- */

static void pipeline_free(struct eg_pipeline *p);

struct eg_pipeline *pl_ref(struct eg_pipeline *p) {
        p->n_refs++;
        return p;
}

void pl_unref(struct eg_pipeline *p) {
        if (!p || --p->n_refs > 0)
                return;
        if (p->retired)
                pipeline_free(p);
}

/* ---- devices of the lane ---- */

struct eg_device *pl_role_device(struct eg_pipeline *p, struct eg_transaction *tx,
                                 enum eg_lane_role role) {
        const char *id = NULL;

        if (tx && tx->devices[role])
                id = tx->devices[role];
        else if (p->lane)
                id = p->lane->roles[role][0];
        return id ? eg_device_find(p->manager, id) : NULL;
}

int64_t pl_zone_count(struct eg_pipeline *p, const char *zone) {
        int64_t best = 0;

        if (!p->lane)
                return 0;
        for (unsigned i = 0; i < EG_LANE_MAX_MULTI; i++) {
                struct eg_device *d =
                        eg_device_find(p->manager, p->lane->roles[EG_ROLE_PRESENCE_SENSOR][i]);
                int64_t n;

                if (!d)
                        continue;
                n = eg_device_zone_count(d, zone);
                if (n > best)
                        best = n;
        }
        return best;
}

bool pl_mantrap_seen_empty(struct eg_pipeline *p) {
        bool seen = false;

        for (unsigned i = 0; p->lane && i < EG_LANE_MAX_MULTI; i++) {
                struct eg_device *d =
                        eg_device_find(p->manager, p->lane->roles[EG_ROLE_PRESENCE_SENSOR][i]);

                if (d && eg_device_state_serving(d->state))
                        seen = true;
        }
        return seen && pl_zone_count(p, "mantrap") == 0;
}

bool pl_document_present(struct eg_pipeline *p) {
        struct eg_device *d = pl_role_device(p, p->tx, EG_ROLE_DOCUMENT_READER);

        return d && d->document_present;
}

/* ---- operations ---- */

struct pl_op_call {
        struct eg_pipeline *p;
        struct eg_transaction *tx;
        pl_op_fn fn;
};

static void on_op_done(struct eg_manager *m, const char *device_id, eg_op_id op,
                       struct eg_op_outcome *o, void *userdata) {
        struct pl_op_call *c = userdata;

        c->fn(c->p, c->tx, o);
        pl_tx_unref(c->tx);
        pl_unref(c->p);
        free(c);
}

int pl_op_start(struct eg_pipeline *p, struct eg_transaction *tx, const char *device_id,
                const struct eg_op_args *args, uint32_t timeout_ms, pl_op_fn fn, eg_op_id *ret_id) {
        struct pl_op_call *c;
        int r;

        if (!device_id)
                return -ENODEV;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->p = pl_ref(p);
        c->tx = tx ? pl_tx_ref(tx) : NULL;
        c->fn = fn;
        r = eg_operation_start(p->manager, device_id, args, timeout_ms, on_op_done, c, ret_id);
        if (r < 0) {
                pl_tx_unref(c->tx);
                pl_unref(c->p);
                free(c);
        }
        return r;
}

/* ---- timers ---- */

struct pl_timer_call {
        struct eg_transaction *tx;
        pl_timer_fn fn;
        sd_event_source **slot;
};

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct pl_timer_call *c = userdata;
        struct eg_transaction *tx = pl_tx_ref(c->tx);
        struct eg_pipeline *p = pl_ref(tx->pipeline);
        pl_timer_fn fn = c->fn;

        /* The slot forgets the source first (which may free `c`): the callback may arm it
         * again. */
        *c->slot = sd_event_source_disable_unref(*c->slot);
        fn(p, tx);
        pl_unref(p);
        pl_tx_unref(tx);
        return 0;
}

static void timer_call_free(void *userdata) {
        free(userdata);
}

int pl_timer_arm(struct eg_transaction *tx, sd_event_source **slot, uint64_t msec, pl_timer_fn fn) {
        struct pl_timer_call *c;
        int r;

        pl_timer_disarm(slot);
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->tx = tx;
        c->fn = fn;
        c->slot = slot;
        r = sd_event_add_time_relative(tx->pipeline->manager->event, slot, CLOCK_MONOTONIC,
                                       msec * 1000u, 1000, on_timer, c);
        if (r < 0) {
                free(c);
                return log_lane(LOG_ERR, r, tx->pipeline->lane_name, "cannot arm a timer: %m");
        }
        (void) sd_event_source_set_destroy_callback(*slot, timer_call_free);
        return 0;
}

void pl_timer_disarm(sd_event_source **slot) {
        *slot = sd_event_source_disable_unref(*slot);
}

/* ---- indicators ---- */

static void on_indicator_done(struct eg_pipeline *p, struct eg_transaction *tx,
                              struct eg_op_outcome *o) {
        if (o->status < 0 && o->status != -ECANCELED)
                log_lane(LOG_WARNING, o->status, p->lane_name, "indicator: %s",
                         o->message ? o->message : strerror(-o->status));
}

void pl_indicate(struct eg_pipeline *p, enum eg_indicator_colour colour,
                 enum eg_indicator_pattern pattern, enum pl_message message) {
        struct eg_op_args args = {
                .size = sizeof(args),
                .kind = EG_OP_INDICATOR_SET,
                .colour = colour,
                .pattern = pattern,
                .message_id = message,
        };

        if (!p->lane || p->manager->stopping)
                return;
        if (p->last_message == message && p->last_colour == (int) colour)
                return;
        p->last_message = message;
        p->last_colour = (int) colour;
        for (unsigned i = 0; i < EG_LANE_MAX_MULTI; i++) {
                const char *id = p->lane->roles[EG_ROLE_INDICATOR][i];

                if (id && eg_device_find(p->manager, id))
                        (void) pl_op_start(p, NULL, id, &args, PL_INDICATOR_TIMEOUT_MS,
                                           on_indicator_done, NULL);
        }
}

/* ---- resting states ---- */

static void on_rest_secured(struct eg_pipeline *p, struct eg_transaction *tx, int status,
                            const char *message) {
        if (status < 0 && status != -ECANCELED) {
                log_lane(LOG_ERR, status, p->lane_name, "cannot secure a door at rest: %s",
                         message ? message : strerror(-status));
                /* Out of service until the door answers properly again (probe). */
                for (unsigned role = EG_ROLE_ENTRY_DOOR; role <= EG_ROLE_EXIT_DOOR; role++) {
                        struct eg_device *d = pl_role_device(p, NULL, role);

                        if (d && !pl_door_is_secured(p, d->id) && d->n_in_flight == 0)
                                eg_device_fault(d, "cannot close and lock the door");
                }
        }
        if (p->n_securing > 0 && --p->n_securing == 0)
                pl_kick(p);
}

/* Close and lock both doors if they are not; true while that is going on. */
static bool secure_doors(struct eg_pipeline *p) {
        if (p->n_securing > 0)
                return true;
        for (unsigned role = EG_ROLE_ENTRY_DOOR; role <= EG_ROLE_EXIT_DOOR; role++) {
                struct eg_device *d = pl_role_device(p, NULL, role);

                if (!d || d->state == EG_DEVICE_FAULTED || pl_door_is_secured(p, d->id))
                        continue;
                if (pl_door_secure(p, NULL, d->id, on_rest_secured) == 0)
                        p->n_securing++;
        }
        return p->n_securing > 0;
}

static bool probe_device(struct eg_pipeline *p, struct eg_device *d) {
        struct eg_op_args args = { .size = sizeof(args) };

        /* Only operations that change nothing at rest: a door that is closed is locked
         * (again), a sensor is read, an indicator set to what it shows. */
        switch (d->device_class) {
        case EG_CLASS_DOOR:
                args.kind = d->door_position == EG_DOOR_POSITION_CLOSED ? EG_OP_DOOR_LOCK
                                                                        : EG_OP_DOOR_CLOSE;
                break;
        case EG_CLASS_PRESENCE_SENSOR:
                args.kind = EG_OP_PRESENCE_READ;
                break;
        case EG_CLASS_INDICATOR:
                args.kind = EG_OP_INDICATOR_SET;
                args.colour = EG_COLOUR_RED;
                args.message_id = PL_MSG_LANE_CLOSED;
                break;
        default:
                return false;
        }
        log_lane(LOG_INFO, 0, p->lane_name, "probing faulted device %s (%s)", d->id,
                 eg_op_kind_to_string(args.kind));
        return pl_op_start(p, NULL, d->id, &args, PL_DOOR_TIMEOUT_MS, on_indicator_done, NULL) >= 0;
}

static int on_probe_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct eg_pipeline *p = userdata;
        bool any = false;

        if (!p->lane || p->lane->ready || p->tx || p->manager->stopping)
                return 0;
        for (unsigned role = 0; role < EG_ROLE_MAX_; role++)
                for (unsigned i = 0; i < EG_LANE_MAX_MULTI; i++) {
                        struct eg_device *d = eg_device_find(p->manager, p->lane->roles[role][i]);

                        if (d && d->state == EG_DEVICE_FAULTED && d->n_in_flight == 0)
                                any |= probe_device(p, d);
                }
        if (any)
                (void) sd_event_source_set_time_relative(s, PL_PROBE_INTERVAL_USEC);
        (void) sd_event_source_set_enabled(s, any ? SD_EVENT_ONESHOT : SD_EVENT_OFF);
        return 0;
}

static void arm_probe(struct eg_pipeline *p) {
        int r;

        if (!p->probe_timer) {
                r = sd_event_add_time_relative(p->manager->event, &p->probe_timer, CLOCK_MONOTONIC,
                                               PL_PROBE_INTERVAL_USEC, 100000, on_probe_timer, p);
                if (r < 0)
                        log_lane(LOG_WARNING, r, p->lane_name, "cannot arm the device probe: %m");
                return;
        }
        if (sd_event_source_get_enabled(p->probe_timer, NULL) > 0)
                return;
        (void) sd_event_source_set_time_relative(p->probe_timer, PL_PROBE_INTERVAL_USEC);
        (void) sd_event_source_set_enabled(p->probe_timer, SD_EVENT_ONESHOT);
}

void pl_return_to_rest(struct eg_pipeline *p) {
        struct eg_lane *l = p->lane;
        struct eg_manager *m = p->manager;

        if (!l || p->tx || m->stopping)
                return;

        if (l->mode == EG_LANE_MODE_EMERGENCY) {
                pl_set_state(p, EG_PIPELINE_EMERGENCY);
                pl_indicate(p, EG_COLOUR_YELLOW, EG_PATTERN_FAST_FLASH, PL_MSG_EMERGENCY);
                return;
        }
        p->emergency_doors_open = false;
        if (l->mode != EG_LANE_MODE_AUTOMATIC || p->audit_blocked || !m->audit ||
            m->mock_importing) {
                pl_set_state(p, EG_PIPELINE_CLOSED);
                pl_indicate(p, EG_COLOUR_RED, EG_PATTERN_STEADY, PL_MSG_LANE_CLOSED);
                if (l->mode == EG_LANE_MODE_CLOSED && l->ready)
                        (void) secure_doors(p);
                return;
        }
        if (!l->ready) {
                pl_set_state(p, EG_PIPELINE_OUT_OF_SERVICE);
                pl_indicate(p, EG_COLOUR_RED, EG_PATTERN_STEADY, PL_MSG_LANE_CLOSED);
                arm_probe(p);
                /* Out of service is no reason to leave a door open until the device is back:
                 * the doors that serve close and lock (after an officer's Abort, say). */
                (void) secure_doors(p);
                return;
        }
        if (secure_doors(p)) {
                /* Not idle before both doors are shut: nobody may start at the reader. */
                pl_set_state(p, EG_PIPELINE_CLOSED);
                return;
        }
        pl_set_state(p, EG_PIPELINE_IDLE);
        pl_indicate(p, EG_COLOUR_GREEN, EG_PATTERN_STEADY, PL_MSG_PLACE_DOCUMENT);
        if (pl_document_present(p) && !p->need_document_removal)
                pl_start_transaction(p);
}

static int on_kick(sd_event_source *s, void *userdata) {
        struct eg_pipeline *p = userdata;

        pl_return_to_rest(p);
        return 0;
}

void pl_kick(struct eg_pipeline *p) {
        if (p->kick)
                (void) sd_event_source_set_enabled(p->kick, SD_EVENT_ONESHOT);
}

/* Step 1 (domain notes §9): one person at the reader.  Company there only warns (guidance
 * may ask them to wait behind); the mantrap's count decides who gets through. */
static void note_approach(struct eg_pipeline *p, struct eg_transaction *tx) {
        int64_t n = pl_zone_count(p, "approach");
        struct pl_clock clock;
        char detail[80];

        if (n <= 1)
                return;
        (void) snprintf(detail, sizeof(detail), "%" PRId64 " people in the approach zone", n);
        log_lane(LOG_WARNING, 0, p->lane_name, "transaction %s: %s: %s", tx->id,
                 EG_REASON_APPROACH_MULTI, detail);
        pl_clock_now(&clock);
        pl_tx_step_simple(tx, "approach", &clock, EG_CHECK_SUCCESSFUL, EG_REASON_APPROACH_MULTI,
                          detail);
        pl_tx_add_reason(tx, EG_REASON_APPROACH_MULTI);
}

void pl_start_transaction(struct eg_pipeline *p) {
        struct eg_transaction *tx;
        struct eg_transaction_event e = { .type = EG_TRANSACTION_STARTED };
        int r;

        r = pl_tx_new(p, &tx);
        if (r < 0) {
                log_lane(LOG_ERR, r, p->lane_name, "cannot start a transaction: %m");
                return;
        }
        p->tx = tx; /* the pipeline's reference */
        p->counters.transactions++;
        log_lane(LOG_INFO, 0, p->lane_name, "transaction %s started", tx->id);
        e.id = tx->id;
        pl_emit(p, &e);
        pl_set_state(p, EG_PIPELINE_READING_DOCUMENT);
        pl_notify_changed(p);
        note_approach(p, tx);
        pl_document_start(p, tx);
}

/* ---- the manager's events ---- */

static struct eg_pipeline *pipeline_of_device(struct eg_manager *m, const char *device_id,
                                              enum eg_lane_role *ret_role) {
        struct eg_lane *l = eg_lane_of_device(m, device_id, ret_role);

        return l ? eg_pipeline_find(m, l->name) : NULL;
}

/* A device of the lane stopped serving in the middle of a transaction. */
static void device_lost(struct eg_pipeline *p, const char *device_id, enum eg_lane_role role,
                        const char *why, bool deadline) {
        struct eg_transaction *tx = p->tx;
        const char *reason = deadline ? EG_REASON_DEVICE_TIMEOUT : EG_REASON_DEVICE_FAULT;
        struct pl_clock clock;
        char detail[EG_CHECK_DETAIL_MAX];

        if (role == EG_ROLE_INDICATOR)
                return; /* guidance only: the transaction goes on without it */
        if (!tx || tx->decided)
                return;
        log_lane(LOG_WARNING, 0, p->lane_name, "transaction %s: %s %s stopped serving (%s)", tx->id,
                 eg_lane_role_to_string(role), device_id, strna(why));
        /* The step that waited on the device never answers now (its answer is ignored once
         * the transaction is referred): the record must still say what failed, and where. */
        pl_clock_now(&clock);
        (void) snprintf(detail, sizeof(detail), "the %s stopped serving (%s)",
                        eg_lane_role_to_string(role), strna(why));
        pl_tx_step(tx, &(struct pl_step_info){
                               .step = "lane",
                               .result = EG_CHECK_ABORTED,
                               .reason = reason,
                               .detail = detail,
                               .clock = &clock,
                               .device = device_id,
                       });
        pl_tx_add_reason(tx, reason);
        pl_refer(p, tx, reason);
}

static void on_device_event(struct eg_device *d, const struct eg_event *e, void *userdata) {
        struct eg_manager *m = userdata;
        enum eg_lane_role role;
        struct eg_pipeline *p = pipeline_of_device(m, d->id, &role);
        struct eg_transaction *tx;

        if (!p || m->stopping)
                return;
        tx = p->tx;
        switch (e->type) {
        case EG_EVENT_DOCUMENT_PRESENT:
                if (role != EG_ROLE_DOCUMENT_READER)
                        break;
                if (!tx)
                        pl_kick(p);
                else if (tx->phase == PL_PHASE_WAIT_ENTER)
                        pl_mantrap_occupancy(p, tx); /* the next traveller's, perhaps */
                break;
        case EG_EVENT_DOCUMENT_REMOVED:
                if (role != EG_ROLE_DOCUMENT_READER)
                        break;
                p->need_document_removal = false;
                if (tx)
                        pl_document_removed(p, tx);
                break;
        case EG_EVENT_OCCUPANCY:
                if (!tx)
                        break;
                if (tx->phase == PL_PHASE_EXITING || tx->phase == PL_PHASE_REFERRING)
                        pl_leave_occupancy(p, tx);
                else
                        pl_mantrap_occupancy(p, tx);
                break;
        case EG_EVENT_DOOR_FORCED:
                /* Decides a running transaction; otherwise a lane event (pl_alarm logs it). */
                pl_alarm(p, tx, EG_REASON_DOOR_FORCED, "door-forced",
                         role == EG_ROLE_EXIT_DOOR ? "exit door forced open"
                                                   : "entry door forced open");
                break;
        case EG_EVENT_EMERGENCY:
                if (e->value)
                        pl_emergency_begin(p, d->id);
                else
                        log_lane(LOG_NOTICE, 0, p->lane_name,
                                 "emergency input cleared on %s: the lane stays in emergency "
                                 "mode until an operator sets another mode",
                                 d->id);
                break;
        default:
                break;
        }
}

static void on_device_state(struct eg_device *d, enum eg_device_state old, const char *reason,
                            void *userdata) {
        struct eg_manager *m = userdata;
        enum eg_lane_role role;
        struct eg_pipeline *p;

        /* Online <-> busy is every operation's own doing: nothing for the lane. */
        if (eg_device_state_serving(old) && eg_device_state_serving(d->state))
                return;
        p = pipeline_of_device(m, d->id, &role);
        if (!p || m->stopping)
                return;
        if (d->state == EG_DEVICE_FAULTED || d->state == EG_DEVICE_OFFLINE)
                device_lost(p, d->id, role, reason,
                            d->state == EG_DEVICE_FAULTED && d->fault_is_deadline);
        pl_kick(p);
}

static void on_device_removed(struct eg_device *d, void *userdata) {
        struct eg_manager *m = userdata;
        enum eg_lane_role role;
        struct eg_pipeline *p = pipeline_of_device(m, d->id, &role);

        if (!p || m->stopping)
                return;
        device_lost(p, d->id, role, "removed", false);
        pl_kick(p);
}

static void on_device_added(struct eg_device *d, void *userdata) {
        struct eg_manager *m = userdata;
        struct eg_pipeline *p;

        /* Readiness is judged after the listeners ran: look again from the loop. */
        EG_LIST_FOREACH (pipelines, p, m->pipelines)
                pl_kick(p);
}

static void on_lane_changed(struct eg_lane *l, void *userdata) {
        struct eg_manager *m = userdata;
        struct eg_pipeline *p = eg_pipeline_find(m, l->name);
        struct eg_transaction *tx;

        if (!p || m->stopping)
                return;
        tx = p->tx;
        if (l->mode == EG_LANE_MODE_EMERGENCY && !p->emergency_doors_open)
                pl_emergency_begin(p, NULL);
        else if (l->mode == EG_LANE_MODE_MANUAL && tx && !tx->decided) {
                /* Manual mode lends the devices to operators: the pipeline lets go. */
                pl_tx_add_reason(tx, EG_REASON_LANE_MODE_CHANGED);
                pl_refer(p, tx, EG_REASON_LANE_MODE_CHANGED);
        }
        pl_kick(p);
}

static void on_audit_writable(bool writable, void *userdata) {
        struct eg_manager *m = userdata;
        struct eg_pipeline *p;

        log_info("audit trail %s", writable ? "writable again" : "not writable");
        if (!writable)
                return;
        EG_LIST_FOREACH (pipelines, p, m->pipelines)
                pl_record_retry(p);
}

/* ---- lifecycle ---- */

static struct eg_pipeline *pipeline_new(struct eg_manager *m, struct eg_lane *l) {
        struct eg_pipeline *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return NULL;
        p->manager = m;
        p->lane = l;
        p->n_refs = 1; /* the manager's list */
        p->state = EG_PIPELINE_OUT_OF_SERVICE;
        p->last_colour = -1;
        p->lane_name = strdup(l->name);
        if (!p->lane_name) {
                free(p);
                return NULL;
        }
        r = sd_event_add_defer(m->event, &p->kick, on_kick, p);
        if (r < 0) {
                free(p->lane_name);
                free(p);
                return NULL;
        }
        (void) sd_event_source_set_enabled(p->kick, SD_EVENT_ONESHOT);
        EG_LIST_APPEND(pipelines, m->pipelines, p);
        return p;
}

static void pipeline_free(struct eg_pipeline *p) {
        if (p->manager)
                EG_LIST_REMOVE(pipelines, p->manager->pipelines, p);
        p->kick = sd_event_source_disable_unref(p->kick);
        p->probe_timer = sd_event_source_disable_unref(p->probe_timer);
        for (size_t i = 0; i < p->n_unwritten; i++)
                free(p->unwritten[i]);
        free(p->unwritten);
        free(p->lane_name);
        free(p);
}

/* The lane went away: finish what runs, then let the last reference free it. */
static void pipeline_retire(struct eg_pipeline *p) {
        struct eg_transaction *tx = p->tx;

        p->lane = NULL;
        if (tx && !tx->decided) {
                log_lane(LOG_WARNING, 0, p->lane_name,
                         "the lane was removed by a reload during transaction %s", tx->id);
                pl_tx_add_reason(tx, EG_REASON_LANE_RECONFIGURED);
                pl_refer(p, tx, EG_REASON_LANE_RECONFIGURED);
        }
        p->retired = true;
        p->kick = sd_event_source_disable_unref(p->kick);
        p->probe_timer = sd_event_source_disable_unref(p->probe_timer);
        pl_unref(p); /* the manager's list */
}

int eg_pipelines_sync(struct eg_manager *m) {
        struct eg_pipeline *p, *next;
        struct eg_lane *l;

        EG_LIST_FOREACH_SAFE (pipelines, p, next, m->pipelines) {
                if (p->retired)
                        continue;
                p->lane = eg_lane_find(m, p->lane_name);
                if (!p->lane)
                        pipeline_retire(p);
                else
                        pl_kick(p);
        }
        EG_LIST_FOREACH (lanes, l, m->lanes)
                if (!eg_pipeline_find(m, l->name) && !pipeline_new(m, l))
                        return log_oom();
        return 0;
}

int eg_pipelines_init(struct eg_manager *m) {
        struct eg_manager_listener listener = {
                .device_added = on_device_added,
                .device_removed = on_device_removed,
                .device_state_changed = on_device_state,
                .device_event = on_device_event,
                .lane_changed = on_lane_changed,
                .userdata = m,
        };

        if (m->audit)
                eg_audit_set_listener(m->audit, on_audit_writable, m);
        return eg_manager_add_listener(m, &listener);
}

void eg_pipelines_audit_opened(struct eg_manager *m) {
        eg_audit_set_listener(m->audit, on_audit_writable, m);
        on_audit_writable(eg_audit_writable(m->audit), m);
        eg_pipelines_refresh(m);
}

void eg_pipelines_refresh(struct eg_manager *m) {
        struct eg_pipeline *p;

        EG_LIST_FOREACH (pipelines, p, m->pipelines)
                pl_kick(p);
}

void eg_pipelines_free(struct eg_manager *m) {
        eg_manager_remove_listener(m, m);
        /* The loop is gone: nothing will answer any more.  Drop everything now; the
         * owners of pending requests (operations, registry, audit) drop theirs too. */
        while (m->pipelines) {
                struct eg_pipeline *p = m->pipelines;
                struct eg_transaction *tx = TAKE_PTR(p->tx);

                if (tx) {
                        pl_tx_discard_personal_data(tx);
                        tx->pipeline = NULL;
                        pl_tx_unref(tx);
                }
                /* Audit writes in flight: the trail is freed next and answers none. */
                while (p->audit_calls) {
                        struct pl_audit_call *c = p->audit_calls;

                        EG_LIST_REMOVE(audit_calls, p->audit_calls, c);
                        eg_audit_cancel(m->audit, c);
                        if (c->tx) {
                                pl_tx_discard_personal_data(c->tx);
                                c->tx->pipeline = NULL;
                                pl_tx_unref(c->tx);
                        }
                        free(c);
                }
                /* Background checks in flight, even of travellers gone: the backend is freed
                 * next and answers none. */
                while (p->background_calls) {
                        struct pl_background_call *c = p->background_calls;

                        EG_LIST_REMOVE(background_calls, p->background_calls, c);
                        c->tx->pipeline = NULL;
                        pl_tx_unref(c->tx);
                        free(c);
                }
                p->manager = m;
                EG_LIST_REMOVE(pipelines, m->pipelines, p);
                p->manager = NULL;
                pipeline_free(p);
        }
}
