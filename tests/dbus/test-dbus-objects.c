/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The object tree egated publishes for the mock lane, and its introspection against the
 * contract in dbus/org.egate.EGate1.*.xml. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <setjmp.h>
#include <cmocka.h>

#include "dbus-harness.h"
#include "egate/plugin.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define SDK_ABI STR(EG_SDK_ABI_MAJOR) "." STR(EG_SDK_ABI_MINOR)
#include "macro.h"

static const struct expected_device {
        const char *key, *device_class, *iface, *role;
} devices[] = {
        { "A1-document-reader", "document-reader", EG_IFACE("DocumentReader"), "document-reader" },
        { "A1-chip-reader", "chip-reader", EG_IFACE("ChipReader"), "chip-reader" },
        { "A1-fingerprint-scanner", "fingerprint-scanner", EG_IFACE("FingerprintScanner"),
          "fingerprint-scanner" },
        { "A1-camera", "camera", EG_IFACE("Camera"), "camera" },
        { "A1-entry-door", "door", EG_IFACE("Door"), "entry-door" },
        { "A1-exit-door", "door", EG_IFACE("Door"), "exit-door" },
        { "A1-presence-sensor", "presence-sensor", EG_IFACE("PresenceSensor"), "presence-sensor" },
        { "A1-indicator", "indicator", EG_IFACE("Indicator"), "indicator" },
};

static char **read_object_list(sd_bus *bus, const char *property) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        char **list = NULL;

        assert_true(sd_bus_get_property_strv(bus, EG_NAME, EG_ROOT_PATH, EG_IFACE("Manager"),
                                             property, &error, &list) >= 0);
        return list;
}

static size_t strv_count(char **l) {
        size_t n = 0;

        while (l && l[n])
                n++;
        return n;
}

static bool strv_has(char **l, const char *s) {
        for (; l && *l; l++)
                if (strcmp(*l, s) == 0)
                        return true;
        return false;
}

static void strv_release(char **l) {
        for (char **i = l; i && *i; i++)
                free(*i);
        free(l);
}

static void test_manager_properties(void **state) {
        struct harness *h = *state;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *version = NULL, *mgr_state = NULL;
        const char *name, *plugin_version, *vendor, *abi, *plugin_state, *reason;
        char **lanes = read_object_list(h->bus, "Lanes");
        uint32_t api = 0;
        bool mock_active = false;

        version = get_string_property(h->bus, EG_ROOT_PATH, EG_IFACE("Manager"), "Version");
        assert_string_equal(version, "0.1.0");
        assert_true(sd_bus_get_property_trivial(h->bus, EG_NAME, EG_ROOT_PATH, EG_IFACE("Manager"),
                                                "ApiVersion", &error, 'u', &api) >= 0);
        assert_int_equal(api, 1);
        mgr_state = get_string_property(h->bus, EG_ROOT_PATH, EG_IFACE("Manager"), "State");
        assert_string_equal(mgr_state, "running");

        assert_int_equal(strv_count(lanes), 1);
        assert_string_equal(lanes[0], LANE_A1_PATH);
        strv_release(lanes);

        assert_true(sd_bus_get_property(h->bus, EG_NAME, EG_ROOT_PATH, EG_IFACE("Manager"),
                                        "Plugins", &error, &reply, "a(ssssss)") >= 0);
        assert_true(sd_bus_message_enter_container(reply, 'a', "(ssssss)") >= 0);
        while (sd_bus_message_read(reply, "(ssssss)", &name, &plugin_version, &vendor, &abi,
                                   &plugin_state, &reason) > 0)
                if (strcmp(name, "mock") == 0) {
                        assert_string_equal(plugin_state, "active");
                        /* the SDK ABI the mock is built for: this tree's */
                        assert_string_equal(abi, SDK_ABI);
                        assert_string_equal(reason, "");
                        mock_active = true;
                }
        assert_true(mock_active);
        harness_pass(h);
}

/*
 * A plugin's refusal reason may quote a path, and a file name is whatever landed in the
 * directory: a second copy of the mock under a name that is not UTF-8, scanned first, makes
 * the real mock.so a duplicate "already provided by" that name.  Plugins must still be
 * readable, and with it the rest of the Manager.
 */
static char *odd_plugin_dir;

static int setup_odd_plugin_name(void **state) {
        char template[] = "/tmp/egate-dbus-plugins-XXXXXX";
        const char *build = getenv("EGATE_BUILD_ROOT");
        _cleanup_free_ char *from = NULL, *to = NULL, *command = NULL;
        struct harness_options o = {};

        assert_non_null(build);
        assert_non_null(mkdtemp(template));
        assert_int_equal(chmod(template, 0755), 0);
        odd_plugin_dir = strdup(template);
        assert_non_null(odd_plugin_dir);
        assert_true(asprintf(&from, "%s/plugins/mock/mock.so", build) > 0);
        assert_true(asprintf(&to, "%s/a\xff\xfe.so", odd_plugin_dir) > 0);
        assert_true(asprintf(&command, "cp '%s' \"$(printf '%s')\"", from, to) > 0);
        assert_int_equal(system(command), 0);
        o.extra_plugin_dir = odd_plugin_dir;
        *state = harness_start(&o);
        return 0;
}

