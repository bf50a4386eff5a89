/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The documented error names: bad arguments, unknown objects, missing claims, no
 * transaction, the daemon's operation deadline, and the audit trail's reading methods. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "dbus-harness.h"
#include "macro.h"

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

/* Call as root (the test process) and expect error_name; returns the error message. */
static char *expect_error(struct harness *h, const char *error_name, const char *path,
                          const char *iface, const char *member, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        assert_true(sd_bus_message_new_method_call(h->bus, &m, EG_NAME, path, iface, member) >= 0);
        va_start(ap, types);
        assert_true(sd_bus_message_appendv(m, types, ap) >= 0);
        va_end(ap);
        r = sd_bus_call(h->bus, m, 10 * USEC_PER_SEC, &error, &reply);
        if (r >= 0 || strcmp(error.name, error_name) != 0) {
                fprintf(stderr, "%s.%s(%s) on %s: expected %s, got %s %s\n", iface, member, types,
                        path, error_name, r >= 0 ? "success" : error.name,
                        r >= 0 ? "" : error.message);
                fail();
        }
        return strdup(error.message ? error.message : "");
}

#define EXPECT(h, name, path, iface, member, ...)                                                  \
        free(expect_error((h), (name), (path), (iface), (member), __VA_ARGS__))

static void call_ok(struct harness *h, const char *path, const char *iface, const char *member) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(h->bus, EG_NAME, path, iface, member, &error, NULL, NULL);

        if (r < 0)
                fprintf(stderr, "%s.%s: %s %s\n", iface, member, error.name, error.message);
        assert_true(r >= 0);
}

static void test_invalid_arguments(void **state) {
        struct harness *h = *state;
        _cleanup_free_ char *reader = device_path("A1-document-reader"),
                            *chip = device_path("A1-chip-reader"),
                            *finger = device_path("A1-fingerprint-scanner"),
                            *indicator = device_path("A1-indicator"),
                            *sensor = device_path("A1-presence-sensor"),
                            *door = device_path("A1-entry-door"), *mode = NULL;
        static const uint8_t short_apdu[] = { 0x00, 0xa4, 0x04 };
        const char *invalid = EG_ERROR("InvalidArgument");

        /* Lane: unknown mode, emergency is not chosen by hand, reasons are required. */
        EXPECT(h, invalid, LANE_A1_PATH, EG_IFACE("Lane"), "SetMode", "ss", "turbo", "why");
        EXPECT(h, invalid, LANE_A1_PATH, EG_IFACE("Lane"), "SetMode", "ss", "emergency", "why");
        EXPECT(h, invalid, LANE_A1_PATH, EG_IFACE("Lane"), "SetMode", "ss", "manual", "");
        EXPECT(h, invalid, LANE_A1_PATH, EG_IFACE("Lane"), "SetMode", "ss", "manual",
               "line\nbreak");
        mode = get_string_property(h->bus, LANE_A1_PATH, EG_IFACE("Lane"), "Mode");
        assert_string_equal(mode, "automatic");
        EXPECT(h, invalid, LANE_A1_PATH, EG_IFACE("Lane"), "OpenDoor", "ss", "side", "why");
        EXPECT(h, invalid, LANE_A1_PATH, EG_IFACE("Lane"), "OpenDoor", "ss", "entry", "");
        EXPECT(h, invalid, LANE_A1_PATH, EG_IFACE("Lane"), "Decide", "ss", "maybe", "why");
        EXPECT(h, invalid, LANE_A1_PATH, EG_IFACE("Lane"), "Abort", "s", "");

        /* Devices, claimed so that only the argument is wrong. */
        set_lane_mode(h, "manual");
        call_ok(h, reader, EG_IFACE("Device"), "Claim");
        call_ok(h, chip, EG_IFACE("Device"), "Claim");
        call_ok(h, finger, EG_IFACE("Device"), "Claim");
        call_ok(h, indicator, EG_IFACE("Device"), "Claim");
        call_ok(h, sensor, EG_IFACE("Device"), "Claim");
        call_ok(h, door, EG_IFACE("Device"), "Claim");

        EXPECT(h, invalid, reader, EG_IFACE("DocumentReader"), "CapturePage", "s", "purple");
        EXPECT(h, invalid, reader, EG_IFACE("DocumentReader"), "CapturePage", "s", "");
        {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

                assert_true(sd_bus_message_new_method_call(h->bus, &m, EG_NAME, chip,
                                                           EG_IFACE("ChipReader"),
                                                           "Transmit") >= 0);
                assert_true(sd_bus_message_append_array(m, 'y', short_apdu, sizeof(short_apdu)) >=
                            0);
                assert_true(sd_bus_call(h->bus, m, 0, &error, &reply) < 0);
                assert_string_equal(error.name, invalid);
                assert_non_null(strstr(error.message, "not 3"));
        }
        EXPECT(h, invalid, indicator, EG_IFACE("Indicator"), "Set", "ssbus", "purple", "steady", 0,
               0, "en");
        EXPECT(h, invalid, indicator, EG_IFACE("Indicator"), "Set", "ssbus", "red", "blink", 0, 0,
               "en");
        EXPECT(h, invalid, indicator, EG_IFACE("Indicator"), "Set", "ssbus", "red", "steady", 0, 0,
               "en\x01");
        EXPECT(h, invalid, finger, EG_IFACE("FingerprintScanner"), "Enroll", "s", "nose");
        EXPECT(h, invalid, finger, EG_IFACE("FingerprintScanner"), "Verify", "ayss", 0,
               "libfprint-fpi-data", "any");
        EXPECT(h, invalid, finger, EG_IFACE("FingerprintScanner"), "Verify", "ayss", 1, 0x42, "",
               "any");
        EXPECT(h, invalid, finger, EG_IFACE("FingerprintScanner"), "Verify", "ayss", 1, 0x42,
               "libfprint-fpi-data", "tail");
        EXPECT(h, invalid, sensor, EG_IFACE("PresenceSensor"), "Read", "s", "bad\tzone");
        EXPECT(h, invalid, door, EG_IFACE("Device"), "ForceRelease", "s", "");

        /* The refused calls did nothing to the devices. */
        assert_true(harness_egated_alive(h));
        harness_pass(h);
}

