/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deadline.h"
#include "log.h"
#include "manager.h"
#include "operation.h"

static const struct {
        const char *name;
        enum eg_device_class device_class;
} op_kinds[EG_OP_MAX_] = {
        [EG_OP_DOCUMENT_READ_MRZ] = { "document-read-mrz", EG_CLASS_DOCUMENT_READER },
        [EG_OP_DOCUMENT_CAPTURE_PAGE] = { "document-capture-page", EG_CLASS_DOCUMENT_READER },
        [EG_OP_CHIP_CONNECT] = { "chip-connect", EG_CLASS_CHIP_READER },
        [EG_OP_CHIP_TRANSMIT] = { "chip-transmit", EG_CLASS_CHIP_READER },
        [EG_OP_CHIP_DISCONNECT] = { "chip-disconnect", EG_CLASS_CHIP_READER },
        [EG_OP_FINGER_CAPTURE] = { "finger-capture", EG_CLASS_FINGERPRINT_SCANNER },
        [EG_OP_FINGER_ENROLL] = { "finger-enroll", EG_CLASS_FINGERPRINT_SCANNER },
        [EG_OP_FINGER_VERIFY] = { "finger-verify", EG_CLASS_FINGERPRINT_SCANNER },
        [EG_OP_CAMERA_CAPTURE] = { "camera-capture", EG_CLASS_CAMERA },
        [EG_OP_DOOR_OPEN] = { "door-open", EG_CLASS_DOOR },
        [EG_OP_DOOR_CLOSE] = { "door-close", EG_CLASS_DOOR },
        [EG_OP_DOOR_LOCK] = { "door-lock", EG_CLASS_DOOR },
        [EG_OP_DOOR_SAFE_STATE] = { "door-safe-state", EG_CLASS_DOOR },
        [EG_OP_PRESENCE_READ] = { "presence-read", EG_CLASS_PRESENCE_SENSOR },
        [EG_OP_INDICATOR_SET] = { "indicator-set", EG_CLASS_INDICATOR },
        [EG_OP_DOCUMENT_INSPECT] = { "document-inspect", EG_CLASS_DOCUMENT_READER },
};

const char *eg_op_kind_to_string(enum eg_op_kind k) {
        if ((unsigned) k >= EG_OP_MAX_ || !op_kinds[k].name)
                return "invalid";
        return op_kinds[k].name;
}

int eg_op_kind_from_string(const char *s) {
        for (unsigned k = 1; k < EG_OP_MAX_; k++)
                if (streq_ptr(op_kinds[k].name, s))
                        return (int) k;
        return -EINVAL;
}

enum eg_device_class eg_op_kind_class(enum eg_op_kind k) {
        if ((unsigned) k >= EG_OP_MAX_)
                return EG_CLASS_INVALID;
        return op_kinds[k].device_class;
}

void eg_op_outcome_done(struct eg_op_outcome *o) {
        free(o->message);
        free(o->text);
        free(o->data);
        free(o->format);
        free(o->document_model);
        closep(&o->fd);
        *o = (struct eg_op_outcome){ .fd = -1 };
}

static uint64_t now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static struct eg_operation *find_in_flight(struct eg_manager *m, eg_op_id id) {
        struct eg_operation *o;

        EG_LIST_FOREACH (operations, o, m->operations)
                if (o->id == id)
                        return o;
        return NULL;
}

struct finished_operation {
        struct eg_operation op;
        struct eg_op_outcome outcome;
        char *device_id;
};

/*
 * Every outcome reaches its caller from this one defer source, so no
 * callback ever runs inside the plugin call, the cancel call or the device
 * removal that produced it; or straight from the loop callback that applied
 * a plugin's posted completions (eg_operations_deliver()), which is not
 * inside any such call either.
 */
