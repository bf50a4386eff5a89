/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The gpio plugin against gpio-sim in the guest: real line requests, real
 * edge events from the kernel, sensors simulated by pulling lines up or
 * down, outputs read back as the physical level a relay would see.
 */
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpio-sim.h"
#include "guest-harness.h"
#include "operation.h"

enum {
        D1_LOCK,
        D1_POS,
        D2_LOCK,
        D2_POS,
        D2_LSENS,
        D3_LOCK,
        D3_OPEN,
        PE1,
        PE2,
        PX,
        EM,
        GREEN,
        RED,
        YELLOW,
        BUZZER,
        SPARE1,
        SPARE2,
        N_LINES,
};

static const char *const line_names[N_LINES] = {
        [D1_LOCK] = "d1_lock",
        [D1_POS] = "d1_pos",
        [D2_LOCK] = "d2_lock",
        [D2_POS] = "d2_pos",
        [D2_LSENS] = "d2_lsens",
        [D3_LOCK] = NULL, /* by offset */
        [D3_OPEN] = "d3_open",
        [PE1] = "pe1",
        [PE2] = "pe2",
        [PX] = "px",
        [EM] = "em",
        [GREEN] = "green",
        [RED] = "red",
        [YELLOW] = "yellow",
        [BUZZER] = "buzzer",
        [SPARE1] = "spare1",
        [SPARE2] = "spare2",
};

#define LABEL "egate-sim"

/*
 * d1: fail-secure, active-high lock, closed sensor, debounce wide enough that
 *     the glitch test cannot be beaten by a slow TCG guest.
 * d2: fail-safe (magnetic lock), active-low lock and position, lock sensor.
 * d3: no sensors at all, lock by offset, motor line, chip by name.
 */
static const char devices_template[] =
        "[device.d1]\nplugin = gpio\nclass = door\nchip = " LABEL "\n"
        "lock-line = d1_lock\nposition-line = d1_pos\nfail-mode = secure\n"
        "held-open-ms = 400\ndebounce-ms = 100\n"
        "[device.d2]\nplugin = gpio\nclass = door\nchip = " LABEL "\nfail-mode = safe\n"
        "lock-line = d2_lock\nlock-active-low = true\n"
        "position-line = d2_pos\nposition-active-low = yes\n"
        "lock-sensor-line = d2_lsens\ndebounce-ms = 10\nheld-open-ms = 0\n"
        "[device.d3]\nplugin = gpio\nclass = door\nchip = %s\nlock-line = 5\n"
        "open-line = d3_open\n"
        "[device.p1]\nplugin = gpio\nclass = presence-sensor\nchip = " LABEL "\n"
        "zone-entry-line = pe1, pe2\nzone-exit-line = px\nzone-exit-kind = beam\n"
        "emergency-line = em\ndebounce-ms = 10\n"
        "[device.i1]\nplugin = gpio\nclass = indicator\nchip = " LABEL "\n"
        "green-line = green\nred-line = red\nyellow-line = yellow\nbuzzer-line = buzzer\n";

struct fixture {
        struct gpio_sim sim;
        struct guest g;
};

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        char *devices = NULL;

        assert_non_null(f);
        assert_int_equal(gpio_sim_create(&f->sim, "egate", LABEL, N_LINES, line_names), 0);
        /* The world before egated starts: doors closed, d2's magnetic lock holding. */
        assert_int_equal(gpio_sim_pull(&f->sim, D1_POS, true), 0);
        assert_int_equal(gpio_sim_pull(&f->sim, D2_POS, false), 0); /* active-low: closed */
        assert_int_equal(gpio_sim_pull(&f->sim, D2_LSENS, true), 0);
        assert_true(asprintf(&devices, devices_template, f->sim.chip_name) > 0);
        guest_start(&f->g, devices);
        free(devices);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;

        guest_stop(&f->g);
        assert_int_equal(gpio_sim_destroy(&f->sim), 0);
        free(f);
        return 0;
}

static struct eg_op_args door_op(enum eg_op_kind kind) {
        return (struct eg_op_args){ .kind = kind };
}

static void pull(struct fixture *f, unsigned line, bool up) {
        assert_int_equal(gpio_sim_pull(&f->sim, line, up), 0);
}

