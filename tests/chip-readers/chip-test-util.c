/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chip-test-util.h"
#include "config.h"

uint64_t chip_test_now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static void on_device_event(struct eg_device *d, const struct eg_event *e, void *userdata) {
        struct chip_harness *h = userdata;

        if (strcmp(d->id, h->device_id) != 0)
                return;
        switch (e->type) {
        case EG_EVENT_CHIP_PRESENT:
                h->events.present++;
                break;
        case EG_EVENT_CHIP_REMOVED:
                h->events.removed++;
                break;
        case EG_EVENT_FAULT:
                h->events.faults++;
                break;
        case EG_EVENT_RECOVERED:
                h->events.recovered++;
                break;
        default:
                break;
        }
}

void chip_harness_start(struct chip_harness *h, const char *config_text,
                        const char *state_directory, const char *device_id) {
        struct eg_manager_options o = { .state_directory = state_directory };
        struct eg_manager_listener l = { .device_event = on_device_event, .userdata = h };
        struct eg_config_errors errors = {};
        struct eg_config *c = NULL;

        *h = (struct chip_harness){ .device_id = device_id };
        if (eg_config_load_string("chip-readers.conf", config_text, &c, &errors) < 0)
                for (size_t i = 0; i < errors.n; i++)
                        fprintf(stderr, "%s\n", errors.messages[i]);
        assert_int_equal(errors.n, 0);
        eg_config_errors_clear(&errors);
        assert_non_null(c);
        assert_int_equal(sd_event_new(&h->event), 0);
        assert_int_equal(eg_manager_new(h->event, c, &o, &h->manager), 0);
        assert_int_equal(eg_manager_add_listener(h->manager, &l), 0);
        assert_int_equal(eg_manager_start(h->manager), 0);
}

void chip_harness_stop(struct chip_harness *h) {
        eg_manager_free(h->manager);
        h->manager = NULL;
        h->event = sd_event_unref(h->event);
}

void chip_harness_run(struct chip_harness *h, bool (*done)(struct chip_harness *, const void *),
                      const void *arg, unsigned ms) {
        uint64_t end = chip_test_now_ms() + ms;

        while ((!done || !done(h, arg)) && chip_test_now_ms() < end)
                assert_true(sd_event_run(h->event, 10 * 1000) >= 0);
}

static bool counter_reached(struct chip_harness *h, const void *arg) {
        const unsigned *const *pair = arg;

        return *pair[0] >= *pair[1];
}

void chip_harness_wait_count(struct chip_harness *h, const unsigned *counter, unsigned want,
                             unsigned ms) {
        const unsigned *pair[] = { counter, &want };

        chip_harness_run(h, counter_reached, pair, ms);
        assert_int_equal(*counter, want);
}

bool chip_harness_device_exists(struct chip_harness *h, const void *id) {
        return eg_device_find(h->manager, id) != NULL;
}

bool chip_harness_device_gone(struct chip_harness *h, const void *id) {
        return eg_device_find(h->manager, id) == NULL;
}

static void on_done(struct eg_chip_read_result *r, void *userdata) {
        struct chip_outcome *o = userdata;

        o->calls++;
        o->result = r;
}

static bool outcome_done(struct chip_harness *h, const void *arg) {
        return ((const struct chip_outcome *) arg)->calls > 0;
}

void chip_read_start(struct chip_harness *h, const struct eg_chip_session_options *o,
                     struct chip_outcome *out) {
        *out = (struct chip_outcome){};
        assert_int_equal(eg_chip_session_start(h->manager, h->device_id, o, on_done, out, NULL), 0);
}

void chip_read_finish(struct chip_harness *h, struct chip_outcome *out) {
        chip_harness_run(h, outcome_done, out, 20000);
        assert_int_equal(out->calls, 1);
        assert_non_null(out->result);
        /* Exactly once. */
        chip_harness_run(h, NULL, NULL, 20);
        assert_int_equal(out->calls, 1);
}

void chip_read(struct chip_harness *h, const struct eg_chip_session_options *o,
               struct chip_outcome *out) {
        chip_read_start(h, o, out);
        chip_read_finish(h, out);
}

void chip_outcome_done(struct chip_outcome *out) {
        eg_chip_read_result_free(out->result);
        out->result = NULL;
}

void chip_assert_check(const struct eg_check *c, enum eg_check_result result, const char *reason,
                       const char *detail_part) {
        bool reason_ok =
                (!c->reason || !reason) ? c->reason == reason : strcmp(c->reason, reason) == 0;

        if (c->result != result || !reason_ok)
                fail_msg("got %s/%s (%s), want %s/%s", eg_check_result_to_string(c->result),
                         c->reason ? c->reason : "-", c->detail, eg_check_result_to_string(result),
                         reason ? reason : "-");
        if (detail_part && !strstr(c->detail, detail_part))
                fail_msg("detail \"%s\" lacks \"%s\"", c->detail, detail_part);
}
