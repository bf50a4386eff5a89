/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A door on GPIO lines: a lock output, optionally an open (motor) output, a
 * "closed" position sensor and a lock sensor.
 *
 * The lock line energises the lock.  What energising does follows from the
 * lock's fail mode, which is what "fail-secure" and "fail-safe" mean for lock
 * hardware: a fail-secure lock (electric strike, motor bolt) is locked while
 * de-energised, a fail-safe lock (magnetic lock) is released while
 * de-energised.  So the safe state is always "de-energised", and it is also
 * what a crashed daemon or a power cut leaves behind if the output stage
 * falls back to de-energised on its own (README.md, "Electrical assumptions").
 *
 * Operations complete when a sensor confirms the state; a door without that
 * sensor completes as soon as the outputs are driven.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gpio-plugin.h"

#define DEFAULT_HELD_OPEN_MS 30000u
#define MAX_HELD_OPEN_MS (3600u * 1000u)

struct gpio_door {
        struct gpio_device dev;
        enum eg_door_fail_mode fail_mode;
        unsigned held_open_ms; /* 0: never report */

        struct gpio_output lock; /* active: lock energised */
        struct gpio_output open; /* active: drive the leaf open (optional) */
        struct gpio_input position; /* active: door closed (optional) */
        struct gpio_input lock_sensor; /* active: bolt engaged (optional) */
        bool has_open, has_position, has_lock_sensor;

        bool unlocked; /* released by a command: an opening now is not forced */
        eg_source_id held_timer;

        /* One operation at a time: a door cannot open and lock at once. */
        eg_op_id op;
        enum eg_op_kind op_kind;
        bool op_locking; /* CLOSE: the leaf is closed, now waiting for the lock */
};

static bool energised_for(const struct gpio_door *door, bool locked) {
        return door->fail_mode == EG_DOOR_FAIL_SAFE ? locked : !locked;
}

static bool door_closed(const struct gpio_door *door) {
        return door->position.value;
}

static void emit(struct gpio_door *door, enum eg_event_type type, int64_t value) {
        gpio_device_emit(&door->dev, type, value, NULL);
}

static void finish(struct gpio_door *door, int status, const char *message) {
        eg_op_id op = door->op;

        door->op = 0;
        door->op_kind = EG_OP_INVALID;
        door->op_locking = false;
        gpio_device_complete(&door->dev, op, status, message, 0);
}

/* An output could not be driven: a door we cannot control is a fault. */
static int output_failed(struct gpio_door *door, int r, const char *what) {
        eg_host_log(door->dev.host, EG_LOG_ERROR, "door %s: cannot drive the %s: %s",
                    door->dev.name, what, strerror(-r));
        gpio_device_gone(&door->dev, r, what);
        return r;
}

static int set_locked(struct gpio_door *door, bool locked) {
        int r = gpio_output_set(&door->lock, energised_for(door, locked));

        if (r < 0)
                return output_failed(door, r, "lock line");
        door->unlocked = !locked;
        if (!door->has_lock_sensor)
                emit(door, EG_EVENT_DOOR_LOCK,
                     locked ? EG_DOOR_LOCK_LOCKED : EG_DOOR_LOCK_UNLOCKED);
        return 0;
}

static int set_opening(struct gpio_door *door, bool opening) {
        int r;

        if (!door->has_open)
                return 0;
        r = gpio_output_set(&door->open, opening);
        return r < 0 ? output_failed(door, r, "open line") : 0;
}

/*
 * The declared safe state's outputs: the lock de-energised (locked for fail-secure, released
 * for fail-safe) and a fail-safe door's motor driving the leaf open.  The lock goes first and
 * is driven whatever the motor line does: it is what holds the door or lets people out.
 */
static int drive_safe_state(struct gpio_door *door) {
        int r = set_locked(door, door->fail_mode == EG_DOOR_FAIL_SECURE);
        int k = set_opening(door, door->fail_mode == EG_DOOR_FAIL_SAFE);

        return r < 0 ? r : k;
}