static int level(struct fixture *f, unsigned line) {
        int v = gpio_sim_value(&f->sim, line);

        assert_true(v >= 0);
        return v;
}

static void test_devices_start_locked(void **state) {
        struct fixture *f = *state;
        struct eg_device *d1 = eg_device_find(f->g.manager, "gpio-d1");

        assert_non_null(d1);
        assert_int_equal(d1->fail_mode, EG_DOOR_FAIL_SECURE);
        assert_int_equal(eg_device_find(f->g.manager, "gpio-d2")->fail_mode, EG_DOOR_FAIL_SAFE);
        assert_non_null(eg_device_find(f->g.manager, "gpio-d3"));
        assert_non_null(eg_device_find(f->g.manager, "gpio-p1"));
        assert_non_null(eg_device_find(f->g.manager, "gpio-i1"));
        /* Fail-secure: locked means de-energised; fail-safe: energised, and active-low. */
        assert_int_equal(level(f, D1_LOCK), 0);
        assert_int_equal(level(f, D2_LOCK), 0);
        assert_int_equal(level(f, D3_LOCK), 0);
        assert_int_equal(d1->door_position, EG_DOOR_POSITION_CLOSED);
        assert_int_equal(d1->door_lock, EG_DOOR_LOCK_LOCKED);
        assert_int_equal(eg_device_find(f->g.manager, "gpio-d2")->door_position,
                         EG_DOOR_POSITION_CLOSED);
}

static void test_door_open_completes_on_position(void **state) {
        struct fixture *f = *state;
        struct eg_op_args a = door_op(EG_OP_DOOR_OPEN);
        struct guest_op op;

        assert_int_equal(guest_op_start(&f->g, "gpio-d1", &a, &op), 0);
        guest_run(&f->g, 50);
        assert_int_equal(level(f, D1_LOCK), 1); /* strike energised: released */
        assert_int_equal(op.calls, 0); /* the door has not moved yet */
        assert_int_equal(eg_device_find(f->g.manager, "gpio-d1")->door_lock, EG_DOOR_LOCK_UNLOCKED);

        pull(f, D1_POS, false);
        assert_true(guest_run_until(&f->g, &op.calls, 2000));
        assert_int_equal(op.status, 0);
        assert_int_equal(eg_device_find(f->g.manager, "gpio-d1")->door_position,
                         EG_DOOR_POSITION_OPEN);
        assert_int_equal(guest_count_events(&f->g, "gpio-d1", EG_EVENT_DOOR_FORCED, GUEST_ANY), 0);

        pull(f, D1_POS, true);
        assert_true(guest_run_until_event(&f->g, "gpio-d1", EG_EVENT_DOOR_POSITION,
                                          EG_DOOR_POSITION_CLOSED, 2000));
}

static void test_door_forced(void **state) {
        struct fixture *f = *state;

        pull(f, D1_POS, false);
        assert_true(guest_run_until_event(&f->g, "gpio-d1", EG_EVENT_DOOR_FORCED, 1, 2000));
        assert_true(eg_device_find(f->g.manager, "gpio-d1")->door_forced);
        assert_int_equal(level(f, D1_LOCK), 0); /* nobody unlocked it */
}

static void test_door_held_open(void **state) {
        struct fixture *f = *state;
        struct eg_op_args a = door_op(EG_OP_DOOR_OPEN);
        struct guest_op op;

        /* Opened and closed again within held-open-ms: nothing to report. */
        assert_int_equal(guest_op_start(&f->g, "gpio-d1", &a, &op), 0);
        pull(f, D1_POS, false);
        assert_true(guest_run_until(&f->g, &op.calls, 2000));
        pull(f, D1_POS, true);
        assert_true(guest_run_until_event(&f->g, "gpio-d1", EG_EVENT_DOOR_POSITION,
                                          EG_DOOR_POSITION_CLOSED, 2000));
        guest_run(&f->g, 600);
        assert_int_equal(guest_count_events(&f->g, "gpio-d1", EG_EVENT_DOOR_HELD_OPEN, GUEST_ANY),
                         0);

        /* Left open: reported once, about held-open-ms after the opening edge. */
        pull(f, D1_POS, false);
        assert_true(guest_run_until_event(&f->g, "gpio-d1", EG_EVENT_DOOR_POSITION,
                                          EG_DOOR_POSITION_OPEN, 2000));
        guest_run(&f->g, 150);
        assert_int_equal(guest_count_events(&f->g, "gpio-d1", EG_EVENT_DOOR_HELD_OPEN, GUEST_ANY),
                         0);
        assert_true(guest_run_until_event(&f->g, "gpio-d1", EG_EVENT_DOOR_HELD_OPEN, 1, 2000));
        guest_run(&f->g, 600);
        assert_int_equal(guest_count_events(&f->g, "gpio-d1", EG_EVENT_DOOR_HELD_OPEN, GUEST_ANY),
                         1);
        assert_int_equal(guest_count_events(&f->g, "gpio-d1", EG_EVENT_DOOR_FORCED, GUEST_ANY), 0);
}