static int teardown_odd_plugin_name(void **state) {
        _cleanup_free_ char *command = NULL;

        harness_teardown(state);
        assert_true(asprintf(&command, "rm -rf '%s'", odd_plugin_dir) > 0);
        (void) system(command);
        free(odd_plugin_dir);
        odd_plugin_dir = NULL;
        return 0;
}

static void test_plugin_reason_not_text(void **state) {
        struct harness *h = *state;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name, *plugin_version, *vendor, *abi, *plugin_state, *reason;
        _cleanup_free_ char *mgr_state = NULL;
        bool duplicate_seen = false;
        int r;

        r = sd_bus_get_property(h->bus, EG_NAME, EG_ROOT_PATH, EG_IFACE("Manager"), "Plugins",
                                &error, &reply, "a(ssssss)");
        if (r < 0)
                fprintf(stderr, "Plugins: %s: %s\n", error.name, error.message);
        assert_true(r >= 0);
        assert_true(sd_bus_message_enter_container(reply, 'a', "(ssssss)") >= 0);
        while (sd_bus_message_read(reply, "(ssssss)", &name, &plugin_version, &vendor, &abi,
                                   &plugin_state, &reason) > 0)
                /* The duplicate is refused; its reason names the other file, which no
                 * reply can carry: the log has it. */
                if (strcmp(name, "mock") == 0 && strcmp(plugin_state, "refused") == 0 &&
                    strstr(reason, "not printable"))
                        duplicate_seen = true;
        assert_true(duplicate_seen);
        mgr_state = get_string_property(h->bus, EG_ROOT_PATH, EG_IFACE("Manager"), "State");
        assert_string_equal(mgr_state, "running");
        assert_true(harness_log_contains(h, "duplicate plugin name 'mock'"));
        harness_pass(h);
}

/* Every device of the scenario, with Device and its one class interface, in lane A1. */
static void test_device_objects(void **state) {
        struct harness *h = *state;
        char **listed = read_object_list(h->bus, "Devices");

        assert_int_equal(strv_count(listed), ELEMENTSOF(devices));
        for (size_t i = 0; i < ELEMENTSOF(devices); i++) {
                const struct expected_device *d = &devices[i];
                _cleanup_free_ char *path = device_path(d->key), *id = NULL, *cls = NULL,
                                    *lane = NULL, *role = NULL, *dev_state = NULL, *claimed = NULL,
                                    *plugin = NULL, *expected_id = NULL;

                assert_true(strv_has(listed, path));
                assert_true(asprintf(&expected_id, "mock-%s", d->key) > 0);
                id = get_string_property(h->bus, path, EG_IFACE("Device"), "Id");
                assert_string_equal(id, expected_id);
                cls = get_string_property(h->bus, path, EG_IFACE("Device"), "Class");
                assert_string_equal(cls, d->device_class);
                plugin = get_string_property(h->bus, path, EG_IFACE("Device"), "Plugin");
                assert_string_equal(plugin, "mock");
                lane = get_string_property(h->bus, path, EG_IFACE("Device"), "Lane");
                assert_string_equal(lane, "A1");
                role = get_string_property(h->bus, path, EG_IFACE("Device"), "Role");
                assert_string_equal(role, d->role);
                dev_state = get_string_property(h->bus, path, EG_IFACE("Device"), "State");
                assert_string_equal(dev_state, "online");
                claimed = get_string_property(h->bus, path, EG_IFACE("Device"), "ClaimedBy");
                assert_string_equal(claimed, "");
        }
        strv_release(listed);
        harness_pass(h);
}

/* The daemon's singleton objects besides the root, each with its one interface. */
static const struct {
        const char *path;
        const char *iface;
} singletons[] = {
        { EG_ROOT_PATH "/Registry", EG_IFACE("Registry") },
        { EG_ROOT_PATH "/Audit", EG_IFACE("Audit") }, /* AUDIT */
};

/* GetManagedObjects: exactly the devices (Device + their class interface), the lane and the
 * singletons. */
