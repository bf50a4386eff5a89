/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The lane world without any host: inputs in, effects out, on a virtual clock. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mock-macro.h"
#include "world.h"

struct harness {
        uint64_t now;
        uint64_t due;
        char log[8192];
        bool timestamps;
};

_printf_(2, 3) static void note(struct harness *h, const char *fmt, ...) {
        size_t n = strlen(h->log);
        va_list ap;

        if (n > 0)
                n += (size_t) snprintf(h->log + n, sizeof(h->log) - n, "; ");
        if (h->timestamps)
                n += (size_t) snprintf(h->log + n, sizeof(h->log) - n, "@%" PRIu64 " ", h->now);
        va_start(ap, fmt);
        (void) vsnprintf(h->log + n, sizeof(h->log) - n, fmt, ap);
        va_end(ap);
}

static uint64_t fx_now(void *u) {
        return ((struct harness *) u)->now;
}

static void fx_schedule(void *u, uint64_t due) {
        ((struct harness *) u)->due = due;
}

static void fx_document(void *u, const struct mock_traveller *t) {
        note(u, "doc %s", t ? t->id : "-");
}

static void fx_chip(void *u, bool present) {
        note(u, "chip %d", present);
}

static void fx_finger(void *u, const struct mock_traveller *t) {
        note(u, "finger %s", t ? t->id : "-");
}

static void fx_occupancy(void *u, const char *zone, unsigned count) {
        note(u, "%s=%u", zone, count);
}

static void fx_door_forced(void *u, enum mock_door_side side) {
        note(u, "forced %s", side == MOCK_DOOR_EXIT ? "exit" : "entry");
}

static const struct mock_world_effects effects = {
        .now_ms = fx_now,
        .schedule = fx_schedule,
        .document = fx_document,
        .chip = fx_chip,
        .finger = fx_finger,
        .occupancy = fx_occupancy,
        .door_forced = fx_door_forced,
        /* no narration: it is for people */
};

/* Run the world up to `t`, firing every wake-up it asked for on the way. */
static void run_until(struct harness *h, struct mock_world *w, uint64_t t) {
        while (h->due <= t) {
                h->now = h->due > h->now ? h->due : h->now;
                h->due = UINT64_MAX;
                mock_world_run(w);
        }
        h->now = t;
}

static void run_for(struct harness *h, struct mock_world *w, uint64_t ms) {
        run_until(h, w, h->now + ms);
}

/* Returns the log so far and clears it. */
static const char *take(struct harness *h) {
        static char copy[sizeof(h->log)];

        memcpy(copy, h->log, sizeof(copy));
        h->log[0] = '\0';
        return copy;
}

static struct mock_traveller traveller(const char *id, enum mock_walk walk) {
        struct mock_traveller t = {
                .id = (char *) id,
                .label = (char *) id,
                .mrz_readable = true,
                .walk = walk,
                .think_ms = 50,
                .patience_ms = 60000,
        };

        t.chip.present = true;
        t.fingerprint.identity = (char *) id;
        t.fingerprint.n_outcomes = 1;
        t.fingerprint.score_match = 72;
        t.fingerprint.score_no_match = 8;
        t.face.n_outcomes = 1;
        return t;
}

static struct mock_world *world(struct harness *h, char *const *zones) {
        struct mock_world_params p = {
                .name = "A1",
                .zones = zones,
                .walk_ms = 100,
                .finger_place_ms = 10,
        };
        struct mock_world *w;

        *h = (struct harness){ .due = UINT64_MAX };
        w = mock_world_new(&p, &effects, h);
        assert_non_null(w);
        return w;
}