/* Whether the sensors confirm what the pending operation asked for. */
static void check_pending(struct gpio_door *door) {
        bool done;

        switch (door->op_kind) {
        case EG_OP_DOOR_OPEN:
                done = door->has_position ? !door_closed(door)
                                          : !door->has_lock_sensor || !door->lock_sensor.value;
                break;
        case EG_OP_DOOR_CLOSE:
                if (!door->op_locking) {
                        if (door->has_position && !door_closed(door))
                                return;
                        door->op_locking = true;
                        if (set_locked(door, true) < 0) {
                                finish(door, -EIO, "cannot engage the lock");
                                return;
                        }
                }
                done = !door->has_lock_sensor || door->lock_sensor.value;
                break;
        case EG_OP_DOOR_LOCK:
                done = !door->has_lock_sensor || door->lock_sensor.value;
                break;
        case EG_OP_DOOR_SAFE_STATE:
                if (door->fail_mode == EG_DOOR_FAIL_SECURE)
                        done = (!door->has_position || door_closed(door)) &&
                               (!door->has_lock_sensor || door->lock_sensor.value);
                else
                        done = (!door->has_lock_sensor || !door->lock_sensor.value) &&
                               (!door->has_open || !door->has_position || !door_closed(door));
                break;
        default:
                return;
        }
        if (done)
                finish(door, 0, NULL);
}

static void on_held_open(void *userdata) {
        struct gpio_door *door = userdata;

        door->held_timer = 0;
        eg_host_log(door->dev.host, EG_LOG_WARNING, "door %s: held open for more than %u ms",
                    door->dev.name, door->held_open_ms);
        emit(door, EG_EVENT_DOOR_HELD_OPEN, 1);
}

static void held_timer_stop(struct gpio_door *door) {
        if (door->held_timer)
                eg_host_source_remove(door->dev.host, door->held_timer);
        door->held_timer = 0;
}

/* Counted from the kernel's timestamp of the opening edge, not from when we saw it. */
static void held_timer_start(struct gpio_door *door, uint64_t opened_usec) {
        uint64_t deadline = opened_usec + (uint64_t) door->held_open_ms * 1000u;
        uint64_t now = gpio_now_usec();

        held_timer_stop(door);
        if (door->held_open_ms == 0)
                return;
        if (eg_host_timer_add(door->dev.host, deadline > now ? deadline - now : 0, on_held_open,
                              door, &door->held_timer) < 0)
                eg_host_log(door->dev.host, EG_LOG_ERROR, "door %s: cannot arm the held-open timer",
                            door->dev.name);
}

static void on_position(struct gpio_input *in, void *userdata) {
        struct gpio_door *door = userdata;
        bool closed = in->value;

        emit(door, EG_EVENT_DOOR_POSITION,
             closed ? EG_DOOR_POSITION_CLOSED : EG_DOOR_POSITION_OPEN);
        if (closed)
                held_timer_stop(door);
        else {
                if (!door->unlocked) {
                        eg_host_log(door->dev.host, EG_LOG_WARNING,
                                    "door %s: opened while locked (forced)", door->dev.name);
                        emit(door, EG_EVENT_DOOR_FORCED, 1);
                }
                held_timer_start(door, in->changed_usec);
        }
        check_pending(door);
}

static void on_lock_sensor(struct gpio_input *in, void *userdata) {
        struct gpio_door *door = userdata;

        emit(door, EG_EVENT_DOOR_LOCK, in->value ? EG_DOOR_LOCK_LOCKED : EG_DOOR_LOCK_UNLOCKED);
        check_pending(door);
}

static void on_input_failed(struct gpio_input *in, int error, void *userdata) {
        struct gpio_door *door = userdata;

        gpio_device_gone(&door->dev, error,
                         in == &door->position ? "position sensor" : "lock sensor");
}

