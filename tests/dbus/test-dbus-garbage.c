/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Garbage calls are answered with errors and egated keeps running: wrong
 * signatures, 1 MiB strings, invalid UTF-8 (the bus drops the sender),
 * objects that do not exist, unknown interfaces and members, calls without
 * an interface. root's calls pass the policy, so they reach egated.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "dbus-harness.h"
#include "macro.h"

#define HUGE_SIZE (1024 * 1024)

static void assert_still_serving(struct harness *h) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *manager_state = NULL, *position = NULL,
                            *door = device_path("A1-entry-door");
        sd_bus *fresh = harness_connect(h);

        assert_true(harness_egated_alive(h));
        assert_non_null(fresh);
        assert_true(sd_bus_call_method(fresh, EG_NAME, EG_ROOT_PATH, "org.freedesktop.DBus.Peer",
                                       "Ping", &error, NULL, NULL) >= 0);
        sd_bus_flush_close_unref(fresh);
        manager_state = get_string_property(h->bus, EG_ROOT_PATH, EG_IFACE("Manager"), "State");
        assert_string_equal(manager_state, "running");
        /* Nothing moved. */
        position = get_string_property(h->bus, door, EG_IFACE("Door"), "Position");
        assert_string_equal(position, "closed");
}

/* Send a call built by `build` (it appends the arguments) and return the error name. */
static char *garbage_call(sd_bus *bus, const char *path, const char *iface, const char *member,
                          int (*build)(sd_bus_message *m, void *userdata), void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        assert_true(sd_bus_message_new_method_call(bus, &m, EG_NAME, path, iface, member) >= 0);
        if (build)
                assert_true(build(m, userdata) >= 0);
        r = sd_bus_call(bus, m, 10 * USEC_PER_SEC, &error, &reply);
        if (r >= 0) {
                fprintf(stderr, "%s.%s on %s succeeded\n", strna(iface), member, path);
                fail();
        }
        return strdup(error.name ? error.name : "(none)");
}

static int append_types(sd_bus_message *m, void *userdata) {
        const char *const *spec = userdata; /* types, then one string value */

        if (strcmp(spec[0], "s") == 0)
                return sd_bus_message_append(m, "s", spec[1]);
        if (strcmp(spec[0], "u") == 0)
                return sd_bus_message_append(m, "u", 7);
        if (strcmp(spec[0], "uu") == 0)
                return sd_bus_message_append(m, "uu", 7, 8);
        if (strcmp(spec[0], "sss") == 0)
                return sd_bus_message_append(m, "sss", spec[1], spec[1], spec[1]);
        if (strcmp(spec[0], "as") == 0)
                return sd_bus_message_append(m, "as", 1, spec[1]);
        return -EINVAL;
}

static void expect_error_name(char *got, const char *want) {
        if (strcmp(got, want) != 0)
                fprintf(stderr, "expected %s, got %s\n", want, got);
        assert_string_equal(got, want);
        free(got);
}

static void test_wrong_signatures(void **state) {
        struct harness *h = *state;
        _cleanup_free_ char *door = device_path("A1-entry-door"),
                            *chip = device_path("A1-chip-reader");
        const char *invalid_args = "org.freedesktop.DBus.Error.InvalidArgs";
        static const char *const extra_string[] = { "s", "surprise" };
        static const char *const number[] = { "u", NULL };
        static const char *const two_numbers[] = { "uu", NULL };
        static const char *const three_strings[] = { "sss", "x" };
        static const char *const string_array[] = { "as", "x" };

        set_lane_mode(h, "manual");
        expect_error_name(garbage_call(h->bus, door, EG_IFACE("Door"), "Open", append_types,
                                       (void *) extra_string),
                          invalid_args);
        expect_error_name(garbage_call(h->bus, LANE_A1_PATH, EG_IFACE("Lane"), "SetMode",
                                       append_types, (void *) two_numbers),
                          invalid_args);
        expect_error_name(garbage_call(h->bus, LANE_A1_PATH, EG_IFACE("Lane"), "SetMode",
                                       append_types, (void *) three_strings),
                          invalid_args);
        expect_error_name(garbage_call(h->bus, LANE_A1_PATH, EG_IFACE("Lane"), "Abort",
                                       append_types, (void *) number),
                          invalid_args);
        expect_error_name(garbage_call(h->bus, chip, EG_IFACE("ChipReader"), "Transmit",
                                       append_types, (void *) string_array),
                          invalid_args);
        expect_error_name(garbage_call(h->bus, door, "org.freedesktop.DBus.Properties", "Get",
                                       append_types, (void *) extra_string),
                          invalid_args);
        expect_error_name(
                garbage_call(h->bus, door, EG_IFACE("Device"), "ForceRelease", NULL, NULL),
                invalid_args);
        assert_still_serving(h);
        harness_pass(h);
}

