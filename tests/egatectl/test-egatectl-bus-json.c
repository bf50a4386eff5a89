/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * egatectl's reading of D-Bus values into its JSON model, and what D-Bus
 * errors mean for its exit status.  Messages are built and sealed on a
 * socketpair that nothing answers: no bus, no daemon.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "bus-errors.h"
#include "bus-json.h"
#include "egatectl-bus.h"
#include "egatectl.h"
#include "output.h"

struct egctl_options arg;

static sd_bus *bus;
static int peer_fd = -1;

/* sd-bus builds messages only on an open bus: one end of a socketpair will do. */
static int setup(void **state) {
        int fds[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        assert_int_equal(sd_bus_new(&bus), 0);
        assert_int_equal(sd_bus_set_fd(bus, fds[0], fds[0]), 0);
        assert_int_equal(sd_bus_start(bus), 0);
        peer_fd = fds[1];
        assert_int_equal(eg_bus_errors_register(), 0);
        return 0;
}

static int teardown(void **state) {
        bus = sd_bus_close_unref(bus);
        (void) close(peer_fd);
        return 0;
}

/* A sealed message holding what append() put in, ready to read. */
static sd_bus_message *sealed(int (*append)(sd_bus_message *m)) {
        static uint64_t cookie = 1;
        sd_bus_message *m = NULL;

        assert_int_equal(
                sd_bus_message_new_signal(bus, &m, "/org/egate/EGate1", "org.egate.Test", "Test"),
                0);
        assert_true(append(m) >= 0);
        assert_int_equal(sd_bus_message_seal(m, cookie++, 0), 0);
        assert_true(sd_bus_message_rewind(m, true) >= 0);
        return m;
}

static void test_snake_case(void **state) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "Id", "id" },
                { "ApiVersion", "api_version" },
                { "NotReadyReason", "not_ready_reason" },
                { "LockState", "lock_state" },
                { "DocumentPresent", "document_present" },
                { "ClaimedBy", "claimed_by" },
                { "already_snake", "already_snake" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *s = snake_case(cases[i].in);
                assert_string_equal(s, cases[i].out);
        }
}

static int append_manager(sd_bus_message *m) {
        return sd_bus_message_append(
                m, "a{sv}", 5, "Version", "s", "0.1.0", "ApiVersion", "u", 1, "Plugins",
                "a(ssssss)", 2, "mock", "0.1.0", "egate", "1.0", "active", "", "bad.so", "", "", "",
                "refused", "not an ELF file", "Lanes", "ao", 1, "/org/egate/EGate1/Lane/A1",
                "Devices", "ao", 2, "/org/egate/EGate1/Device/mock_2dA1_2dentry_2ddoor",
                "/org/elsewhere");
}

static void test_manager_properties(void **state) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = sealed(append_manager);
        _cleanup_(json_object_putp) json_object *props = NULL;
        json_object *plugins, *p, *devices;

        assert_int_equal(bus_read_properties(m, "org.egate.EGate1.Manager", &props), 0);
        assert_string_equal(json_string_member(props, "version"), "0.1.0");
        assert_string_equal(json_string_member(props, "api_version"), "1");

        /* The plugin structs become objects with names. */
        assert_true(json_object_object_get_ex(props, "plugins", &plugins));
        assert_int_equal(json_object_array_length(plugins), 2);
        p = json_object_array_get_idx(plugins, 1);
        assert_string_equal(json_string_member(p, "name"), "bad.so");
        assert_string_equal(json_string_member(p, "state"), "refused");
        assert_string_equal(json_string_member(p, "reason"), "not an ELF file");

        /* Paths of ours become ids; anything else stays as it came. */
        assert_true(json_object_object_get_ex(props, "devices", &devices));
        assert_string_equal(json_object_get_string(json_object_array_get_idx(devices, 0)),
                            "mock-A1-entry-door");
        assert_string_equal(json_object_get_string(json_object_array_get_idx(devices, 1)),
                            "/org/elsewhere");
}

static int append_lane_interfaces(sd_bus_message *m) {
        return sd_bus_message_append(
                m, "oa{sa{sv}}", "/org/egate/EGate1/Lane/A1", 2, "org.freedesktop.DBus.Peer", 0,
                "org.egate.EGate1.Lane", 4, "Name", "s", "A1", "Ready", "b", 1, "Transactions", "t",
                UINT64_C(18446744073709551615), "Devices", "a(so)", 1, "entry-door",
                "/org/egate/EGate1/Device/mock_2dA1_2dentry_2ddoor");
}