static int door_start(void *data, eg_op_id op, const struct eg_op_args *args) {
        struct gpio_door *door = data;
        int r = 0;

        if (door->op != 0) {
                if (args->kind != EG_OP_DOOR_SAFE_STATE)
                        return -EBUSY;
                /* Nothing may delay the safe state. */
                finish(door, -ECANCELED, "superseded by the safe state");
        }
        switch (args->kind) {
        case EG_OP_DOOR_OPEN:
                r = set_locked(door, false);
                if (r >= 0)
                        r = set_opening(door, true);
                break;
        case EG_OP_DOOR_CLOSE:
                r = set_opening(door, false);
                break;
        case EG_OP_DOOR_LOCK:
                r = set_locked(door, true);
                break;
        case EG_OP_DOOR_SAFE_STATE:
                r = drive_safe_state(door);
                break;
        default:
                return -EOPNOTSUPP;
        }
        door->op = op;
        door->op_kind = args->kind;
        if (r < 0) {
                finish(door, r == -ENODEV ? -ENODEV : -EIO, "cannot drive the door's outputs");
                return 0;
        }
        check_pending(door);
        return 0;
}

static void door_cancel(void *data, eg_op_id op) {
        struct gpio_door *door = data;

        /* The outputs stay as the command drove them: egated decides what comes next.  A
         * door whose deadline passed is faulted, and egated sends it DOOR_SAFE_STATE (unless
         * its lane is in an emergency: an unpushed door released by the emergency's opening
         * must not lock itself again when that opening times out); a newer command, the
         * emergency's opening or the shutdown's safe state follow a cancel at once. */
        if (door->op != op)
                return;
        door->op = 0;
        door->op_kind = EG_OP_INVALID;
        door->op_locking = false;
}

static void door_free(struct gpio_door *door) {
        held_timer_stop(door);
        gpio_input_close(&door->position);
        gpio_input_close(&door->lock_sensor);
        gpio_output_close(&door->open);
        gpio_output_close(&door->lock);
        gpio_device_done(&door->dev);
        free(door);
}

/* Removal and daemon shutdown: leave the lock de-energised before letting go of the line. */
static void door_close(void *data) {
        struct gpio_door *door = data;
        int r = 0;

        if (door->open.line)
                r = gpio_adapter_line_set(door->open.line, false);
        if (door->lock.line && r >= 0)
                r = gpio_adapter_line_set(door->lock.line, false);
        if (r < 0)
                eg_host_log(door->dev.host, EG_LOG_ERROR,
                            "door %s: cannot de-energise its outputs on release: %s",
                            door->dev.name, strerror(-r));
        else
                eg_host_log(door->dev.host, EG_LOG_INFO,
                            "door %s: lock de-energised (%s) and lines released", door->dev.name,
                            door->fail_mode == EG_DOOR_FAIL_SECURE ? "fail-secure: locked"
                                                                   : "fail-safe: released");
        door_free(door);
}

static const struct eg_device_ops door_ops = {
        .size = sizeof(struct eg_device_ops),
        .start = door_start,
        .cancel = door_cancel,
        .close = door_close,
};

static int parse(struct gpio_door *door, struct gpio_props *props, struct gpio_line_spec *specs,
                 size_t *n_specs) {
        static const struct {
                const char *prefix;
                bool required;
        } lines[] = {
                { "lock-", true },
                { "position-", false },
                { "open-", false },
                { "lock-sensor-", false },
        };
        const char *mode = gpio_props_get(props, "fail-mode");
        bool present[4] = {};
        int r;

        door->fail_mode = EG_DOOR_FAIL_SECURE;
        if (mode && strcmp(mode, "safe") == 0)
                door->fail_mode = EG_DOOR_FAIL_SAFE;
        else if (mode && strcmp(mode, "secure") != 0)
                return gpio_props_error(props,
                                        "invalid value '%s' for fail-mode: expected "
                                        "secure or safe",
                                        mode);
        door->held_open_ms = DEFAULT_HELD_OPEN_MS;
        r = gpio_props_uint(props, "held-open-ms", 0, MAX_HELD_OPEN_MS, &door->held_open_ms);
        if (r < 0)
                return r;

        *n_specs = 0;
        for (size_t i = 0; i < 4; i++) {
                struct gpio_line_spec *s = &specs[*n_specs];

                r = gpio_device_line_spec(props, lines[i].prefix, lines[i].required, s,
                                          &present[i]);
                if (r < 0)
                        return r;
                if (!present[i])
                        continue;
                s->key = i == 0   ? "lock-line"
                         : i == 1 ? "position-line"
                         : i == 2 ? "open-line"
                                  : "lock-sensor-line";
                (*n_specs)++;
        }
        door->has_position = present[1];
        door->has_open = present[2];
        door->has_lock_sensor = present[3];
        return gpio_props_check_all_used(props);
}