void eg_operations_deliver(struct eg_manager *m) {
        while (m->finished) {
                struct eg_operation *o = m->finished;
                struct finished_operation *f = (struct finished_operation *) o;

                EG_LIST_REMOVE(operations, m->finished, o);
                if (o->done)
                        o->done(m, f->device_id, o->id, &f->outcome, o->userdata);
                eg_op_outcome_done(&f->outcome);
                free(f->device_id);
                free(f);
        }
        if (m->deliver_source)
                (void) sd_event_source_set_enabled(m->deliver_source, SD_EVENT_OFF);
}

static int deliver_finished(sd_event_source *s, void *userdata) {
        eg_operations_deliver(userdata);
        return 0;
}

static void device_update_busy(struct eg_device *d) {
        if (d->state == EG_DEVICE_FAULTED || d->state == EG_DEVICE_OFFLINE)
                return;
        eg_device_set_state(d, d->n_in_flight > 0 ? EG_DEVICE_BUSY : EG_DEVICE_ONLINE, NULL);
}

/* Move `o` from in flight to finished with `outcome` (taken).  The device's busy state
 * follows unless the caller is about to fault it. */
static void operation_end(struct eg_manager *m, struct eg_operation *o,
                          struct eg_op_outcome *outcome, bool update_busy) {
        struct finished_operation *f = (struct finished_operation *) o;
        struct eg_device *d = o->device;

        o->deadline = sd_event_source_disable_unref(o->deadline);
        EG_LIST_REMOVE(operations, m->operations, o);
        f->outcome = *outcome;
        *outcome = (struct eg_op_outcome){ .fd = -1 };
        f->outcome.duration_usec = now_usec() - o->started_usec;
        f->device_id = strdup(d->id);
        if (!f->device_id)
                (void) log_oom();
        o->device = NULL;
        EG_LIST_APPEND(operations, m->finished, o);
        (void) sd_event_source_set_enabled(m->deliver_source, SD_EVENT_ONESHOT);

        d->n_operations++;
        if (f->outcome.status < 0 && f->outcome.status != -ECANCELED)
                d->n_failures++;
        if (f->outcome.status == -ETIMEDOUT)
                d->n_timeouts++;
        if (d->n_in_flight > 0)
                d->n_in_flight--;
        if (update_busy)
                device_update_busy(d);
}

static void operation_finish(struct eg_manager *m, struct eg_operation *o,
                             struct eg_op_outcome *outcome) {
        operation_end(m, o, outcome, true);
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        struct eg_operation *o = userdata;
        struct eg_manager *m = o->manager;
        struct eg_device *d = o->device;
        struct eg_op_outcome outcome = { .status = -ETIMEDOUT, .fd = -1 };
        char *reason = NULL;

        if (asprintf(&reason, "%s timed out after %u ms", eg_op_kind_to_string(o->kind),
                     o->timeout_ms) < 0)
                reason = NULL;
        log_device(LOG_WARNING, 0, d->id, "%s: no answer from the plugin", strna(reason));
        /* Tell the plugin to stop; a late answer is ignored because the id is gone. */
        d->ops.cancel(d->device_data, o->id);
        /* Out of flight before the fault: what a fault sets off at once (a lane referring its
         * traveller, a chip session ending) cancels the device's operations, and this one
         * must not end twice. */
        outcome.message = reason ? strdup(reason) : NULL;
        operation_end(m, o, &outcome, false);
        eg_device_fault_deadline(d, reason ? reason : "operation timed out");
        free(reason);
        return 0;
}

