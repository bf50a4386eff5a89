/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Door commands as the pipeline uses them: open, or "secure" (close if it is
 * not closed, then lock if it is not locked).  What a door is doing comes
 * from its own DOOR_POSITION and DOOR_LOCK events (struct eg_device).
 *
 * The newest command wins: it cancels whatever the door is still doing
 * before it starts.  The lane's intent has changed (a referred traveller
 * must get the entry door back while it is still closing behind them; the
 * emergency opens doors that are locking), and door controllers differ:
 * some turn round on a new command, others refuse it while busy (the gpio
 * plugin's, -EBUSY) and would leave the old command to finish.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "log.h"
#include "manager.h"
#include "pipeline-internal.h"

struct door_job {
        struct eg_pipeline *p;
        struct eg_transaction *tx;
        char *device_id;
        pl_door_fn fn;
};

static void job_free(struct door_job *j) {
        pl_tx_unref(j->tx);
        pl_unref(j->p);
        free(j->device_id);
        free(j);
}

static void job_done(struct door_job *j, int status, const char *message) {
        if (j->fn)
                j->fn(j->p, j->tx, status, message);
        job_free(j);
}

static int job_step(struct door_job *j, enum eg_op_kind kind);

static void on_door_op(struct eg_manager *m, const char *device_id, eg_op_id op,
                       struct eg_op_outcome *o, void *userdata) {
        struct door_job *j = userdata;
        struct eg_device *d;
        int r;

        if (o->status < 0) {
                log_lane(o->status == -ECANCELED ? LOG_DEBUG : LOG_WARNING, o->status,
                         j->p->lane_name, "door %s: %s", j->device_id,
                         o->message ? o->message : strerror(-o->status));
                job_done(j, o->status, o->message);
                return;
        }
        /* After a close comes the lock, unless the door locked itself. */
        d = eg_device_find(m, j->device_id);
        if (d && d->door_position == EG_DOOR_POSITION_CLOSED &&
            d->door_lock != EG_DOOR_LOCK_LOCKED &&
            (d->supported_ops & EG_OP_BIT(EG_OP_DOOR_LOCK))) {
                r = job_step(j, EG_OP_DOOR_LOCK);
                if (r < 0)
                        job_done(j, r, "cannot lock the door");
                return;
        }
        job_done(j, 0, NULL);
}

static int job_step(struct door_job *j, enum eg_op_kind kind) {
        struct eg_op_args args = { .size = sizeof(args), .kind = kind };
        struct eg_device *d = eg_device_find(j->p->manager, j->device_id);

        if (d)
                eg_operations_cancel_device(j->p->manager, d, "superseded by a newer door command");
        return eg_operation_start(j->p->manager, j->device_id, &args, PL_DOOR_TIMEOUT_MS,
                                  on_door_op, j, NULL);
}

static int door_run(struct eg_pipeline *p, struct eg_transaction *tx, const char *device_id,
                    enum eg_op_kind kind, pl_door_fn fn) {
        struct door_job *j;
        int r;

        if (!device_id)
                return -ENODEV;
        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        j->p = pl_ref(p);
        j->tx = tx ? pl_tx_ref(tx) : NULL;
        j->fn = fn;
        j->device_id = strdup(device_id);
        if (!j->device_id) {
                job_free(j);
                return -ENOMEM;
        }
        r = job_step(j, kind);
        if (r < 0) {
                log_lane(LOG_WARNING, r, p->lane_name, "door %s: cannot start %s: %m", device_id,
                         eg_op_kind_to_string(kind));
                job_free(j);
        }
        return r;
}

int pl_door_open(struct eg_pipeline *p, struct eg_transaction *tx, const char *device_id,
                 pl_door_fn fn) {
        return door_run(p, tx, device_id, EG_OP_DOOR_OPEN, fn);
}

bool pl_door_is_secured(struct eg_pipeline *p, const char *device_id) {
        struct eg_device *d = eg_device_find(p->manager, device_id);

        return d && d->door_position == EG_DOOR_POSITION_CLOSED &&
               (d->door_lock == EG_DOOR_LOCK_LOCKED ||
                !(d->supported_ops & EG_OP_BIT(EG_OP_DOOR_LOCK)));
}

/* 0: the callback follows; 1: already closed and locked (no callback); < 0: failed. */
int pl_door_secure(struct eg_pipeline *p, struct eg_transaction *tx, const char *device_id,
                   pl_door_fn fn) {
        struct eg_device *d = eg_device_find(p->manager, device_id);

        if (!d)
                return -ENODEV;
        if (pl_door_is_secured(p, device_id))
                return 1;
        if (d->door_position == EG_DOOR_POSITION_CLOSED)
                return door_run(p, tx, device_id, EG_OP_DOOR_LOCK, fn);
        return door_run(p, tx, device_id, EG_OP_DOOR_CLOSE, fn);
}
