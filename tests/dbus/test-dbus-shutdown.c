/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Calls still waiting for their answer when egated stops (SIGTERM): each gets
 * ShuttingDown before egated leaves the bus, within moments, and not silence until the
 * caller's own timeout.  The waiting calls are device operations that never answer (the
 * mock's hang fault), with a deadline far beyond the test so that only the stop ends them.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <setjmp.h>
#include <cmocka.h>

#include "dbus-harness.h"
#include "macro.h"

#define HANG_DEADLINE_MS 120000
/* sd-bus's own default: what a caller waits when nobody answers. */
#define CALL_TIMEOUT (25 * USEC_PER_SEC)
/* The doors' safe state at the mock's zero latency, then egated's exit. */
#define ANSWER_WITHIN (5 * USEC_PER_SEC)
#define BUSY_TIMEOUT (10 * USEC_PER_SEC)
#define MAX_WAITING 4

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

struct waiting_call {
        const char *what;
        sd_bus_slot *slot;
        bool answered;
        char error_name[256];
        uint64_t answered_usec;
};

struct waiting {
        struct harness *h;
        sd_bus *bus; /* the caller's connection */
        struct waiting_call calls[MAX_WAITING];
        size_t n;
};

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct waiting_call *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        c->answered = true;
        c->answered_usec = now_usec();
        snprintf(c->error_name, sizeof(c->error_name), "%s", e ? e->name : "(success)");
        return 0;
}

/* Start a call whose answer is collected by on_reply(). */
static void call_async(struct waiting *w, const char *what, const char *path, const char *iface,
                       const char *member, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        struct waiting_call *c;
        va_list ap;

        assert_true(w->n < MAX_WAITING);
        c = &w->calls[w->n++];
        c->what = what;
        assert_true(sd_bus_message_new_method_call(w->bus, &m, EG_NAME, path, iface, member) >= 0);
        va_start(ap, types);
        assert_true(sd_bus_message_appendv(m, types, ap) >= 0);
        va_end(ap);
        assert_true(sd_bus_call_async(w->bus, &c->slot, m, on_reply, c, CALL_TIMEOUT) >= 0);
        assert_true(sd_bus_flush(w->bus) >= 0);
}

static void call_ok(sd_bus *bus, const char *path, const char *iface, const char *member,
                    const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        assert_true(sd_bus_message_new_method_call(bus, &m, EG_NAME, path, iface, member) >= 0);
        va_start(ap, types);
        assert_true(sd_bus_message_appendv(m, types, ap) >= 0);
        va_end(ap);
        r = sd_bus_call(bus, m, 10 * USEC_PER_SEC, &error, NULL);
        if (r < 0)
                fprintf(stderr, "%s.%s on %s: %s: %s\n", iface, member, path, error.name,
                        error.message);
        assert_true(r >= 0);
}

/* Does the mock's status show an operation of egated's in flight on device `key`? */
static bool device_busy(struct harness *h, const char *key) {
        _cleanup_free_ char *status = harness_mock(h, "status A1"), *token = NULL;
        const char *s;

        assert_true(asprintf(&token, " %s=", key) > 0);
        s = strstr(status, token);
        assert_non_null(s);
        s += strlen(token);
        return memmem(s, strcspn(s, " "), ",ops=", strlen(",ops=")) != NULL;
}

static void wait_busy(struct harness *h, const char *key) {
        uint64_t end = now_usec() + BUSY_TIMEOUT;

        while (!device_busy(h, key)) {
                if (now_usec() > end) {
                        fprintf(stderr, "no operation reached %s\n", key);
                        fail();
                }
                usleep(20000); /* the operation starts from egated's loop */
        }
}

static bool all_answered(const struct waiting *w) {
        for (size_t i = 0; i < w->n; i++)
                if (!w->calls[i].answered)
                        return false;
        return true;
}

/* SIGTERM; then every waiting call must be answered ShuttingDown promptly, and egated must
 * exit 0. */
static void stop_and_expect_shutting_down(struct waiting *w) {
        uint64_t stop = now_usec(), end = stop + CALL_TIMEOUT + USEC_PER_SEC;
        unsigned wrong = 0;

        while (sd_bus_process(w->bus, NULL) > 0)
                ;
        for (size_t i = 0; i < w->n; i++)
                assert_false(w->calls[i].answered); /* nothing ends them but the stop */
        assert_int_equal(kill(w->h->egated_pid, SIGTERM), 0);
        while (!all_answered(w) && now_usec() < end) {
                int r = sd_bus_process(w->bus, NULL);

                assert_true(r >= 0);
                if (r == 0)
                        assert_true(sd_bus_wait(w->bus, 100000) >= 0);
        }
        for (size_t i = 0; i < w->n; i++) {
                struct waiting_call *c = &w->calls[i];

                if (c->answered && strcmp(c->error_name, EG_ERROR("ShuttingDown")) == 0 &&
                    c->answered_usec - stop <= ANSWER_WITHIN)
                        continue;
                fprintf(stderr, "%s: %s after %.1f s\n", c->what,
                        c->answered ? c->error_name : "no answer",
                        (double) ((c->answered ? c->answered_usec : now_usec()) - stop) /
                                USEC_PER_SEC);
                wrong++;
        }
        assert_int_equal(wrong, 0);
        assert_int_equal(harness_wait_egated_exit(w->h, 15 * USEC_PER_SEC), 0);
}