static void test_walk_through(void **state) {
        struct harness h;
        struct mock_world *w = world(&h, NULL);
        struct mock_traveller t = traveller("t1", MOCK_WALK_NORMAL);

        assert_int_equal(mock_world_arrive(w, &t), 0);
        assert_string_equal(take(&h), "approach=1");
        assert_int_equal(mock_world_phase(w), MOCK_PHASE_APPROACHING);
        assert_int_equal(mock_world_arrive(w, &t), -EBUSY);

        run_for(&h, w, 49);
        assert_string_equal(take(&h), "");
        run_for(&h, w, 1);
        assert_string_equal(take(&h), "doc t1; chip 1");
        assert_int_equal(mock_world_phase(w), MOCK_PHASE_AT_READER);
        assert_ptr_equal(mock_world_document(w), &t);
        assert_true(mock_world_chip_present(w));

        /* Doors closing or the exit door opening mean nothing to them now. */
        mock_world_door(w, MOCK_DOOR_EXIT, true);
        mock_world_door(w, MOCK_DOOR_ENTRY, false);
        run_for(&h, w, 1000);
        assert_string_equal(take(&h), "");

        mock_world_door(w, MOCK_DOOR_ENTRY, true);
        assert_int_equal(mock_world_phase(w), MOCK_PHASE_ENTERING);
        run_for(&h, w, 100);
        assert_string_equal(take(&h), "doc -; chip 0; approach=0; mantrap=1");
        assert_int_equal(mock_world_phase(w), MOCK_PHASE_IN_MANTRAP);
        assert_ptr_equal(mock_world_in_mantrap(w), &t);
        assert_int_equal(mock_world_people_in_mantrap(w), 1);

        /* The scanner asks: the finger comes after finger-place, goes after the scan. */
        mock_world_finger_wanted(w);
        run_for(&h, w, 10);
        assert_string_equal(take(&h), "finger t1");
        assert_int_equal(mock_world_finger_outcome(w, true), MOCK_FINGER_MATCH);
        mock_world_finger_done(w);
        run_for(&h, w, 10);
        assert_string_equal(take(&h), "finger -");

        mock_world_door(w, MOCK_DOOR_EXIT, true);
        run_for(&h, w, 100);
        assert_string_equal(take(&h), "mantrap=0; exit=1");
        run_for(&h, w, 100);
        assert_string_equal(take(&h), "exit=0");
        assert_int_equal(mock_world_phase(w), MOCK_PHASE_IDLE);
        assert_null(mock_world_traveller(w));
        assert_int_equal(h.due, UINT64_MAX);
        mock_world_free(w);
}

static void test_finger_retries(void **state) {
        struct harness h;
        struct mock_world *w = world(&h, NULL);
        struct mock_traveller t = traveller("t1", MOCK_WALK_NORMAL);

        t.fingerprint.outcomes[0] = MOCK_FINGER_NO_MATCH;
        t.fingerprint.outcomes[1] = MOCK_FINGER_POOR_QUALITY;
        t.fingerprint.outcomes[2] = MOCK_FINGER_MATCH;
        t.fingerprint.n_outcomes = 3;
        t.think_ms = 0;

        mock_world_arrive(w, &t);
        run_for(&h, w, 0);
        mock_world_door(w, MOCK_DOOR_ENTRY, true);
        /* The scan starts while they are still walking in: the finger follows them. */
        mock_world_finger_wanted(w);
        run_for(&h, w, 100);
        assert_string_equal(take(&h),
                            "approach=1; doc t1; chip 1; doc -; chip 0; approach=0; mantrap=1");
        run_for(&h, w, 10);
        assert_string_equal(take(&h), "finger t1");

        assert_int_equal(mock_world_finger_outcome(w, false), MOCK_FINGER_NO_MATCH);
        assert_int_equal(mock_world_finger_outcome(w, true), MOCK_FINGER_NO_MATCH);
        mock_world_finger_done(w);
        /* The next attempt starts before they lift: the finger just stays. */
        mock_world_finger_wanted(w);
        run_for(&h, w, 50);
        assert_string_equal(take(&h), "");
        assert_int_equal(mock_world_finger_outcome(w, true), MOCK_FINGER_POOR_QUALITY);
        assert_int_equal(mock_world_finger_outcome(w, true), MOCK_FINGER_MATCH);
        /* The last one repeats. */
        assert_int_equal(mock_world_finger_outcome(w, true), MOCK_FINGER_MATCH);
        mock_world_finger_done(w);
        run_for(&h, w, 10);
        assert_string_equal(take(&h), "finger -");
        mock_world_free(w);
}

