/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The commands of the control socket (README.md "Control interface"). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "mock.h"

#define MAX_ARGS 8

struct reply {
        char *buf;
        size_t size;
        size_t len;
};

_printf_(2, 3) static void put(struct reply *r, const char *fmt, ...) {
        va_list ap;
        int n;

        if (r->len + 1 >= r->size)
                return;
        va_start(ap, fmt);
        n = vsnprintf(r->buf + r->len, r->size - r->len, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        r->len += (size_t) n;
        if (r->len >= r->size) {
                /* Cut, and say so where there is room. */
                r->len = r->size - 1;
                if (r->size > 8)
                        memcpy(r->buf + r->size - 4, "...", 4);
        }
}

#define ok(r, ...) (put((r), "OK" __VA_ARGS__), 0)
#define fail(r, ...) (put((r), "ERR " __VA_ARGS__), -EINVAL)

static int parse_count(const char *s, unsigned max, unsigned *ret) {
        char *end;
        unsigned long v;

        if (!s || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || *end || v > max)
                return -ERANGE;
        *ret = (unsigned) v;
        return 0;
}

static struct mock_lane *lane_arg(struct mock_plugin *p, struct reply *r, const char *name) {
        struct mock_lane *l = mock_plugin_find_lane(p, name);

        if (!l)
                (void) fail(r, "unknown lane '%s'", name);
        return l;
}

static const struct mock_traveller *traveller_arg(struct mock_plugin *p, struct reply *r,
                                                  const char *id) {
        const struct mock_traveller *t = mock_scenario_find_traveller(p->scenario, id);

        if (!t)
                (void) fail(r, "unknown traveller '%s' (see list-travellers)", id);
        return t;
}

static struct mock_device *device_arg(struct mock_plugin *p, struct reply *r, const char *key) {
        struct mock_device *d = mock_plugin_find_device(p, key);

        if (!d)
                (void) fail(r, "unknown device '%s'", key);
        return d;
}

static const char *position_name(enum eg_door_position pos) {
        switch (pos) {
        case EG_DOOR_POSITION_CLOSED:
                return "closed";
        case EG_DOOR_POSITION_OPEN:
                return "open";
        case EG_DOOR_POSITION_MOVING:
                return "moving";
        default:
                return "unknown";
        }
}

static const char *lock_name(enum eg_door_lock lock) {
        switch (lock) {
        case EG_DOOR_LOCK_LOCKED:
                return "locked";
        case EG_DOOR_LOCK_UNLOCKED:
                return "unlocked";
        default:
                return "unknown";
        }
}

static const char *colour_name(enum eg_indicator_colour c) {
        static const char *const names[] = { "off", "green", "red", "yellow", "white" };

        return (unsigned) c < ELEMENTSOF(names) ? names[c] : "unknown";
}

static const char *pattern_name(enum eg_indicator_pattern p) {
        static const char *const names[] = { "steady", "slow-flash", "fast-flash" };

        return (unsigned) p < ELEMENTSOF(names) ? names[p] : "unknown";
}

static void put_device_state(struct reply *r, const struct mock_device *d) {
        size_t n_ops = 0, faults = mock_faults_armed(&d->faults);

        for (const struct mock_op *op = d->ops; op; op = op->next)
                n_ops++;

        put(r, " %s=", d->key);
        if (!d->attached)
                put(r, "unplugged");
        else if (d->crashed)
                put(r, "crashed");
        else
                switch (d->device_class) {
                case EG_CLASS_DOOR:
                        put(r, "%s/%s", position_name(d->door.position), lock_name(d->door.lock));
                        break;
                case EG_CLASS_INDICATOR:
                        if (!d->indicator.set)
                                put(r, "unset");
                        else
                                put(r, "%s/%s%s/message=%" PRIu32 "%s%s",
                                    colour_name(d->indicator.colour),
                                    pattern_name(d->indicator.pattern),
                                    d->indicator.buzzer ? "/buzzer" : "", d->indicator.message_id,
                                    d->indicator.language[0] ? "/" : "", d->indicator.language);
                        break;
                case EG_CLASS_CHIP_READER:
                        put(r, "%s", d->chip.connected ? "connected" : "ready");
                        break;
                default:
                        put(r, "ready");
                        break;
                }
        if (n_ops > 0)
                put(r, ",ops=%zu", n_ops);
        if (faults > 0)
                put(r, ",faults=%zu", faults);
}

static void put_lane_status(struct reply *r, struct mock_lane *l) {
        struct mock_world *w = l->world;
        const struct mock_traveller *t = mock_world_traveller(w), *doc = mock_world_document(w),
                                    *finger = mock_world_finger(w);

        put(r, " lane=%s phase=%s traveller=%s document=%s chip=%s finger=%s zones=", l->name,
            mock_world_phase_to_string(mock_world_phase(w)), t ? t->id : "-", doc ? doc->id : "-",
            mock_world_chip_present(w) ? "present" : "-", finger ? finger->id : "-");
        for (size_t i = 0; i < mock_world_n_zones(w); i++) {
                const char *z = mock_world_zone_name(w, i);
                put(r, "%s%s:%d", i > 0 ? "," : "", z, mock_world_zone_count(w, z));
        }
        put(r, " queue-left=%zu emergency=%s devices:", mock_world_queue_left(w),
            l->emergency ? "on" : "off");
        for (size_t i = 0; i < l->plugin->n_devices; i++)
                if (l->plugin->devices[i]->lane == l)
                        put_device_state(r, l->plugin->devices[i]);
}

static int cmd_help(struct mock_plugin *p, struct reply *r, char **argv, size_t argc) {
        return ok(r,
                  " commands: help | status [lane] | list-travellers | arrive <lane> "
                  "<traveller> | present-document <lane> <traveller> | remove-document <lane> | "
                  "place-finger <lane> <traveller> | lift-finger <lane> | enter <lane> <zone> "
                  "[n] | leave <lane> <zone> [n] | door <device> forced|closed|open | emergency "
                  "<lane> on|off | fault <device> <op|*> error|hang|crash|unplug|delay <ms> "
                  "[count [after]] | clear-faults <device> | unplug <device> | replug <device> | "
                  "ops <device> | stats");
}

static int cmd_status(struct mock_plugin *p, struct reply *r, char **argv, size_t argc) {
        size_t attached = 0;

        if (argc == 2) {
                struct mock_lane *l = lane_arg(p, r, argv[1]);

                if (!l)
                        return -EINVAL;
                (void) ok(r);
                put_lane_status(r, l);
                return 0;
        }

        for (size_t i = 0; i < p->n_devices; i++)
                attached += p->devices[i]->attached;
        (void) ok(r, " scenario=\"%s\" latency=%s devices=%zu attached=%zu clients=%u lanes=%zu",
                  p->scenario->name, mock_latency_profile_to_string(p->latency.profile),
                  p->n_devices, attached, mock_control_n_clients(p->control), p->n_lanes);
        for (size_t i = 0; i < p->n_lanes; i++) {
                struct mock_world *w = p->lanes[i]->world;
                const struct mock_traveller *t = mock_world_traveller(w);

                put(r, " | %s phase=%s traveller=%s queue-left=%zu", p->lanes[i]->name,
                    mock_world_phase_to_string(mock_world_phase(w)), t ? t->id : "-",
                    mock_world_queue_left(w));
        }
        return 0;
}

static int cmd_list_travellers(struct mock_plugin *p, struct reply *r, char **argv, size_t argc) {
        const struct mock_scenario *s = p->scenario;

        (void) ok(r, " %zu traveller(s)%s", s->n_travellers, s->n_travellers > 0 ? ":" : "");
        for (size_t i = 0; i < s->n_travellers; i++)
                put(r, "%s %s (%s)", i > 0 ? "," : "", s->travellers[i].id, s->travellers[i].label);
        return 0;
}

static int cmd_arrive(struct mock_plugin *p, struct reply *r, char **argv, size_t argc) {
        struct mock_lane *l = lane_arg(p, r, argv[1]);
        const struct mock_traveller *t = l ? traveller_arg(p, r, argv[2]) : NULL;

        if (!t)
                return -EINVAL;
        if (mock_world_arrive(l->world, t) < 0) {
                const struct mock_traveller *busy = mock_world_traveller(l->world);
                return fail(r, "lane %s is busy with %s", l->name, busy ? busy->id : "someone");
        }
        return ok(r, " %s arrives at %s", t->id, l->name);
}

static int cmd_present_document(struct mock_plugin *p, struct reply *r, char **argv, size_t argc) {
        struct mock_lane *l = lane_arg(p, r, argv[1]);
        const struct mock_traveller *t = l ? traveller_arg(p, r, argv[2]) : NULL;

        if (!t)
                return -EINVAL;
        if (mock_world_present_document(l->world, t) < 0)
                return fail(r, "a document is already on the reader of %s; remove-document first",
                            l->name);
        return ok(r, " document of %s on the reader of %s", t->id, l->name);
}

static int cmd_remove_document(struct mock_plugin *p, struct reply *r, char **argv, size_t argc) {
        struct mock_lane *l = lane_arg(p, r, argv[1]);

        if (!l)
                return -EINVAL;
        if (mock_world_remove_document(l->world) < 0)
                return fail(r, "no document on the reader of %s", l->name);
        return ok(r, " document removed");
}

static int cmd_place_finger(struct mock_plugin *p, struct reply *r, char **argv, size_t argc) {
        struct mock_lane *l = lane_arg(p, r, argv[1]);
        const struct mock_traveller *t = l ? traveller_arg(p, r, argv[2]) : NULL;

        if (!t)
                return -EINVAL;
        if (mock_world_place_finger(l->world, t) < 0)
                return fail(r, "a finger is already on the scanner of %s; lift-finger first",
                            l->name);
        return ok(r, " finger of %s on the scanner of %s", t->id, l->name);
}

static int cmd_lift_finger(struct mock_plugin *p, struct reply *r, char **argv, size_t argc) {
        struct mock_lane *l = lane_arg(p, r, argv[1]);

        if (!l)
                return -EINVAL;
        if (mock_world_lift_finger(l->world) < 0)
                return fail(r, "no finger on the scanner of %s", l->name);
        return ok(r, " finger lifted");
}

static int cmd_enter_leave(struct mock_plugin *p, struct reply *r, char **argv, size_t argc) {
        bool enter = streq(argv[0], "enter");
        struct mock_lane *l = lane_arg(p, r, argv[1]);
        unsigned n = 1;
        int k;

        if (!l)
                return -EINVAL;
        if (argc == 4 && (parse_count(argv[3], 99, &n) < 0 || n == 0))
                return fail(r, "count must be 1-99, not '%s'", argv[3]);

        k = enter ? mock_world_enter(l->world, argv[2], n) : mock_world_leave(l->world, argv[2], n);
        if (k == -ENOENT) {
                (void) fail(r, "lane %s has no zone '%s' (zones:", l->name, argv[2]);
                for (size_t i = 0; i < mock_world_n_zones(l->world); i++)
                        put(r, " %s", mock_world_zone_name(l->world, i));
                put(r, ")");
                return -EINVAL;
        }
        if (k < 0)
                return enter ? fail(r, "a zone holds at most 99 people")
                             : fail(r, "only %d in %s", mock_world_zone_count(l->world, argv[2]),
                                    argv[2]);
        return ok(r, " %s=%d", argv[2], mock_world_zone_count(l->world, argv[2]));
}

static int cmd_door(struct mock_plugin *p, struct reply *r, char **argv, size_t argc) {
        struct mock_device *d = device_arg(p, r, argv[1]);

        if (!d)
                return -EINVAL;
        if (d->device_class != EG_CLASS_DOOR)
                return fail(r, "%s is not a door", d->key);
        if (!d->attached || d->crashed)
                return fail(r, "%s is %s", d->key, d->attached ? "crashed" : "unplugged");

        if (streq(argv[2], "forced"))
                mock_door_set_position(d, EG_DOOR_POSITION_OPEN, true);
        else if (streq(argv[2], "open"))
                mock_door_set_position(d, EG_DOOR_POSITION_OPEN, false);
        else if (streq(argv[2], "closed"))
                mock_door_set_position(d, EG_DOOR_POSITION_CLOSED, false);
        else
                return fail(r, "door state must be forced, closed or open");
        return ok(r, " %s %s/%s", d->key, position_name(d->door.position), lock_name(d->door.lock));
}

static int cmd_emergency(struct mock_plugin *p, struct reply *r, char **argv, size_t argc) {
        struct mock_lane *l = lane_arg(p, r, argv[1]);
        unsigned doors = 0;
        bool on;

        if (!l)
                return -EINVAL;
        if (streq(argv[2], "on"))
                on = true;
        else if (streq(argv[2], "off"))
                on = false;
        else
                return fail(r, "emergency must be on or off");

        /* Reported by the lane's doors, where the emergency buttons are wired. */
        for (size_t i = 0; i < p->n_devices; i++) {
                struct mock_device *d = p->devices[i];

                if (d->lane != l || d->device_class != EG_CLASS_DOOR)
                        continue;
                mock_door_emergency(d, on);
                doors++;
        }
        if (doors == 0)
                return fail(r, "lane %s has no door to report it", l->name);
        l->emergency = on;
        return ok(r, " emergency %s on %s", on ? "on" : "off", l->name);
}

static int cmd_fault(struct mock_plugin *p, struct reply *r, char **argv, size_t argc) {
        struct mock_device *d = device_arg(p, r, argv[1]);
        struct mock_fault_rule rule = { .count = 1 };
        size_t next = 4;
        unsigned v;
        int kind;

        if (!d)
                return -EINVAL;
        if (!streq(argv[2], "*")) {
                rule.op = mock_op_from_string(argv[2]);
                if (rule.op == EG_OP_INVALID || mock_op_class(rule.op) != d->device_class) {
                        (void) fail(r, "unknown operation '%s' for a %s; expected *", argv[2],
                                    mock_class_to_string(d->device_class));
                        for (unsigned k = EG_OP_INVALID + 1; k < EG_OP_MAX_; k++)
                                if (mock_op_class((enum eg_op_kind) k) == d->device_class)
                                        put(r, ", %s", mock_op_to_string((enum eg_op_kind) k));
                        return -EINVAL;
                }
                /* A rule for an op the daemon never starts here could never fire. */
                if (!(d->supported_ops & EG_OP_BIT(rule.op)))
                        return fail(r,
                                    "%s does not support %s: its lane has document_inspection "
                                    "false",
                                    d->key, argv[2]);
        }

        kind = mock_fault_kind_from_string(argv[3]);
        if (kind < 0)
                return fail(r, "unknown fault '%s'; expected error, hang, crash, unplug or delay",
                            argv[3]);
        rule.fault = (enum mock_fault_kind) kind;
        if (rule.fault == MOCK_FAULT_DELAY) {
                if (argc < 5 || parse_count(argv[4], MOCK_MAX_MS, &v) < 0)
                        return fail(r, "delay needs milliseconds, 0-%" PRIu32, MOCK_MAX_MS);
                rule.delay_ms = v;
                next = 5;
        }
        if (argc > next + 2)
                return fail(r, "too many arguments");
        if (argc > next) {
                if (parse_count(argv[next], 1000000, &v) < 0)
                        return fail(r, "count must be 0 (always) to 1000000, not '%s'", argv[next]);
                rule.count = v;
        }
        /* As a scenario's rule: a fault at the n-th operation of a pass, not only the first. */
        if (argc > next + 1) {
                if (parse_count(argv[next + 1], 1000000, &v) < 0)
                        return fail(r, "after must be 0 to 1000000, not '%s'", argv[next + 1]);
                rule.after = v;
        }

        if (mock_faults_add(&d->faults, &rule) < 0)
                return fail(r, "%s already has %d faults; clear-faults first", d->key,
                            MOCK_FAULTS_PER_DEVICE);
        (void) ok(r, " %s: %s on %s, %s", d->key, argv[3], argv[2],
                  rule.count == 0   ? "every time"
                  : rule.count == 1 ? "once"
                                    : "several times");
        if (rule.after > 0)
                put(r, ", after %" PRIu32, rule.after);
        return 0;
}

static int cmd_clear_faults(struct mock_plugin *p, struct reply *r, char **argv, size_t argc) {
        struct mock_device *d = device_arg(p, r, argv[1]);
        size_t n;

        if (!d)
                return -EINVAL;
        n = d->faults.n;
        mock_faults_clear(&d->faults);
        return ok(r, " %zu fault(s) cleared on %s", n, d->key);
}

static int cmd_unplug(struct mock_plugin *p, struct reply *r, char **argv, size_t argc) {
        struct mock_device *d = device_arg(p, r, argv[1]);

        if (!d)
                return -EINVAL;
        if (!d->attached)
                return fail(r, "%s is already unplugged", d->key);
        (void) mock_device_detach(d);
        return ok(r, " %s unplugged", d->key);
}

static int cmd_replug(struct mock_plugin *p, struct reply *r, char **argv, size_t argc) {
        struct mock_device *d = device_arg(p, r, argv[1]);
        int k;

        if (!d)
                return -EINVAL;
        if (d->attached)
                return fail(r, "%s is plugged in", d->key);
        k = mock_device_attach(d);
        if (k < 0)
                return fail(r, "the daemon refused %s: %s", d->key, strerror(-k));
        return ok(r, " %s replugged", d->key);
}

/* How many operations of each kind the daemon started on a device (benchmarks count the
 * critical path's operations with it). */
static int cmd_ops(struct mock_plugin *p, struct reply *r, char **argv, size_t argc) {
        struct mock_device *d = device_arg(p, r, argv[1]);
        char list[1024] = "";
        size_t n = 0;

        if (!d)
                return -EINVAL;
        for (unsigned k = EG_OP_INVALID + 1; k < EG_OP_MAX_; k++)
                if (d->started[k] > 0 && n < sizeof(list))
                        n += (size_t) snprintf(list + n, sizeof(list) - n, " %s=%" PRIu64,
                                               mock_op_to_string(k), d->started[k]);
        return ok(r, " %s%s", d->key, list);
}

/* Plugin-wide counters.  card_cpu_ns is the thread CPU time the card emulator spent
 * answering card_apdus APDUs (dev-chip.c): work a real passport chip does, which a benchmark
 * of egated's CPU per transaction subtracts. */
static int cmd_stats(struct mock_plugin *p, struct reply *r, char **argv, size_t argc) {
        return ok(r, " card_cpu_ns=%" PRIu64 " card_apdus=%" PRIu64, p->card_cpu_ns, p->card_apdus);
}

static const struct command {
        const char *name;
        const char *usage;
        size_t min_args, max_args; /* the command itself included */
        int (*run)(struct mock_plugin *p, struct reply *r, char **argv, size_t argc);
} commands[] = {
        { "help", "help", 1, 1, cmd_help },
        { "status", "status [lane]", 1, 2, cmd_status },
        { "list-travellers", "list-travellers", 1, 1, cmd_list_travellers },
        { "arrive", "arrive <lane> <traveller>", 3, 3, cmd_arrive },
        { "present-document", "present-document <lane> <traveller>", 3, 3, cmd_present_document },
        { "remove-document", "remove-document <lane>", 2, 2, cmd_remove_document },
        { "place-finger", "place-finger <lane> <traveller>", 3, 3, cmd_place_finger },
        { "lift-finger", "lift-finger <lane>", 2, 2, cmd_lift_finger },
        { "enter", "enter <lane> <zone> [n]", 3, 4, cmd_enter_leave },
        { "leave", "leave <lane> <zone> [n]", 3, 4, cmd_enter_leave },
        { "door", "door <device> forced|closed|open", 3, 3, cmd_door },
        { "emergency", "emergency <lane> on|off", 3, 3, cmd_emergency },
        { "fault", "fault <device> <op|*> error|hang|crash|unplug|delay <ms> [count [after]]", 4, 7,
          cmd_fault },
        { "clear-faults", "clear-faults <device>", 2, 2, cmd_clear_faults },
        { "unplug", "unplug <device>", 2, 2, cmd_unplug },
        { "replug", "replug <device>", 2, 2, cmd_replug },
        { "ops", "ops <device>", 2, 2, cmd_ops },
        { "stats", "stats", 1, 1, cmd_stats },
};

void mock_control_execute(struct mock_plugin *p, const char *line, char *reply, size_t size) {
        struct reply r = { .buf = reply, .size = size };
        char copy[4096], *argv[MAX_ARGS + 1], *save = NULL, *tok;
        size_t argc = 0;

        if (size == 0)
                return;
        reply[0] = '\0';
        if (strlen(line) >= sizeof(copy)) {
                (void) fail(&r, "line too long");
                return;
        }
        memcpy(copy, line, strlen(line) + 1);

        for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
                if (argc == MAX_ARGS) {
                        (void) fail(&r, "too many arguments");
                        return;
                }
                argv[argc++] = tok;
        }
        if (argc == 0)
                return; /* blank line */
        argv[argc] = NULL;

        for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
                const struct command *c = &commands[i];

                if (!streq(c->name, argv[0]))
                        continue;
                if (argc < c->min_args || argc > c->max_args) {
                        (void) fail(&r, "usage: %s", c->usage);
                        return;
                }
                (void) c->run(p, &r, argv, argc);
                return;
        }
        (void) fail(&r, "unknown command '%.40s' (try help)", argv[0]);
}
