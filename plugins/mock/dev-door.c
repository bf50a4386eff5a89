/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Door: position (closed, moving, open) and lock, with the movement taking
 * the op's latency.  The newest movement command wins: a door told to close
 * while opening turns round, and the earlier command ends with -ECANCELED.
 * SAFE_STATE does what the fail mode says: fail-secure closes and locks,
 * fail-safe unlocks and opens.
 */
#include "mock.h"

enum {
        STAGE_DONE = 0, /* nothing to do: complete when the timer fires */
        STAGE_MOVING,
        STAGE_LOCKING,
};

static void set_position(struct mock_device *d, enum eg_door_position p) {
        if (d->door.position == p)
                return;
        d->door.position = p;
        mock_device_emit(d, EG_EVENT_DOOR_POSITION, p, NULL, NULL);
}

static void set_lock(struct mock_device *d, enum eg_door_lock l) {
        if (d->door.lock == l)
                return;
        d->door.lock = l;
        mock_device_emit(d, EG_EVENT_DOOR_LOCK, l, NULL, NULL);
}

static void tell_world(struct mock_device *d) {
        bool open = d->door.position == EG_DOOR_POSITION_OPEN;

        if (d->role == MOCK_ROLE_ENTRY_DOOR)
                mock_world_door(d->lane->world, MOCK_DOOR_ENTRY, open);
        else if (d->role == MOCK_ROLE_EXIT_DOOR)
                mock_world_door(d->lane->world, MOCK_DOOR_EXIT, open);
}

static void stop_motion(struct mock_device *d, int status, const char *message) {
        struct mock_op *old = d->door.motion;

        if (!old)
                return;
        d->door.motion = NULL;
        mock_op_end(old, status, message);
}

static void start_motion(struct mock_device *d, struct mock_op *op, unsigned timing) {
        stop_motion(d, -ECANCELED, "superseded by a newer door command");
        d->door.motion = op;
        op->stage = STAGE_MOVING;
        set_position(d, EG_DOOR_POSITION_MOVING);
        (void) mock_op_delay(op, mock_device_latency(d, timing));
}

static void start_locking(struct mock_device *d, struct mock_op *op) {
        if (d->door.lock == EG_DOOR_LOCK_LOCKED) {
                op->stage = STAGE_DONE;
                (void) mock_op_delay(op, 0);
                return;
        }
        op->stage = STAGE_LOCKING;
        (void) mock_op_delay(op, mock_device_latency(d, EG_OP_DOOR_LOCK));
}

static bool wants_open(const struct mock_device *d, const struct mock_op *op) {
        return op->kind == EG_OP_DOOR_OPEN ||
               (op->kind == EG_OP_DOOR_SAFE_STATE && d->fail_mode == EG_DOOR_FAIL_SAFE);
}

static void door_begin(struct mock_device *d, struct mock_op *op) {
        switch (op->kind) {
        case EG_OP_DOOR_OPEN:
        case EG_OP_DOOR_CLOSE:
        case EG_OP_DOOR_SAFE_STATE: {
                bool open = wants_open(d, op);
                enum eg_door_position target =
                        open ? EG_DOOR_POSITION_OPEN : EG_DOOR_POSITION_CLOSED;

                if (open) /* releasing the lock is instant */
                        set_lock(d, EG_DOOR_LOCK_UNLOCKED);
                if (d->door.position != target || d->door.motion) {
                        start_motion(d, op, op->kind);
                        return;
                }
                if (op->kind == EG_OP_DOOR_SAFE_STATE && !open) {
                        start_locking(d, op);
                        return;
                }
                op->stage = STAGE_DONE;
                (void) mock_op_delay(op, 0);
                return;
        }

        case EG_OP_DOOR_LOCK:
                if (d->door.motion) {
                        mock_op_end(op, -EIO, "door is moving");
                        return;
                }
                if (d->door.position != EG_DOOR_POSITION_CLOSED) {
                        mock_op_end(op, -EIO, "door is not closed");
                        return;
                }
                start_locking(d, op);
                return;

        default:
                mock_op_end(op, -EOPNOTSUPP, NULL);
                return;
        }
}

static void door_finish(struct mock_device *d, struct mock_op *op) {
        switch (op->stage) {
        case STAGE_MOVING: {
                bool open = wants_open(d, op);

                d->door.motion = NULL;
                set_position(d, open ? EG_DOOR_POSITION_OPEN : EG_DOOR_POSITION_CLOSED);
                if (op->kind == EG_OP_DOOR_SAFE_STATE && !open) {
                        start_locking(d, op);
                        tell_world(d);
                        return;
                }
                mock_op_end(op, 0, NULL);
                tell_world(d);
                return;
        }
        case STAGE_LOCKING:
                set_lock(d, EG_DOOR_LOCK_LOCKED);
                mock_op_end(op, 0, NULL);
                return;
        default: {
                /* Told to open a door that stands open already (released on its fault, say):
                 * whoever waits for it goes all the same. */
                bool moves = op->kind != EG_OP_DOOR_LOCK;

                mock_op_end(op, 0, NULL);
                if (moves)
                        tell_world(d);
                return;
        }
        }
}

static void door_release(struct mock_device *d, struct mock_op *op) {
        /* A cancelled movement stops where it is: the door stays "moving"
         * (neither open nor closed) until the next command. */
        if (d->door.motion == op)
                d->door.motion = NULL;
}

void mock_door_set_position(struct mock_device *d, enum eg_door_position position, bool forced) {
        stop_motion(d, -EIO, forced ? "door forced" : "door moved by hand");
        if (forced) {
                mock_device_emit(d, EG_EVENT_DOOR_FORCED, EG_DOOR_POSITION_OPEN, NULL, NULL);
                position = EG_DOOR_POSITION_OPEN;
        } else if (position == EG_DOOR_POSITION_OPEN)
                set_lock(d, EG_DOOR_LOCK_UNLOCKED); /* opened with the key */
        set_position(d, position);
        tell_world(d);
}

void mock_door_emergency(struct mock_device *d, bool active) {
        mock_device_emit(d, EG_EVENT_EMERGENCY, active, NULL, NULL);
}

static void door_attached(struct mock_device *d) {
        /* Tell the daemon where it stands; the state survives an unplug. */
        mock_device_emit(d, EG_EVENT_DOOR_POSITION, d->door.position, NULL, NULL);
        mock_device_emit(d, EG_EVENT_DOOR_LOCK, d->door.lock, NULL, NULL);
}

const struct mock_class mock_door_class = {
        .begin = door_begin,
        .finish = door_finish,
        .release = door_release,
        .attached = door_attached,
};