static void test_tailgater(void **state) {
        struct harness h;
        struct mock_world *w = world(&h, NULL);
        struct mock_traveller t = traveller("t1", MOCK_WALK_TAILGATER);

        t.think_ms = 0;
        mock_world_arrive(w, &t);
        run_for(&h, w, 0);
        assert_string_equal(take(&h), "approach=1; doc t1; chip 1");
        mock_world_door(w, MOCK_DOOR_ENTRY, true);
        run_for(&h, w, 100);
        assert_string_equal(take(&h), "doc -; chip 0; approach=0; mantrap=1");
        run_for(&h, w, 50);
        assert_string_equal(take(&h), "approach=1");
        run_for(&h, w, 50);
        assert_string_equal(take(&h), "approach=0; mantrap=2");
        assert_int_equal(mock_world_people_in_mantrap(w), 2);

        /* Both leave through the exit. */
        mock_world_door(w, MOCK_DOOR_EXIT, true);
        run_for(&h, w, 200);
        assert_string_equal(take(&h), "mantrap=0; exit=2; exit=0");
        assert_int_equal(mock_world_phase(w), MOCK_PHASE_IDLE);
        mock_world_free(w);
}

static void test_two_people_sent_back(void **state) {
        struct harness h;
        struct mock_world *w = world(&h, NULL);
        struct mock_traveller t = traveller("t1", MOCK_WALK_TWO_PEOPLE);

        t.think_ms = 0;
        mock_world_arrive(w, &t);
        run_for(&h, w, 0);
        assert_string_equal(take(&h), "approach=2; doc t1; chip 1");
        mock_world_door(w, MOCK_DOOR_ENTRY, true);
        run_for(&h, w, 100);
        assert_string_equal(take(&h), "doc -; chip 0; approach=0; mantrap=2");
        assert_ptr_equal(mock_world_in_mantrap(w), &t);
        assert_int_equal(mock_world_people_in_mantrap(w), 2);

        /* The lane refuses them: the entry door opens again and they walk back out. */
        mock_world_door(w, MOCK_DOOR_ENTRY, false);
        mock_world_door(w, MOCK_DOOR_ENTRY, true);
        run_for(&h, w, 200);
        assert_string_equal(take(&h), "mantrap=0; approach=2; approach=0");
        assert_int_equal(mock_world_phase(w), MOCK_PHASE_IDLE);
        mock_world_free(w);
}

static void test_turns_back(void **state) {
        struct harness h;
        struct mock_world *w = world(&h, NULL);
        struct mock_traveller t = traveller("t1", MOCK_WALK_TURNS_BACK);

        mock_world_arrive(w, &t);
        run_for(&h, w, 50);
        assert_string_equal(take(&h), "approach=1; doc t1; chip 1");
        mock_world_door(w, MOCK_DOOR_ENTRY, true);
        assert_int_equal(mock_world_phase(w), MOCK_PHASE_LEAVING);
        run_for(&h, w, 100);
        assert_string_equal(take(&h), "doc -; chip 0; approach=0");
        assert_int_equal(mock_world_phase(w), MOCK_PHASE_IDLE);
        assert_int_equal(mock_world_people_in_mantrap(w), 0);
        mock_world_free(w);
}

static void test_forces_exit(void **state) {
        struct harness h;
        struct mock_world *w = world(&h, NULL);
        struct mock_traveller t = traveller("t1", MOCK_WALK_FORCES_EXIT);

        t.think_ms = 30;
        mock_world_arrive(w, &t);
        run_for(&h, w, 30);
        mock_world_door(w, MOCK_DOOR_ENTRY, true);
        run_for(&h, w, 100);
        assert_string_equal(take(&h),
                            "approach=1; doc t1; chip 1; doc -; chip 0; approach=0; mantrap=1");
        run_for(&h, w, 29);
        assert_string_equal(take(&h), "");
        run_for(&h, w, 1);
        assert_string_equal(take(&h), "forced exit");
        /* The door reports itself open: they are already on their way. */
        mock_world_door(w, MOCK_DOOR_EXIT, true);
        run_for(&h, w, 200);
        assert_string_equal(take(&h), "mantrap=0; exit=1; exit=0");
        mock_world_free(w);
}