static void test_lane_interfaces(void **state) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = sealed(append_lane_interfaces);
        _cleanup_(json_object_putp) json_object *lane = NULL;
        const char *path, *kind = NULL;
        json_object *devices, *entry, *transactions;

        assert_int_equal(sd_bus_message_read(m, "o", &path), 1);
        assert_int_equal(bus_read_interfaces(m, path, &kind, &lane), 0);
        assert_string_equal(kind, "lane");
        assert_string_equal(json_string_member(lane, "name"), "A1");
        assert_true(json_bool_member(lane, "ready"));
        assert_true(json_object_object_get_ex(lane, "transactions", &transactions));
        assert_true(json_object_get_uint64(transactions) == UINT64_MAX);
        assert_true(json_object_object_get_ex(lane, "devices", &devices));
        entry = json_object_array_get_idx(devices, 0);
        assert_string_equal(json_string_member(entry, "role"), "entry-door");
        assert_string_equal(json_string_member(entry, "device"), "mock-A1-entry-door");
}

static int append_device_interfaces(sd_bus_message *m) {
        return sd_bus_message_append(
                m, "oa{sa{sv}}", "/org/egate/EGate1/Device/mock_2dA1_2dentry_2ddoor", 2,
                "org.egate.EGate1.Door", 2, "Position", "s", "open", "Forced", "b", 0,
                "org.egate.EGate1.Device", 3, "Id", "s", "mock-A1-entry-door", "Health", "a{sv}", 2,
                "operations", "t", UINT64_C(7), "last-fault", "s", "", "State", "s", "online");
}

static void test_device_interfaces(void **state) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = sealed(append_device_interfaces);
        _cleanup_(json_object_putp) json_object *device = NULL;
        json_object *class_props, *health;
        const char *path, *kind = NULL;

        assert_int_equal(sd_bus_message_read(m, "o", &path), 1);
        assert_int_equal(bus_read_interfaces(m, path, &kind, &device), 0);
        assert_string_equal(kind, "device");
        assert_string_equal(json_string_member(device, "id"), "mock-A1-entry-door");
        assert_string_equal(json_string_member(device, "state"), "online");
        /* Keys that are data keep their spelling. */
        assert_true(json_object_object_get_ex(device, "health", &health));
        assert_string_equal(json_string_member(health, "operations"), "7");
        assert_true(json_object_object_get_ex(health, "last-fault", NULL));
        /* The class interface's properties, apart. */
        assert_true(json_object_object_get_ex(device, "class_properties", &class_props));
        assert_string_equal(json_string_member(class_props, "position"), "open");
        assert_false(json_bool_member(class_props, "forced"));
}

static int append_foreign(sd_bus_message *m) {
        return sd_bus_message_append(m, "oa{sa{sv}}", "/org/egate/EGate1/Other", 1,
                                     "org.egate.EGate1.Other", 1, "X", "s", "y");
}

static void test_foreign_object(void **state) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = sealed(append_foreign);
        _cleanup_(json_object_putp) json_object *o = NULL;
        const char *path, *kind = "unset";

        assert_int_equal(sd_bus_message_read(m, "o", &path), 1);
        assert_int_equal(bus_read_interfaces(m, path, &kind, &o), 0);
        assert_null(kind);
        assert_null(o);
}

static int append_mixed(sd_bus_message *m) {
        return sd_bus_message_append(m, "ynqixdgv(sb)a{ix}ay", 200, -3, 65535, -70000,
                                     INT64_C(-9000000000), 0.5, "a{sv}", "s", "inner", "beam", 1, 1,
                                     42, INT64_C(-1), 2, 0xde, 0xad);
}

static void test_value_types(void **state) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = sealed(append_mixed);
        _cleanup_(json_object_putp) json_object *values = json_object_new_array();
        _cleanup_free_ char *text = NULL;

        while (sd_bus_message_peek_type(m, NULL, NULL) > 0) {
                json_object *v = NULL;

                assert_int_equal(bus_read_value(m, &v), 0);
                json_object_array_add(values, v);
        }
        text = strdup(json_object_to_json_string_ext(values, JSON_C_TO_STRING_PLAIN));
        assert_string_equal(text, "[200,-3,65535,-70000,-9000000000,0.5,\"a{sv}\",\"inner\","
                                  "[\"beam\",true],{\"42\":-1},[222,173]]");
}

static int exit_status_of(const char *name) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

        sd_bus_error_set(&e, name, "message");
        return egctl_exit_status(&e, -EIO);
}