static void test_huge_strings(void **state) {
        struct harness *h = *state;
        _cleanup_free_ char *huge = malloc(HUGE_SIZE + 1), *door = device_path("A1-entry-door"),
                            *reader = device_path("A1-document-reader");
        const char *invalid = EG_ERROR("InvalidArgument");
        const char *reason_args[] = { "s", NULL };

        assert_non_null(huge);
        memset(huge, 'a', HUGE_SIZE);
        huge[HUGE_SIZE] = '\0';
        reason_args[1] = huge;

        expect_error_name(garbage_call(h->bus, door, EG_IFACE("Device"), "ForceRelease",
                                       append_types, reason_args),
                          invalid);
        expect_error_name(garbage_call(h->bus, LANE_A1_PATH, EG_IFACE("Lane"), "Abort",
                                       append_types, reason_args),
                          invalid);
        expect_error_name(garbage_call(h->bus, reader, EG_IFACE("DocumentReader"), "CapturePage",
                                       append_types, reason_args),
                          invalid);
        {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

                assert_true(sd_bus_call_method(h->bus, EG_NAME, LANE_A1_PATH, EG_IFACE("Lane"),
                                               "SetMode", &error, NULL, "ss", huge, "why") < 0);
                assert_string_equal(error.name, invalid);
                sd_bus_error_free(&error);
                assert_true(sd_bus_call_method(h->bus, EG_NAME, LANE_A1_PATH, EG_IFACE("Lane"),
                                               "SetMode", &error, NULL, "ss", "manual", huge) < 0);
                assert_string_equal(error.name, invalid);
                sd_bus_error_free(&error);
                assert_true(sd_bus_call_method(h->bus, EG_NAME, EG_ROOT_PATH,
                                               "org.freedesktop.DBus.Properties", "Get", &error,
                                               NULL, "ss", huge, "Version") < 0);
                assert_string_equal(error.name, "org.freedesktop.DBus.Error.UnknownProperty");
        }
        assert_still_serving(h);
        /* The 1 MiB text was not logged. */
        assert_false(harness_log_contains(h, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        harness_pass(h);
}

/* sd-bus refuses to append invalid UTF-8, so write the bytes into reserved space. */
static int append_invalid_utf8(sd_bus_message *m, void *userdata) {
        char *space = NULL;
        int r = sd_bus_message_append_string_space(m, 4, &space);

        if (r < 0)
                return r;
        memcpy(space, "\xc3\x28\xff\xfe", 4);
        return 0;
}

static void test_invalid_utf8_refused_by_bus(void **state) {
        struct harness *h = *state;
        _cleanup_free_ char *door = device_path("A1-entry-door");
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus *bus = harness_connect(h);
        int r;

        assert_non_null(bus);
        assert_true(sd_bus_message_new_method_call(bus, &m, EG_NAME, door, EG_IFACE("Device"),
                                                   "ForceRelease") >= 0);
        assert_true(append_invalid_utf8(m, NULL) >= 0);
        r = sd_bus_call(bus, m, 5 * USEC_PER_SEC, &error, &reply);
        /* The bus validates every message and drops a sender of a broken one. */
        if (r != -ECONNRESET && r != -ENOTCONN)
                fprintf(stderr, "invalid UTF-8: %d %s %s\n", r, strerror(-r), strna(error.name));
        assert_true(r == -ECONNRESET || r == -ENOTCONN);
        assert_true(sd_bus_is_open(bus) <= 0);
        sd_bus_flush_close_unref(bus);
        assert_false(harness_log_contains(h, "force-released"));
        assert_still_serving(h);
        harness_pass(h);
}

static void test_objects_that_do_not_exist(void **state) {
        struct harness *h = *state;
        static const char *const paths[] = {
                "/",
                "/org",
                "/org/egate/EGate1/Device",
                "/org/egate/EGate1/Device/_00",
                "/org/egate/EGate1/Device/_zz",
                "/org/egate/EGate1/Device/mock_2dA1_2dcamera/child",
                "/org/egate/EGate1/Device/mock_2dA1_2dcamera/_2e_2e",
                "/org/egate/EGate1/Lane/_",
                "/org/egate/EGate1/Lane/A1/Device",
                "/org/egate/EGate1Device",
                "/org/egate/EGate2",
        };

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                char *name =
                        garbage_call(h->bus, paths[i], EG_IFACE("Device"), "Claim", NULL, NULL);

                if (strcmp(name, "org.freedesktop.DBus.Error.UnknownObject") != 0 &&
                    strcmp(name, "org.freedesktop.DBus.Error.UnknownMethod") != 0) {
                        fprintf(stderr, "%s: %s\n", paths[i], name);
                        fail();
                }
                free(name);
                name = garbage_call(h->bus, paths[i], EG_IFACE("Lane"), "SetMode", NULL, NULL);
                assert_true(strncmp(name, "org.freedesktop.DBus.Error.", 27) == 0);
                free(name);
        }
        assert_still_serving(h);
        harness_pass(h);
}

static void test_unknown_members(void **state) {
        struct harness *h = *state;
        _cleanup_free_ char *door = device_path("A1-entry-door");
        struct call_result r = {};
        const char *unknown_method = "org.freedesktop.DBus.Error.UnknownMethod";

        set_lane_mode(h, "manual");
        expect_error_name(garbage_call(h->bus, door, EG_IFACE("Nope"), "Open", NULL, NULL),
                          unknown_method);
        expect_error_name(garbage_call(h->bus, door, EG_IFACE("Door"), "Explode", NULL, NULL),
                          unknown_method);
        /* A Door member on a device of another class. */
        {
                _cleanup_free_ char *camera = device_path("A1-camera");
                expect_error_name(
                        garbage_call(h->bus, camera, EG_IFACE("Door"), "Open", NULL, NULL),
                        unknown_method);
        }
        expect_error_name(
                garbage_call(h->bus, door, "org.freedesktop.DBus.Properties", "Set", NULL, NULL),
                "org.freedesktop.DBus.Error.InvalidArgs");
        /* No interface at all: never guessed, even for a member only Door has. */
        {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                char *name;

                assert_true(sd_bus_call_method(h->bus, EG_NAME, door, EG_IFACE("Device"), "Claim",
                                               &error, NULL, NULL) >= 0);
                name = garbage_call(h->bus, door, NULL, "Open", NULL, NULL);
                assert_true(strncmp(name, "org.freedesktop.DBus.Error.", 27) == 0);
                free(name);
        }
        /* Through the policy, an operator's interface-less call is the bus's to refuse. */
        harness_call_as(h, UID_OPERATOR, door, NULL, "Open", "", &r);
        assert_false(r.ok);
        assert_string_equal(r.error_name, BUS_ACCESS_DENIED);
        assert_still_serving(h);
        harness_pass(h);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_wrong_signatures, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_huge_strings, harness_setup, harness_teardown),
                cmocka_unit_test_setup_teardown(test_invalid_utf8_refused_by_bus, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_objects_that_do_not_exist, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_unknown_members, harness_setup,
                                                harness_teardown),
        };
        int r = harness_init_process();

        if (r != 0)
                return r;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