static void waiting_begin(struct waiting *w, struct harness *h) {
        *w = (struct waiting){ .h = h, .bus = harness_connect(h) };
        assert_non_null(w->bus);
        set_lane_mode(h, "manual"); /* devices take claims and enrolment */
}

/* A method of a device's class interface, on the device claimed by the caller, whose
 * operation `op` hangs. */
static void start_device_call(struct waiting *w, const char *key, const char *op, const char *iface,
                              const char *member) {
        _cleanup_free_ char *path = device_path(key), *fault = NULL;

        call_ok(w->bus, path, EG_IFACE("Device"), "Claim", "");
        assert_true(asprintf(&fault, "fault %s %s hang", key, op) > 0);
        free(harness_mock(w->h, fault));
        call_async(w, member, path, iface, member, "");
        wait_busy(w->h, key);
}

/* Registry.EnrollFinger: the member exists, then the scanner's enrolment hangs. */
static void start_enrolment(struct waiting *w) {
        _cleanup_free_ char *scanner = device_path("A1-fingerprint-scanner");

        free(harness_mock(w->h, "fault A1-fingerprint-scanner finger-enroll hang"));
        call_async(w, "EnrollFinger", EG_ROOT_PATH "/Registry", EG_IFACE("Registry"),
                   "EnrollFinger", "sos", "MOCK-t01", scanner, "right-index");
        wait_busy(w->h, "A1-fingerprint-scanner");
}

static void waiting_end(struct waiting *w) {
        stop_and_expect_shutting_down(w);
        for (size_t i = 0; i < w->n; i++)
                sd_bus_slot_unref(w->calls[i].slot);
        sd_bus_flush_close_unref(w->bus);
        harness_pass(w->h);
}

static int setup_long_deadline(void **state) {
        struct harness_options o = { .operation_timeout_ms = HANG_DEADLINE_MS };

        *state = harness_start(&o);
        return 0;
}

/* Doors that reach their safe state: the stop cancels the hanging operations, and the calls
 * waiting for them hear why. */
static void test_waiting_calls_answered(void **state) {
        struct waiting w;

        waiting_begin(&w, *state);
        start_device_call(&w, "A1-entry-door", "door-close", EG_IFACE("Door"), "Close");
        free(harness_mock(w.h, "fault A1-exit-door door-open hang"));
        call_async(&w, "OpenDoor", LANE_A1_PATH, EG_IFACE("Lane"), "OpenDoor", "ss", "exit",
                   "test: stop while the door hangs");
        wait_busy(w.h, "A1-exit-door");
        start_enrolment(&w);
        waiting_end(&w);
}

/* No door to send to its safe state: egated stops at once, and the cancelled operations'
 * outcomes are never delivered.  The calls are answered all the same. */
static void test_waiting_calls_answered_without_doors(void **state) {
        struct waiting w;

        waiting_begin(&w, *state);
        free(harness_mock(w.h, "unplug A1-entry-door"));
        free(harness_mock(w.h, "unplug A1-exit-door"));
        start_device_call(&w, "A1-document-reader", "document-read-mrz", EG_IFACE("DocumentReader"),
                          "ReadMrz");
        start_enrolment(&w);
        waiting_end(&w);
}

/* While egated sends the doors to their safe state, an operator's OpenDoor is refused: it must
 * not cancel the safe-state command that the stop waits for. */
static void test_open_door_refused_while_stopping(void **state) {
        struct harness *h = *state;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

        free(harness_mock(h, "fault A1-exit-door door-safe-state delay 1500"));
        assert_int_equal(kill(h->egated_pid, SIGTERM), 0);
        assert_true(harness_wait_property(h, EG_ROOT_PATH, EG_IFACE("Manager"), "State", "stopping",
                                          5 * USEC_PER_SEC));
        assert_true(sd_bus_call_method(h->bus, EG_NAME, LANE_A1_PATH, EG_IFACE("Lane"), "OpenDoor",
                                       &error, NULL, "ss", "exit",
                                       "test: open while egated stops") < 0);
        assert_string_equal(error.name, EG_ERROR("ShuttingDown"));
        assert_int_equal(harness_wait_egated_exit(h, 15 * USEC_PER_SEC), 0);
        assert_true(harness_log_contains(h, "mock-A1-exit-door: in its safe state"));
        assert_false(harness_log_contains(h, "could not reach its safe state"));
        harness_pass(h);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_waiting_calls_answered, setup_long_deadline,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_waiting_calls_answered_without_doors,
                                                setup_long_deadline, harness_teardown),
                cmocka_unit_test_setup_teardown(test_open_door_refused_while_stopping,
                                                harness_setup, harness_teardown),
        };
        int r = harness_init_process();

        if (r != 0)
                return r;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