static void test_exit_status(void **state) {
        static const struct {
                const char *name;
                int status;
        } cases[] = {
                { "org.egate.EGate1.Error.NotFound", EGCTL_EXIT_NOT_FOUND },
                { "org.freedesktop.DBus.Error.UnknownObject", EGCTL_EXIT_NOT_FOUND },
                { "org.egate.EGate1.Error.PermissionDenied", EGCTL_EXIT_PERMISSION },
                { "org.freedesktop.DBus.Error.AccessDenied", EGCTL_EXIT_PERMISSION },
                { "org.egate.EGate1.Error.Busy", EGCTL_EXIT_BUSY },
                { "org.egate.EGate1.Error.AlreadyClaimed", EGCTL_EXIT_BUSY },
                { "org.egate.EGate1.Error.NotClaimed", EGCTL_EXIT_BUSY },
                { "org.egate.EGate1.Error.DeviceFailed", EGCTL_EXIT_DEVICE },
                { "org.egate.EGate1.Error.Timeout", EGCTL_EXIT_DEVICE },
                { "org.egate.EGate1.Error.NoMedia", EGCTL_EXIT_DEVICE },
                { "org.egate.EGate1.Error.TryAgain", EGCTL_EXIT_DEVICE },
                { "org.egate.EGate1.Error.Cancelled", EGCTL_EXIT_DEVICE },
                { "org.freedesktop.DBus.Error.NoReply", EGCTL_EXIT_DEVICE },
                { "org.freedesktop.DBus.Error.ServiceUnknown", EGCTL_EXIT_NOT_RUNNING },
                { "org.freedesktop.DBus.Error.NameHasNoOwner", EGCTL_EXIT_NOT_RUNNING },
                { "org.egate.EGate1.Error.InvalidArgument", EGCTL_EXIT_USAGE },
                { "org.freedesktop.DBus.Error.InvalidArgs", EGCTL_EXIT_USAGE },
                { "org.egate.EGate1.Error.NoTransaction", EGCTL_EXIT_FAILURE },
                { "org.egate.EGate1.Error.NotSupported", EGCTL_EXIT_FAILURE },
                { "org.egate.EGate1.Error.ShuttingDown", EGCTL_EXIT_FAILURE },
                /* The same failures as errnos, however egated happened to spell them. */
                { "System.Error.ENOMSG", EGCTL_EXIT_DEVICE },
                { "System.Error.ENODEV", EGCTL_EXIT_NOT_FOUND },
                { "System.Error.EBUSY", EGCTL_EXIT_BUSY },
                { "System.Error.ENOLCK", EGCTL_EXIT_BUSY },
                { "System.Error.ECANCELED", EGCTL_EXIT_DEVICE },
                { "org.freedesktop.DBus.Error.IOError", EGCTL_EXIT_DEVICE },
                { "org.freedesktop.DBus.Error.Timeout", EGCTL_EXIT_DEVICE },
                { "com.example.Unheard.Of", EGCTL_EXIT_FAILURE },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                print_message("%s\n", cases[i].name);
                assert_int_equal(exit_status_of(cases[i].name), cases[i].status);
        }
        /* Local failures, without a name. */
        assert_int_equal(egctl_exit_status(NULL, -ETIMEDOUT), EGCTL_EXIT_DEVICE);
        assert_int_equal(egctl_exit_status(NULL, -ECONNRESET), EGCTL_EXIT_NOT_RUNNING);
        assert_int_equal(egctl_exit_status(NULL, -ENOMEM), EGCTL_EXIT_FAILURE);
}

static void test_paths(void **state) {
        _cleanup_free_ char *device = egctl_device_path("mock-A1-entry-door");
        _cleanup_free_ char *lane = egctl_lane_path("A1");
        _cleanup_free_ char *back = egctl_path_to_name("/org/egate/EGate1/Device", device);
        _cleanup_free_ char *other = egctl_path_to_name("/org/egate/EGate1/Device", lane);

        assert_string_equal(device, "/org/egate/EGate1/Device/mock_2dA1_2dentry_2ddoor");
        assert_string_equal(lane, "/org/egate/EGate1/Lane/A1");
        assert_string_equal(back, "mock-A1-entry-door");
        assert_null(other);
        assert_string_equal(egctl_class_interface("door"), "org.egate.EGate1.Door");
        assert_string_equal(egctl_class_interface("fingerprint-scanner"),
                            "org.egate.EGate1.FingerprintScanner");
        assert_null(egctl_class_interface("toaster"));
        assert_null(egctl_class_interface(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_snake_case),      cmocka_unit_test(test_manager_properties),
                cmocka_unit_test(test_lane_interfaces), cmocka_unit_test(test_device_interfaces),
                cmocka_unit_test(test_foreign_object),  cmocka_unit_test(test_value_types),
                cmocka_unit_test(test_exit_status),     cmocka_unit_test(test_paths),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
