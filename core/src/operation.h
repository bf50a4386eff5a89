/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device operations: start -> exactly one outcome.
 *
 * Whatever the plugin does, the caller's callback runs exactly once: with the
 * plugin's result, with -ETIMEDOUT when the deadline passes (the device is
 * then marked faulted), with -ECANCELED after eg_operation_cancel(), or with
 * -ENODEV when the device goes away.  Callbacks always run from the event
 * loop, never from inside the call that started the operation.
 */
#pragma once

#include <egate/plugin.h>
#include <systemd/sd-event.h>

#include "list.h"
#include "macro.h"

struct eg_device;
struct eg_manager;
struct eg_plugin;

/* What came back, owned by the daemon.  A callback may take `fd` or `data`
 * (TAKE_FD / TAKE_PTR); whatever is left is freed after it returns. */
struct eg_op_outcome {
        int status;
        char *message;
        char *text;
        uint8_t *data;
        size_t data_len;
        char *format;
        int fd;
        double score;
        double threshold;
        bool match;
        int64_t value;
        char *document_model; /* DOCUMENT_INSPECT: NULL when no model fits */
        uint32_t optical_passed, optical_failed, optical_undetermined;
        bool presentation_attack; /* FINGER_*, CAMERA_CAPTURE: the device's PAD found an artefact */
        uint32_t faces; /* CAMERA_CAPTURE: faces in the frame, 0: not counted */
        uint64_t duration_usec;
};

typedef void (*eg_op_done_fn)(struct eg_manager *m, const char *device_id, eg_op_id op,
                              struct eg_op_outcome *outcome, void *userdata);

struct eg_operation {
        struct eg_manager *manager;
        eg_op_id id;
        struct eg_device *device;
        enum eg_op_kind kind;
        uint64_t started_usec;
        uint32_t timeout_ms;
        sd_event_source *deadline;
        eg_op_done_fn done;
        void *userdata;
        bool after_fault; /* the safe state of a faulted door: its success clears no fault */
        EG_LIST_FIELDS(struct eg_operation, operations);
};

const char *eg_op_kind_to_string(enum eg_op_kind k); /* "door-open", ... */
int eg_op_kind_from_string(const char *s);
enum eg_device_class eg_op_kind_class(enum eg_op_kind k);

/*
 * Start `args->kind` on `device_id`.  timeout_ms 0 = the daemon's default.
 * Errors (no callback follows): -ENODEV unknown device, -EOPNOTSUPP kind not
 * supported by the device, -ESHUTDOWN the daemon is stopping, or the
 * plugin's own refusal.
 */
int eg_operation_start(struct eg_manager *m, const char *device_id, const struct eg_op_args *args,
                       uint32_t timeout_ms, eg_op_done_fn done, void *userdata, eg_op_id *ret_id);

/*
 * A door that faulted goes to its declared safe state: whatever it is still doing ends
 * with -EIO (it failed with the door; -ECANCELED would say its caller gave way to a newer
 * command of its own), then DOOR_SAFE_STATE starts with the default deadline (the outcome is logged).
 * That command answering does not end the fault: the lane's probe decides when the door
 * serves again.  Only from the loop, never from inside a plugin's call (eg_device_fault()
 * defers it).
 */
int eg_operation_start_fault_safe_state(struct eg_manager *m, struct eg_device *d);

/* Cancel: the callback runs (later, from the loop) with -ECANCELED.  -ENOENT if unknown. */
int eg_operation_cancel(struct eg_manager *m, eg_op_id id);

/* Cancel every operation in flight on `d` (each callback runs later with -ECANCELED and
 * `why`): a command that must not wait behind them (the emergency's door opening) can start
 * at once, also on a device that takes one command at a time. */
void eg_operations_cancel_device(struct eg_manager *m, struct eg_device *d, const char *why);

/* Plugin side: the result for op `id` arrived (on the loop thread, validated). */
void eg_operation_complete(struct eg_manager *m, struct eg_plugin *from, eg_op_id id,
                           struct eg_op_outcome *outcome);

/* Fail every operation of `d` with `status` (device removal). */
void eg_operations_fail_device(struct eg_manager *m, struct eg_device *d, int status,
                               const char *message);

void eg_op_outcome_done(struct eg_op_outcome *o);

/* Manager lifecycle. */
/* Call back the finished operations now.  Only from a loop callback that runs no plugin,
 * cancel or removal call below it (the post queue's drain): it saves the loop iteration of the
 * deliver source. */
void eg_operations_deliver(struct eg_manager *m);

int eg_operations_init(struct eg_manager *m);
void eg_operations_done(struct eg_manager *m);