static void test_slow_walker_and_zero_think(void **state) {
        struct harness h;
        struct mock_world_params p = { .name = "A1", .walk_ms = 100, .zero_think = true };
        struct mock_traveller t = traveller("t1", MOCK_WALK_SLOW);
        struct mock_world *w;

        h = (struct harness){ .due = UINT64_MAX };
        w = mock_world_new(&p, &effects, &h);
        t.think_ms = 5000;
        mock_world_arrive(w, &t);
        run_for(&h, w, 0); /* the zero profile: nobody hesitates */
        assert_string_equal(take(&h), "approach=1; doc t1; chip 1");
        mock_world_door(w, MOCK_DOOR_ENTRY, true);
        run_for(&h, w, 399);
        assert_string_equal(take(&h), "");
        run_for(&h, w, 1);
        assert_string_equal(take(&h), "doc -; chip 0; approach=0; mantrap=1");
        mock_world_free(w);
}

static void test_gives_up(void **state) {
        struct harness h;
        struct mock_world *w = world(&h, NULL);
        struct mock_traveller t = traveller("t1", MOCK_WALK_NORMAL);

        /* Red at the reader: the lane refused the passport. */
        mock_world_arrive(w, &t);
        mock_world_indicator(w, EG_COLOUR_RED); /* not yet at the reader: ignored */
        run_for(&h, w, 50);
        assert_string_equal(take(&h), "approach=1; doc t1; chip 1");
        mock_world_indicator(w, EG_COLOUR_GREEN);
        mock_world_indicator(w, EG_COLOUR_RED);
        run_for(&h, w, 100);
        assert_string_equal(take(&h), "doc -; chip 0; approach=0");
        assert_int_equal(mock_world_phase(w), MOCK_PHASE_IDLE);

        /* Nothing happens for patience_ms. */
        t.patience_ms = 500;
        mock_world_arrive(w, &t);
        run_for(&h, w, 50 + 499);
        assert_string_equal(take(&h), "approach=1; doc t1; chip 1");
        run_for(&h, w, 1);
        assert_string_equal(take(&h), "doc -; chip 0; approach=0");
        mock_world_free(w);
}

static void test_queue_order(void **state) {
        struct harness h;
        struct mock_world *w = world(&h, NULL);
        struct mock_traveller a = traveller("a", MOCK_WALK_TURNS_BACK),
                              b = traveller("b", MOCK_WALK_TURNS_BACK),
                              c = traveller("c", MOCK_WALK_TURNS_BACK);
        const struct mock_traveller *queue[] = { &b, &a, &c, &a };

        a.think_ms = b.think_ms = c.think_ms = 0;
        h.timestamps = true;
        mock_world_set_queue(w, queue, ELEMENTSOF(queue), 1000, 300);
        assert_int_equal(mock_world_queue_left(w), 4);
        run_for(&h, w, 999);
        assert_string_equal(take(&h), "");
        run_for(&h, w, 1);
        assert_string_equal(take(&h), "@1000 approach=1; @1000 doc b; @1000 chip 1");
        assert_ptr_equal(mock_world_traveller(w), &b);

        /* The next one waits for a clear lane, then for the interval. */
        mock_world_door(w, MOCK_DOOR_ENTRY, true);
        run_for(&h, w, 100);
        assert_string_equal(take(&h), "@1100 doc -; @1100 chip 0; @1100 approach=0");
        run_for(&h, w, 299);
        assert_string_equal(take(&h), "");
        run_for(&h, w, 1);
        assert_string_equal(take(&h), "@1400 approach=1; @1400 doc a; @1400 chip 1");

        /* Somebody lingering in the exit zone holds the queue up. */
        assert_int_equal(mock_world_enter(w, "exit", 1), 0);
        mock_world_door(w, MOCK_DOOR_ENTRY, true);
        run_for(&h, w, 1000);
        assert_string_equal(take(&h), "@1400 exit=1; @1500 doc -; @1500 chip 0; @1500 approach=0");
        assert_int_equal(mock_world_leave(w, "exit", 1), 0);
        run_for(&h, w, 300);
        assert_string_equal(take(&h), "@2400 exit=0; @2700 approach=1; @2700 doc c; @2700 chip 1");
        assert_ptr_equal(mock_world_traveller(w), &c);
        assert_int_equal(mock_world_queue_left(w), 1);

        /* An "arrive" from the control socket may jump the queue when the lane is idle. */
        mock_world_door(w, MOCK_DOOR_ENTRY, true);
        run_for(&h, w, 100);
        take(&h);
        assert_int_equal(mock_world_arrive(w, &b), 0);
        run_for(&h, w, 1000);
        assert_ptr_equal(mock_world_traveller(w), &b);
        assert_int_equal(mock_world_queue_left(w), 1);
        mock_world_free(w);
}