/* The audit trail's reading methods check their arguments in egated itself (egatectl checks
 * too, so only a direct call reaches these). */
static void test_audit_arguments(void **state) {
        struct harness *h = *state;
        const char *invalid = EG_ERROR("InvalidArgument"), *audit = "/org/egate/EGate1/Audit";
        _cleanup_(closep) int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        int pipe_fds[2], sockets[2];

        assert_true(devnull >= 0);
        assert_int_equal(pipe2(pipe_fds, O_CLOEXEC), 0);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets), 0);

        EXPECT(h, invalid, audit, EG_IFACE("Audit"), "List", "ttu", UINT64_C(5), UINT64_C(4), 0);
        EXPECT(h, invalid, audit, EG_IFACE("Audit"), "ListEvents", "ttus", UINT64_C(5), UINT64_C(4),
               0, "");
        EXPECT(h, invalid, audit, EG_IFACE("Audit"), "ListEvents", "ttus", UINT64_C(0), UINT64_C(0),
               0, "A1 0001");
        EXPECT(h, invalid, audit, EG_IFACE("Audit"), "ListEvents", "ttus", UINT64_C(0), UINT64_C(0),
               0, "A1-0001-A1-0001-A1-0001-A1-0001-A1-0001-A1");
        for (unsigned events = 0; events < 2; events++) {
                const char *member = events ? "ExportEvents" : "Export";

                /* Not a pipe or a regular file; the read end of a pipe; a range backwards. */
                EXPECT(h, invalid, audit, EG_IFACE("Audit"), member, "htt", devnull, UINT64_C(0),
                       UINT64_C(0));
                EXPECT(h, invalid, audit, EG_IFACE("Audit"), member, "htt", sockets[0], UINT64_C(0),
                       UINT64_C(0));
                EXPECT(h, invalid, audit, EG_IFACE("Audit"), member, "htt", pipe_fds[0],
                       UINT64_C(0), UINT64_C(0));
                EXPECT(h, invalid, audit, EG_IFACE("Audit"), member, "htt", pipe_fds[1],
                       UINT64_C(5), UINT64_C(4));
        }
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        close(sockets[0]);
        close(sockets[1]);
        assert_true(harness_egated_alive(h));
        harness_pass(h);
}