static int operation_start(struct eg_manager *m, struct eg_device *d, const struct eg_op_args *in,
                           uint32_t timeout_ms, eg_op_done_fn done, void *userdata,
                           bool after_fault, eg_op_id *ret_id) {
        struct finished_operation *f;
        struct eg_operation *o;
        struct eg_op_args args;
        int r;

        if (!d)
                return -ENODEV;
        if (m->stopping && in->kind != EG_OP_DOOR_SAFE_STATE)
                return -ESHUTDOWN;
        if (in->kind <= EG_OP_INVALID || in->kind >= EG_OP_MAX_ ||
            !(d->supported_ops & EG_OP_BIT(in->kind)))
                return -EOPNOTSUPP;
        if (timeout_ms == 0)
                timeout_ms = eg_manager_default_timeout_ms(m);

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->outcome.fd = -1;
        o = &f->op;
        o->manager = m;
        o->id = ++m->next_op_id;
        o->device = d;
        o->kind = in->kind;
        o->timeout_ms = timeout_ms;
        o->done = done;
        o->userdata = userdata;
        o->after_fault = after_fault;
        o->started_usec = now_usec();

        r = sd_event_add_time_relative(
                m->event, &o->deadline, CLOCK_MONOTONIC, (uint64_t) timeout_ms * 1000u,
                eg_deadline_accuracy_usec((uint64_t) timeout_ms * 1000u), on_deadline, o);
        if (r < 0) {
                free(f);
                return log_device(LOG_ERR, r, d->id, "cannot arm the operation deadline: %m");
        }

        args = *in;
        args.size = sizeof(args);
        args.timeout_ms = timeout_ms;
        EG_LIST_APPEND(operations, m->operations, o);
        d->n_in_flight++;
        device_update_busy(d);

        r = d->ops.start(d->device_data, o->id, &args);
        if (r < 0) {
                log_device(LOG_DEBUG, r, d->id, "plugin refused %s: %m",
                           eg_op_kind_to_string(in->kind));
                o->deadline = sd_event_source_disable_unref(o->deadline);
                EG_LIST_REMOVE(operations, m->operations, o);
                d->n_in_flight--;
                device_update_busy(d);
                free(f);
                return r;
        }
        log_device(LOG_DEBUG, 0, d->id, "started %s (op %" PRIu64 ", deadline %u ms)",
                   eg_op_kind_to_string(in->kind), o->id, timeout_ms);
        if (ret_id)
                *ret_id = o->id;
        return 0;
}

int eg_operation_start(struct eg_manager *m, const char *device_id, const struct eg_op_args *in,
                       uint32_t timeout_ms, eg_op_done_fn done, void *userdata, eg_op_id *ret_id) {
        return operation_start(m, eg_device_find(m, device_id), in, timeout_ms, done, userdata,
                               false, ret_id);
}

/* End every operation of `d` with `status`; the plugin hears of each unless it is the one
 * that took the device away. */
static void end_device_operations(struct eg_manager *m, struct eg_device *d, int status,
                                  const char *message, bool tell_plugin) {
        struct eg_operation *o, *n;

        EG_LIST_FOREACH_SAFE (operations, o, n, m->operations) {
                struct eg_op_outcome outcome = { .status = status, .fd = -1 };

                if (o->device != d)
                        continue;
                if (tell_plugin)
                        d->ops.cancel(d->device_data, o->id);
                outcome.message = message ? strdup(message) : NULL;
                operation_finish(m, o, &outcome);
        }
}

static void on_fault_safe_state(struct eg_manager *m, const char *device_id, eg_op_id op,
                                struct eg_op_outcome *o, void *userdata) {
        if (o->status == 0)
                log_device(LOG_NOTICE, 0, device_id, "in its safe state after the fault");
        else if (o->status != -ECANCELED)
                log_device(LOG_ERR, o->status, device_id,
                           "did not reach its safe state after the fault: %s",
                           o->message ? o->message : strerror(-o->status));
}