static void test_door_debounce(void **state) {
        struct fixture *f = *state;
        uint64_t t0 = guest_now_ms(), glitch_ms;

        /* A bounce far shorter than debounce-ms (100), with the loop running through it so
         * that the plugin does see the first edge on its own: the door never opened. */
        pull(f, D1_POS, false);
        guest_run(&f->g, 20);
        pull(f, D1_POS, true);
        glitch_ms = guest_now_ms() - t0;
        guest_run(&f->g, 400);
        if (glitch_ms < 70) {
                assert_int_equal(guest_count_events(&f->g, "gpio-d1", EG_EVENT_DOOR_POSITION,
                                                    EG_DOOR_POSITION_OPEN),
                                 0);
                assert_int_equal(
                        guest_count_events(&f->g, "gpio-d1", EG_EVENT_DOOR_FORCED, GUEST_ANY), 0);
        } else
                print_message("# glitch took %llu ms: too slow to check debouncing\n",
                              (unsigned long long) glitch_ms);

        /* A real opening, held past the debounce time, is seen. */
        pull(f, D1_POS, false);
        assert_true(guest_run_until_event(&f->g, "gpio-d1", EG_EVENT_DOOR_FORCED, 1, 2000));
        assert_int_equal(
                guest_count_events(&f->g, "gpio-d1", EG_EVENT_DOOR_POSITION, EG_DOOR_POSITION_OPEN),
                1);
}

static void test_fail_safe_door_active_low(void **state) {
        struct fixture *f = *state;
        struct eg_op_args a = door_op(EG_OP_DOOR_SAFE_STATE);
        struct guest_op op;

        assert_int_equal(level(f, D2_LOCK), 0); /* energised = low: holding */
        assert_int_equal(guest_op_start(&f->g, "gpio-d2", &a, &op), 0);
        guest_run(&f->g, 50);
        assert_int_equal(level(f, D2_LOCK), 1); /* de-energised: released */
        assert_int_equal(op.calls, 0); /* waiting for the lock sensor */

        pull(f, D2_LSENS, false);
        assert_true(guest_run_until(&f->g, &op.calls, 2000));
        assert_int_equal(op.status, 0);
        assert_int_equal(eg_device_find(f->g.manager, "gpio-d2")->door_lock, EG_DOOR_LOCK_UNLOCKED);

        /* Pushed open (active-low sensor: high = not closed); released, so not forced. */
        pull(f, D2_POS, true);
        assert_true(guest_run_until_event(&f->g, "gpio-d2", EG_EVENT_DOOR_POSITION,
                                          EG_DOOR_POSITION_OPEN, 2000));
        guest_run(&f->g, 50);
        assert_int_equal(guest_count_events(&f->g, "gpio-d2", EG_EVENT_DOOR_FORCED, GUEST_ANY), 0);

        /* Closed and locked again: the magnetic lock is energised (low). */
        pull(f, D2_POS, false);
        a = door_op(EG_OP_DOOR_LOCK);
        assert_int_equal(guest_op_start(&f->g, "gpio-d2", &a, &op), 0);
        guest_run(&f->g, 50);
        assert_int_equal(level(f, D2_LOCK), 0);
        assert_int_equal(op.calls, 0);
        pull(f, D2_LSENS, true);
        assert_true(guest_run_until(&f->g, &op.calls, 2000));
        assert_int_equal(op.status, 0);
}