static void test_unknown_objects(void **state) {
        struct harness *h = *state;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *gone = NULL;
        char *value = NULL;
        const char *unknown = "org.freedesktop.DBus.Error.UnknownObject";

        assert_true(sd_bus_path_encode(EG_ROOT_PATH "/Device", "mock-A9-door", &gone) >= 0);
        EXPECT(h, unknown, gone, EG_IFACE("Device"), "Claim", "");
        EXPECT(h, unknown, gone, EG_IFACE("Door"), "Open", "");
        EXPECT(h, unknown, EG_ROOT_PATH "/Lane/B9", EG_IFACE("Lane"), "SetMode", "ss", "manual",
               "why");
        assert_true(sd_bus_get_property_string(h->bus, EG_NAME, gone, EG_IFACE("Device"), "State",
                                               &error, &value) < 0);
        assert_string_equal(error.name, unknown);
        harness_pass(h);
}

static void test_claims_and_transactions(void **state) {
        struct harness *h = *state;
        _cleanup_free_ char *door = device_path("A1-entry-door"), *message = NULL, *message2 = NULL;

        set_lane_mode(h, "manual");
        message = expect_error(h, EG_ERROR("NotClaimed"), door, EG_IFACE("Door"), "Open", "");
        assert_non_null(strstr(message, "mock-A1-entry-door"));
        EXPECT(h, EG_ERROR("NotClaimed"), door, EG_IFACE("Device"), "Release", "");
        EXPECT(h, EG_ERROR("NotClaimed"), door, EG_IFACE("Device"), "ForceRelease", "s", "why");
        EXPECT(h, EG_ERROR("NoTransaction"), LANE_A1_PATH, EG_IFACE("Lane"), "Decide", "ss",
               "accept", "why");
        EXPECT(h, EG_ERROR("NoTransaction"), LANE_A1_PATH, EG_IFACE("Lane"), "Abort", "s", "why");
        /* Leave by a caller that does not attend the lane; then attend twice and leave once. */
        message2 =
                expect_error(h, EG_ERROR("NotFound"), LANE_A1_PATH, EG_IFACE("Lane"), "Leave", "");
        assert_non_null(strstr(message2, "does not attend lane A1"));
        call_ok(h, LANE_A1_PATH, EG_IFACE("Lane"), "Attend");
        call_ok(h, LANE_A1_PATH, EG_IFACE("Lane"), "Attend");
        call_ok(h, LANE_A1_PATH, EG_IFACE("Lane"), "Leave");
        EXPECT(h, EG_ERROR("NotFound"), LANE_A1_PATH, EG_IFACE("Lane"), "Leave", "");
        free(message);
        message = get_string_property(h->bus, door, EG_IFACE("Door"), "Position");
        assert_string_equal(message, "closed");
        harness_pass(h);
}

/* A door operation that never answers ends with Timeout at the configured deadline. */
static void test_timeout(void **state) {
        struct harness *h = *state;
        _cleanup_free_ char *door = device_path("A1-entry-door"), *message = NULL;
        uint64_t start, elapsed;

        set_lane_mode(h, "manual");
        call_ok(h, door, EG_IFACE("Device"), "Claim");
        free(harness_mock(h, "fault A1-entry-door door-close hang"));
        start = now_usec();
        message = expect_error(h, EG_ERROR("Timeout"), door, EG_IFACE("Door"), "Close", "");
        elapsed = now_usec() - start;
        assert_true(elapsed >= (TEST_OPERATION_TIMEOUT_MS - 50) * USEC_PER_MSEC);
        assert_true(elapsed < 5 * USEC_PER_SEC);
        assert_non_null(strstr(message, "timed out after 500 ms"));
        assert_true(harness_egated_alive(h));
        harness_pass(h);
}

/* The same through the lane's operator override, which takes no claim. */
static void test_timeout_open_door_override(void **state) {
        struct harness *h = *state;
        _cleanup_free_ char *message = NULL;

        free(harness_mock(h, "fault A1-exit-door door-open hang"));
        message = expect_error(h, EG_ERROR("Timeout"), LANE_A1_PATH, EG_IFACE("Lane"), "OpenDoor",
                               "ss", "exit", "test: stuck exit door");
        assert_non_null(strstr(message, "timed out"));
        assert_true(harness_log_contains(h, "operator override: open exit door"));
        harness_pass(h);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_invalid_arguments, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_audit_arguments, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_unknown_objects, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_claims_and_transactions, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_timeout, harness_setup, harness_teardown),
                cmocka_unit_test_setup_teardown(test_timeout_open_door_override, harness_setup,
                                                harness_teardown),
        };
        int r = harness_init_process();

        if (r != 0)
                return r;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