int eg_operation_start_fault_safe_state(struct eg_manager *m, struct eg_device *d) {
        struct eg_op_args args = { .size = sizeof(args), .kind = EG_OP_DOOR_SAFE_STATE };
        int r;

        /* A door without the command keeps what it is doing: cancelling it would gain nothing. */
        if (!(d->supported_ops & EG_OP_BIT(EG_OP_DOOR_SAFE_STATE)))
                return log_device(LOG_WARNING, EOPNOTSUPP, d->id,
                                  "faulted, and it has no safe-state command to send");
        /* What the door was doing failed with it.  Not -ECANCELED: callers read that as their
         * own newer command taking over, and would go on waiting for a door that faulted (an
         * exit that never opened, a traveller left in the mantrap). */
        end_device_operations(m, d, -EIO, "the door faulted: superseded by its safe state", true);
        r = operation_start(m, d, &args, 0, on_fault_safe_state, NULL, true, NULL);
        if (r < 0)
                log_device(LOG_ERR, r, d->id, "cannot send to its safe state after the fault: %m");
        return r;
}

int eg_operation_cancel(struct eg_manager *m, eg_op_id id) {
        struct eg_operation *o = find_in_flight(m, id);
        struct eg_op_outcome outcome = { .status = -ECANCELED, .fd = -1 };
        struct eg_device *d;

        if (!o)
                return -ENOENT;
        d = o->device;
        d->ops.cancel(d->device_data, o->id);
        outcome.message = strdup("cancelled");
        operation_finish(m, o, &outcome);
        return 0;
}

void eg_operations_cancel_device(struct eg_manager *m, struct eg_device *d, const char *why) {
        end_device_operations(m, d, -ECANCELED, why, true);
}

void eg_operation_complete(struct eg_manager *m, struct eg_plugin *from, eg_op_id id,
                           struct eg_op_outcome *outcome) {
        struct eg_operation *o = find_in_flight(m, id);

        if (!o) {
                /* Late answers after a timeout or cancel land here: expected, not an error. */
                log_plugin(LOG_DEBUG, 0, eg_plugin_name(from),
                           "completion for unknown or finished operation %" PRIu64 " dropped", id);
                eg_op_outcome_done(outcome);
                return;
        }
        if (o->device->plugin != from) {
                log_plugin(LOG_WARNING, 0, eg_plugin_name(from),
                           "completion for operation %" PRIu64
                           " of another plugin's device refused",
                           id);
                eg_op_outcome_done(outcome);
                return;
        }
        if (outcome->status > 0)
                outcome->status = -EIO; /* the SDK asks for 0 or a negative errno */
        if (outcome->status == 0 && o->device->state == EG_DEVICE_FAULTED && !o->after_fault)
                /* A device that answers correctly again has recovered. */
                eg_device_set_state(o->device, EG_DEVICE_BUSY, "answered again");
        log_device(LOG_DEBUG, outcome->status, o->device->id, "%s finished: %s",
                   eg_op_kind_to_string(o->kind),
                   outcome->status == 0 ? "ok" : strna(outcome->message));
        operation_finish(m, o, outcome);
}

void eg_operations_fail_device(struct eg_manager *m, struct eg_device *d, int status,
                               const char *message) {
        end_device_operations(m, d, status, message, false);
}

int eg_operations_init(struct eg_manager *m) {
        int r;

        r = sd_event_add_defer(m->event, &m->deliver_source, deliver_finished, m);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(m->deliver_source, SD_EVENT_OFF);
}

void eg_operations_done(struct eg_manager *m) {
        /* Callers are going away too: drop without calling back. */
        while (m->operations) {
                struct eg_operation *o = m->operations;
                struct finished_operation *f = (struct finished_operation *) o;

                o->deadline = sd_event_source_disable_unref(o->deadline);
                EG_LIST_REMOVE(operations, m->operations, o);
                free(f);
        }
        while (m->finished) {
                struct eg_operation *o = m->finished;
                struct finished_operation *f = (struct finished_operation *) o;

                EG_LIST_REMOVE(operations, m->finished, o);
                eg_op_outcome_done(&f->outcome);
                free(f->device_id);
                free(f);
        }
        m->deliver_source = sd_event_source_disable_unref(m->deliver_source);
}