static void test_fail_secure_safe_state(void **state) {
        struct fixture *f = *state;
        struct eg_op_args a = door_op(EG_OP_DOOR_OPEN);
        struct guest_op op;

        assert_int_equal(guest_op_start(&f->g, "gpio-d1", &a, &op), 0);
        pull(f, D1_POS, false);
        assert_true(guest_run_until(&f->g, &op.calls, 2000));
        assert_int_equal(op.status, 0);
        assert_int_equal(level(f, D1_LOCK), 1);

        a = door_op(EG_OP_DOOR_SAFE_STATE);
        assert_int_equal(guest_op_start(&f->g, "gpio-d1", &a, &op), 0);
        guest_run(&f->g, 50);
        assert_int_equal(level(f, D1_LOCK), 0); /* de-energised at once */
        assert_int_equal(op.calls, 0); /* secure only once it is closed */
        pull(f, D1_POS, true);
        assert_true(guest_run_until(&f->g, &op.calls, 2000));
        assert_int_equal(op.status, 0);
        /* From now on an opening is forced again. */
        pull(f, D1_POS, false);
        assert_true(guest_run_until_event(&f->g, "gpio-d1", EG_EVENT_DOOR_FORCED, 1, 2000));
}

static void test_door_without_sensors(void **state) {
        struct fixture *f = *state;
        struct eg_op_args a = door_op(EG_OP_DOOR_OPEN);
        struct guest_op op;

        guest_op_run(&f->g, "gpio-d3", &a, &op, 2000);
        assert_int_equal(op.status, 0);
        assert_int_equal(level(f, D3_LOCK), 1);
        assert_int_equal(level(f, D3_OPEN), 1);
        assert_true(guest_count_events(&f->g, "gpio-d3", EG_EVENT_DOOR_LOCK,
                                       EG_DOOR_LOCK_UNLOCKED) > 0);

        a = door_op(EG_OP_DOOR_CLOSE);
        guest_op_run(&f->g, "gpio-d3", &a, &op, 2000);
        assert_int_equal(op.status, 0);
        assert_int_equal(level(f, D3_OPEN), 0);
        assert_int_equal(level(f, D3_LOCK), 0);
        assert_int_equal(eg_device_find(f->g.manager, "gpio-d3")->door_lock, EG_DOOR_LOCK_LOCKED);

        /* One motion at a time; the safe state takes over a pending one. */
        a = door_op(EG_OP_DOOR_OPEN);
        assert_int_equal(guest_op_start(&f->g, "gpio-d1", &a, &op), 0);
        {
                struct guest_op second, safe;
                struct eg_op_args b = door_op(EG_OP_DOOR_LOCK);

                assert_int_equal(guest_op_start(&f->g, "gpio-d1", &b, &second), -EBUSY);
                b = door_op(EG_OP_DOOR_SAFE_STATE);
                assert_int_equal(guest_op_start(&f->g, "gpio-d1", &b, &safe), 0);
                assert_true(guest_run_until(&f->g, &safe.calls, 2000));
                assert_int_equal(safe.status, 0);
                assert_true(guest_run_until(&f->g, &op.calls, 2000));
                assert_int_equal(op.status, -ECANCELED);
                assert_int_equal(level(f, D1_LOCK), 0);
        }
}

static void on_short_op_done(struct eg_manager *m, const char *device_id, eg_op_id id,
                             struct eg_op_outcome *o, void *userdata) {
        struct guest_op *op = userdata;

        op->calls++;
        op->status = o->status;
}

/* A door command egated gives up on, with a deadline far shorter than the default. */
static void door_op_timing_out(struct fixture *f, const char *device, enum eg_op_kind kind,
                               struct guest_op *op) {
        struct eg_op_args a = { .size = sizeof(a), .kind = kind };

        *op = (struct guest_op){ .fd = -1 };
        assert_int_equal(
                eg_operation_start(f->g.manager, device, &a, 300, on_short_op_done, op, NULL), 0);
        assert_true(guest_run_until(&f->g, &op->calls, 3000));
        assert_int_equal(op->status, -ETIMEDOUT);
        guest_run(&f->g, 50);
}