static const struct gpio_line_spec *find_spec(const struct gpio_line_spec *specs, size_t n,
                                              const char *key) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(specs[i].key, key) == 0)
                        return &specs[i];
        return NULL;
}

static int request_lines(struct gpio_door *door, const struct gpio_line_spec *specs, size_t n) {
        struct gpio_device *d = &door->dev;
        const struct gpio_line_spec *s;
        int r;

        r = gpio_lines_check_distinct(d->host, d->chip, d->name, specs, n);
        if (r < 0)
                return r;
        /* Locked from the start: the normal state of a gate's door. */
        r = gpio_output_open(&door->lock, d->host, d->chip, d->name,
                             find_spec(specs, n, "lock-line"), energised_for(door, true));
        if (r < 0)
                return r;
        if ((s = find_spec(specs, n, "open-line"))) {
                r = gpio_output_open(&door->open, d->host, d->chip, d->name, s, false);
                if (r < 0)
                        return r;
        }
        if ((s = find_spec(specs, n, "position-line"))) {
                r = gpio_input_open(&door->position, d->host, d->chip, d->name, s, d->debounce_ms,
                                    on_position, on_input_failed, door);
                if (r < 0)
                        return r;
        }
        if ((s = find_spec(specs, n, "lock-sensor-line"))) {
                r = gpio_input_open(&door->lock_sensor, d->host, d->chip, d->name, s,
                                    d->debounce_ms, on_lock_sensor, on_input_failed, door);
                if (r < 0)
                        return r;
        }
        return 0;
}

int gpio_door_declare(struct gpio_plugin *plugin, const struct eg_device_config *config) {
        struct gpio_line_spec specs[4] = {};
        struct gpio_props props;
        struct gpio_door *door;
        struct eg_device_desc desc;
        size_t n_specs = 0;
        int r;

        r = gpio_props_init(&props, plugin->host, config, "door");
        if (r < 0)
                return r;
        door = calloc(1, sizeof(*door));
        r = door ? gpio_device_init(&door->dev, plugin->host, &props) : -ENOMEM;
        if (r >= 0)
                r = parse(door, &props, specs, &n_specs);
        if (r >= 0)
                r = request_lines(door, specs, n_specs);
        gpio_props_done(&props);
        if (r < 0)
                goto fail;

        desc = (struct eg_device_desc){
                .size = sizeof(desc),
                .device_class = EG_CLASS_DOOR,
                .key = config->name,
                .vendor = "GPIO",
                .model = door->has_open ? "Motorised door" : "Door",
                .supported_ops = EG_OP_BIT(EG_OP_DOOR_OPEN) | EG_OP_BIT(EG_OP_DOOR_CLOSE) |
                                 EG_OP_BIT(EG_OP_DOOR_LOCK) | EG_OP_BIT(EG_OP_DOOR_SAFE_STATE),
                .fail_mode = door->fail_mode,
                .ops = &door_ops,
                .device_data = door,
        };
        r = gpio_device_add(&door->dev, &desc);
        if (r < 0)
                goto fail;

        /* Tell egated what the sensors say now; an open door starts its held-open clock. */
        if (door->has_position) {
                emit(door, EG_EVENT_DOOR_POSITION,
                     door_closed(door) ? EG_DOOR_POSITION_CLOSED : EG_DOOR_POSITION_OPEN);
                if (!door_closed(door))
                        held_timer_start(door, gpio_now_usec());
        }
        emit(door, EG_EVENT_DOOR_LOCK,
             !door->has_lock_sensor || door->lock_sensor.value ? EG_DOOR_LOCK_LOCKED
                                                               : EG_DOOR_LOCK_UNLOCKED);
        return 0;
fail:
        /* The lock line may already be taken, energised for a fail-safe door (a magnetic lock
         * held): de-energised, the door's declared safe state, before letting go, as some
         * hardware keeps a released pin's level.  Nothing else was ever driven. */
        if (door) {
                if (door->lock.line)
                        (void) gpio_adapter_line_set(door->lock.line, false);
                door_free(door);
        }
        return r;
}