static void test_managed_objects(void **state) {
        struct harness *h = *state;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        bool seen[ELEMENTSOF(devices)] = {}, lane_seen = false;
        bool singleton_seen[ELEMENTSOF(singletons)] = {};
        const char *path;

        assert_true(sd_bus_call_method(h->bus, EG_NAME, EG_ROOT_PATH,
                                       "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                       &error, &reply, NULL) >= 0);
        assert_true(sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}") >= 0);
        while (sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") > 0) {
                char ifaces[4][128] = {};
                size_t n_ifaces = 0;
                const char *iface;
                ssize_t which = -1;

                assert_true(sd_bus_message_read(reply, "o", &path) > 0);
                assert_true(sd_bus_message_enter_container(reply, 'a', "{sa{sv}}") >= 0);
                while (sd_bus_message_enter_container(reply, 'e', "sa{sv}") > 0) {
                        assert_true(sd_bus_message_read(reply, "s", &iface) > 0);
                        if (strncmp(iface, "org.freedesktop.DBus.", 21) != 0) {
                                assert_true(n_ifaces < 4);
                                snprintf(ifaces[n_ifaces++], sizeof(ifaces[0]), "%s", iface);
                        }
                        assert_true(sd_bus_message_skip(reply, "a{sv}") >= 0);
                        assert_true(sd_bus_message_exit_container(reply) >= 0);
                }
                assert_true(sd_bus_message_exit_container(reply) >= 0);
                assert_true(sd_bus_message_exit_container(reply) >= 0);

                if (strcmp(path, LANE_A1_PATH) == 0) {
                        assert_int_equal(n_ifaces, 1);
                        assert_string_equal(ifaces[0], EG_IFACE("Lane"));
                        lane_seen = true;
                        continue;
                }
                for (size_t i = 0; i < ELEMENTSOF(singletons); i++)
                        if (strcmp(path, singletons[i].path) == 0) {
                                assert_int_equal(n_ifaces, 1);
                                assert_string_equal(ifaces[0], singletons[i].iface);
                                assert_false(singleton_seen[i]);
                                singleton_seen[i] = true;
                                which = -2;
                        }
                if (which == -2)
                        continue;
                for (size_t i = 0; i < ELEMENTSOF(devices); i++) {
                        _cleanup_free_ char *p = device_path(devices[i].key);
                        if (strcmp(p, path) == 0)
                                which = (ssize_t) i;
                }
                if (which < 0)
                        fprintf(stderr, "unexpected object %s\n", path);
                assert_true(which >= 0);
                assert_false(seen[which]);
                seen[which] = true;
                assert_int_equal(n_ifaces, 2);
                assert_true((strcmp(ifaces[0], EG_IFACE("Device")) == 0 &&
                             strcmp(ifaces[1], devices[which].iface) == 0) ||
                            (strcmp(ifaces[1], EG_IFACE("Device")) == 0 &&
                             strcmp(ifaces[0], devices[which].iface) == 0));
        }
        assert_true(lane_seen);
        for (size_t i = 0; i < ELEMENTSOF(singletons); i++)
                assert_true(singleton_seen[i]);
        for (size_t i = 0; i < ELEMENTSOF(devices); i++)
                assert_true(seen[i]);
        harness_pass(h);
}

static void check_introspection(struct harness *h, const char *path, const char *iface1,
                                const char *iface2) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *file = NULL, *contract_dir = NULL, *out = NULL;
        const char *xml;
        FILE *f;
        int status;

        assert_true(sd_bus_call_method(h->bus, EG_NAME, path, "org.freedesktop.DBus.Introspectable",
                                       "Introspect", &error, &reply, NULL) >= 0);
        assert_true(sd_bus_message_read(reply, "s", &xml) > 0);
        assert_true(asprintf(&file, "%s/introspect.xml", h->dir) > 0);
        assert_true(asprintf(&contract_dir, "%s/dbus", getenv("EGATE_SOURCE_ROOT")) > 0);
        f = fopen(file, "we");
        assert_non_null(f);
        assert_true(fputs(xml, f) >= 0);
        assert_int_equal(fclose(f), 0);

        char *args[] = { (char *) "compare", contract_dir,    file,
                         (char *) iface1,    (char *) iface2, NULL };
        status = run_contract_py(args, &out);
        if (status != 0)
                fprintf(stderr, "%s differs from the contract:\n%s", path, out);
        assert_int_equal(status, 0);
}

static void test_introspection_matches_contract(void **state) {
        struct harness *h = *state;

        check_introspection(h, EG_ROOT_PATH, EG_IFACE("Manager"), NULL);
        check_introspection(h, LANE_A1_PATH, EG_IFACE("Lane"), NULL);
        for (size_t i = 0; i < ELEMENTSOF(singletons); i++)
                check_introspection(h, singletons[i].path, singletons[i].iface, NULL);
        for (size_t i = 0; i < ELEMENTSOF(devices); i++) {
                _cleanup_free_ char *path = device_path(devices[i].key);
                check_introspection(h, path, EG_IFACE("Device"), devices[i].iface);
        }
        harness_pass(h);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_manager_properties, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_device_objects, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_managed_objects, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_plugin_reason_not_text, setup_odd_plugin_name,
                                                teardown_odd_plugin_name),
                cmocka_unit_test_setup_teardown(test_introspection_matches_contract, harness_setup,
                                                harness_teardown),
        };
        int r = harness_init_process();

        if (r != 0)
                return r;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