static void test_door_timeout_leaves_safe_state(void **state) {
        struct fixture *f = *state;
        struct guest_op op;

        /* Released for a traveller who never pushes the door: when egated stops waiting, the
         * door is faulted and nobody commands it again, so it must not stay released.  A
         * fail-secure door goes back to de-energised, that is locked. */
        door_op_timing_out(f, "gpio-d1", EG_OP_DOOR_OPEN, &op);
        assert_int_equal(level(f, D1_LOCK), 0);
        /* And an opening now is forced again. */
        pull(f, D1_POS, false);
        assert_true(guest_run_until_event(&f->g, "gpio-d1", EG_EVENT_DOOR_FORCED, 1, 2000));

        /* A fail-safe door whose lock sensor never confirms the bolt: de-energised too, that
         * is released (active-low: high). */
        pull(f, D2_LSENS, false);
        assert_true(guest_run_until_event(&f->g, "gpio-d2", EG_EVENT_DOOR_LOCK,
                                          EG_DOOR_LOCK_UNLOCKED, 2000));
        door_op_timing_out(f, "gpio-d2", EG_OP_DOOR_LOCK, &op);
        assert_int_equal(level(f, D2_LOCK), 1);
}

static bool line_is_free(struct fixture *f, unsigned offset) {
        struct gpiod_chip *chip = gpiod_chip_open_by_name(f->sim.chip_name);
        struct gpiod_line *line;
        bool free_line;

        assert_non_null(chip);
        line = gpiod_chip_get_line(chip, offset);
        assert_non_null(line);
        free_line = gpiod_line_request_input(line, "egate-test") == 0;
        gpiod_chip_close(chip);
        return free_line;
}

static void on_shutdown(struct eg_manager *m, void *userdata) {
        (*(unsigned *) userdata)++;
}

static void test_shutdown_leaves_doors_safe(void **state) {
        struct fixture *f = *state;
        struct eg_op_args a = door_op(EG_OP_DOOR_OPEN);
        struct guest_op op;
        unsigned done = 0;

        guest_op_run(&f->g, "gpio-d3", &a, &op, 2000);
        assert_int_equal(level(f, D3_LOCK), 1);
        assert_int_equal(guest_op_start(&f->g, "gpio-d1", &a, &op), 0);
        guest_run(&f->g, 50);
        assert_int_equal(level(f, D1_LOCK), 1);
        assert_false(line_is_free(f, D1_LOCK));

        eg_manager_shutdown(f->g.manager, on_shutdown, &done);
        guest_run(&f->g, 200);
        /* Every door de-energised; d2 waits for its lock sensor to confirm the release. */
        assert_int_equal(level(f, D1_LOCK), 0);
        assert_int_equal(level(f, D3_LOCK), 0);
        assert_int_equal(level(f, D3_OPEN), 0);
        assert_int_equal(level(f, D2_LOCK), 1); /* active-low: high = de-energised */
        assert_int_equal(done, 0);
        pull(f, D2_LSENS, false);
        assert_true(guest_run_until(&f->g, &done, 3000));
        /* The plugin has stopped and given every line back. */
        for (unsigned i = 0; i < N_LINES; i++)
                assert_true(line_is_free(f, i));
}

static void test_emergency_input(void **state) {
        struct fixture *f = *state;
        struct eg_device *p1 = eg_device_find(f->g.manager, "gpio-p1");

        assert_false(p1->emergency);
        pull(f, EM, true);
        assert_true(guest_run_until_event(&f->g, "gpio-p1", EG_EVENT_EMERGENCY, 1, 2000));
        assert_true(eg_device_find(f->g.manager, "gpio-p1")->emergency);
        pull(f, EM, false);
        assert_true(guest_run_until_event(&f->g, "gpio-p1", EG_EVENT_EMERGENCY, 0, 2000));
        assert_false(eg_device_find(f->g.manager, "gpio-p1")->emergency);
}

static int64_t presence_read(struct fixture *f, const char *zone, int expect_status) {
        struct eg_op_args a = { .kind = EG_OP_PRESENCE_READ, .zone = zone };
        struct guest_op op;

        guest_op_run(&f->g, "gpio-p1", &a, &op, 2000);
        assert_int_equal(op.status, expect_status);
        return op.value;
}