static void test_control_inputs(void **state) {
        struct harness h;
        char *zones[] = { (char *) "mantrap", (char *) "queue", NULL };
        struct mock_world *w = world(&h, zones);
        struct mock_traveller t = traveller("t1", MOCK_WALK_NORMAL),
                              u = traveller("u2", MOCK_WALK_NORMAL);

        u.chip.present = false;
        assert_int_equal(mock_world_remove_document(w), -ENOMSG);
        assert_int_equal(mock_world_present_document(w, &u), 0);
        assert_string_equal(take(&h), "doc u2");
        assert_false(mock_world_chip_present(w));
        assert_int_equal(mock_world_present_document(w, &t), -EBUSY);
        assert_int_equal(mock_world_remove_document(w), 0);
        assert_string_equal(take(&h), "doc -");

        assert_int_equal(mock_world_lift_finger(w), -ENOMSG);
        assert_int_equal(mock_world_place_finger(w, &t), 0);
        assert_int_equal(mock_world_place_finger(w, &u), -EBUSY);
        /* A hand-placed finger stays after a scan. */
        mock_world_finger_wanted(w);
        mock_world_finger_done(w);
        run_for(&h, w, 1000);
        assert_string_equal(take(&h), "finger t1");
        assert_int_equal(mock_world_lift_finger(w), 0);
        assert_string_equal(take(&h), "finger -");

        /* Only the sensor's zones exist for it; approach and exit are hidden. */
        assert_int_equal(mock_world_n_zones(w), 2);
        assert_string_equal(mock_world_zone_name(w, 1), "queue");
        assert_null(mock_world_zone_name(w, 2));
        assert_int_equal(mock_world_zone_count(w, "approach"), -ENOENT);
        assert_int_equal(mock_world_enter(w, "approach", 1), -ENOENT);
        assert_int_equal(mock_world_enter(w, "queue", 0), -ERANGE);
        assert_int_equal(mock_world_enter(w, "queue", 3), 0);
        assert_int_equal(mock_world_enter(w, "queue", 97), -ERANGE);
        assert_int_equal(mock_world_leave(w, "queue", 4), -ERANGE);
        assert_int_equal(mock_world_leave(w, "queue", 2), 0);
        assert_int_equal(mock_world_zone_count(w, "queue"), 1);
        assert_string_equal(take(&h), "queue=3; queue=1");

        /* A traveller walking a lane with hidden zones reports only the mantrap. */
        t.think_ms = 0;
        mock_world_arrive(w, &t);
        run_for(&h, w, 0);
        mock_world_door(w, MOCK_DOOR_ENTRY, true);
        run_for(&h, w, 100);
        assert_string_equal(take(&h), "doc t1; chip 1; doc -; chip 0; mantrap=1");

        /* Face outcomes, one per attempt. */
        t.face.outcomes[0] = MOCK_FACE_NO_FACE;
        t.face.outcomes[1] = MOCK_FACE_MATCH;
        t.face.n_outcomes = 2;
        assert_int_equal(mock_world_face_outcome(w, true), MOCK_FACE_NO_FACE);
        assert_int_equal(mock_world_face_outcome(w, true), MOCK_FACE_MATCH);
        assert_int_equal(mock_world_face_outcome(w, true), MOCK_FACE_MATCH);
        mock_world_free(w);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_walk_through),
                cmocka_unit_test(test_finger_retries),
                cmocka_unit_test(test_tailgater),
                cmocka_unit_test(test_two_people_sent_back),
                cmocka_unit_test(test_turns_back),
                cmocka_unit_test(test_forces_exit),
                cmocka_unit_test(test_slow_walker_and_zero_think),
                cmocka_unit_test(test_gives_up),
                cmocka_unit_test(test_queue_order),
                cmocka_unit_test(test_control_inputs),
        };

        return cmocka_run_group_tests_name("mock-world", tests, NULL, NULL);
}