static void test_presence_zone_counts(void **state) {
        struct fixture *f = *state;
        struct eg_device *p1 = eg_device_find(f->g.manager, "gpio-p1");

        /* Both zones reported at start, empty. */
        assert_int_equal(guest_count_events(&f->g, "gpio-p1", EG_EVENT_OCCUPANCY, 0), 2);
        assert_int_equal(presence_read(f, "entry", 0), 0);

        pull(f, PE1, true);
        assert_true(guest_run_until_event(&f->g, "gpio-p1", EG_EVENT_OCCUPANCY, 1, 2000));
        pull(f, PE2, true);
        assert_true(guest_run_until_event(&f->g, "gpio-p1", EG_EVENT_OCCUPANCY, 2, 2000));
        assert_int_equal(eg_device_zone_count(p1, "entry"), 2);
        assert_int_equal(presence_read(f, "entry", 0), 2);
        assert_int_equal(presence_read(f, NULL, 0), 2); /* the first zone */
        assert_int_equal(presence_read(f, "exit", 0), 0);

        pull(f, PX, true);
        assert_true(guest_run_until_event(&f->g, "gpio-p1", EG_EVENT_BEAM, 1, 2000));
        assert_string_equal(guest_last_event(&f->g, "gpio-p1", EG_EVENT_BEAM)->zone, "exit");
        assert_int_equal(presence_read(f, "exit", 0), 1);
        assert_int_equal(eg_device_zone_count(p1, "exit"), 1);

        pull(f, PE1, false);
        guest_run(&f->g, 100);
        assert_int_equal(presence_read(f, "entry", 0), 1);
        (void) presence_read(f, "nowhere", -ENOENT);
}

static void indicator_set(struct fixture *f, enum eg_indicator_colour c,
                          enum eg_indicator_pattern p, bool buzzer, int expect_status) {
        struct eg_op_args a = {
                .kind = EG_OP_INDICATOR_SET, .colour = c, .pattern = p, .buzzer = buzzer
        };
        struct guest_op op;

        guest_op_run(&f->g, "gpio-i1", &a, &op, 2000);
        assert_int_equal(op.status, expect_status);
}

static void test_indicator_lamps(void **state) {
        struct fixture *f = *state;
        bool seen_on = false, seen_off = false;

        indicator_set(f, EG_COLOUR_GREEN, EG_PATTERN_STEADY, false, 0);
        assert_int_equal(level(f, GREEN), 1);
        assert_int_equal(level(f, RED), 0);
        assert_int_equal(level(f, YELLOW), 0);
        assert_int_equal(level(f, BUZZER), 0);

        indicator_set(f, EG_COLOUR_RED, EG_PATTERN_FAST_FLASH, true, 0);
        assert_int_equal(level(f, GREEN), 0);
        assert_int_equal(level(f, BUZZER), 1);
        for (int i = 0; i < 20; i++) {
                guest_run(&f->g, 50);
                if (level(f, RED))
                        seen_on = true;
                else
                        seen_off = true;
        }
        assert_true(seen_on && seen_off);

        indicator_set(f, EG_COLOUR_WHITE, EG_PATTERN_STEADY, false, -EOPNOTSUPP);
        assert_int_equal(level(f, BUZZER), 1); /* a refused setting changes nothing */
        indicator_set(f, EG_COLOUR_OFF, EG_PATTERN_STEADY, false, 0);
        guest_run(&f->g, 300);
        assert_int_equal(level(f, RED), 0);
        assert_int_equal(level(f, BUZZER), 0);
}

/* ---- Configuration errors: each device refused with a message that says why ---- */

struct bad_device {
        const char *section;
        const char *message;
};

static const struct bad_device bad_devices[] = {
        { "class = door\nchip = " LABEL "\nposition-line = spare1\n", "lock-line= is required" },
        { "class = door\nchip = " LABEL "\nlock-line = spare1\nlock-lien = 3\n",
          "unknown property 'lock-lien'" },
        { "class = door\nchip = " LABEL "\nlock-line = nosuchline\n",
          "lock-line=nosuchline on gpiochip" },
        { "class = door\nchip = " LABEL "\nlock-line = 99\n", "offset beyond the chip" },
        { "class = door\nchip = " LABEL "\nlock-line = spare1\nposition-line = 15\n",
          "are the same line" },
        { "class = door\nchip = " LABEL "\nlock-line = spare1\nlock-active-low = maybe\n",
          "invalid value 'maybe' for lock-active-low" },
        { "class = door\nchip = " LABEL "\nlock-active-low = true\nlock-line = spare1\n"
          "open-active-low = 1\n",
          "open-active-low= given without open-line=" },
        { "class = door\nchip = nochip\nlock-line = 0\n", "cannot open GPIO chip 'nochip'" },
        { "class = door\nlock-line = 0\n", "chip= is required" },
        { "class = door\nchip = " LABEL "\nlock-line = spare1\nheld-open-ms = -5\n",
          "invalid value '-5' for held-open-ms" },
        { "class = door\nchip = " LABEL "\nlock-line = spare1\ndebounce-ms = 20000\n",
          "expected a number from 0 to 10000" },
        { "class = door\nchip = " LABEL "\nlock-line = d1_lock\n", "already in use" },
        { "class = presence-sensor\nchip = " LABEL "\nline = spare1\n", "line= needs zone=" },
        { "class = presence-sensor\nchip = " LABEL "\nzone = Hall A\nline = spare1\n",
          "invalid zone name 'Hall A'" },
        { "class = presence-sensor\nchip = " LABEL "\nzone-a-line = spare1,\n",
          "zone-a-line has an empty entry" },
        { "class = presence-sensor\nchip = " LABEL "\nzone-a-line = spare1\nzone-a-kind = x\n",
          "invalid value 'x' for zone-a-kind" },
        { "class = presence-sensor\nchip = " LABEL "\n", "nothing to watch" },
        { "class = indicator\nchip = " LABEL "\n", "no lines" },
        { "class = indicator\nchip = " LABEL "\ngreen-line = spare1\nred-line = spare1\n",
          "green-line=spare1 and red-line=spare1 are the same line" },
        { "class = camera\nchip = " LABEL "\n", "drives doors, presence sensors and indicators" },
};

static void test_configuration_errors(void **state) {
        struct fixture *f = *state;
        size_t n = sizeof(bad_devices) / sizeof(bad_devices[0]);
        char *text = NULL;
        size_t size = 0;
        FILE *out;
        struct guest g2;

        /* A second manager on the same chip: d1's lines are held by the first one. */
        out = open_memstream(&text, &size);
        assert_non_null(out);
        for (size_t i = 0; i < n; i++)
                fprintf(out, "[device.bad%zu]\nplugin = gpio\n%s", i, bad_devices[i].section);
        fclose(out);

        guest_log_capture_start();
        guest_start(&g2, text);
        free(text);
        for (size_t i = 0; i < n; i++) {
                char id[32];

                (void) snprintf(id, sizeof(id), "gpio-bad%zu", i);
                if (eg_device_find(g2.manager, id) || !guest_log_contains(bad_devices[i].message)) {
                        guest_log_dump();
                        fail_msg("%s: expected refusal with \"%s\"", id, bad_devices[i].message);
                }
        }
        guest_stop(&g2);
        guest_log_capture_stop();
        /* The refusals left nothing behind: the spare lines are free again. */
        assert_true(line_is_free(f, SPARE1));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_devices_start_locked, setup, teardown),
                cmocka_unit_test_setup_teardown(test_door_open_completes_on_position, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_door_forced, setup, teardown),
                cmocka_unit_test_setup_teardown(test_door_held_open, setup, teardown),
                cmocka_unit_test_setup_teardown(test_door_debounce, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fail_safe_door_active_low, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fail_secure_safe_state, setup, teardown),
                cmocka_unit_test_setup_teardown(test_door_without_sensors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_door_timeout_leaves_safe_state, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_shutdown_leaves_doors_safe, setup, teardown),
                cmocka_unit_test_setup_teardown(test_emergency_input, setup, teardown),
                cmocka_unit_test_setup_teardown(test_presence_zone_counts, setup, teardown),
                cmocka_unit_test_setup_teardown(test_indicator_lamps, setup, teardown),
                cmocka_unit_test_setup_teardown(test_configuration_errors, setup, teardown),
        };

        return guest_run_tests("gpio", tests, sizeof(tests) / sizeof(tests[0]));
}
