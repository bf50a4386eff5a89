/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* eg_plugin_module_open() and eg_plugin_module_done() on the built test plugins. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loader-test-util.h"
#include "plugin-loader-internal.h"
#include "plugin-loader.h"

static int teardown(void **state) {
        (void) state;
        test_expect_free_all();
        return 0;
}

/* A module for the built plugin `name` with its descriptor read (but not validated). */
static struct eg_plugin_module module_read(const char *name) {
        struct eg_plugin_module m = { .path = test_plugin_path(name) };
        char *reason = NULL;

        if (eg_plugin_descriptor_read(m.path, &m.descriptor, &reason) < 0)
                fail_msg("%s: %s", m.path, reason);
        return m;
}

static void assert_loaded(struct eg_plugin_module *m) {
        int r = eg_plugin_module_open(m);

        if (r < 0)
                fail_msg("%s: %s", m->path, m->reason);
        assert_int_equal(m->state, EG_PLUGIN_LOADED);
        assert_null(m->reason);
        assert_non_null(m->dl_handle);
        assert_non_null(m->ops.init);
        assert_non_null(m->ops.shutdown);
}

static void assert_open_refused(const char *name, const char *expected) {
        struct eg_plugin_module m = module_read(name);

        assert_true(eg_plugin_module_open(&m) < 0);
        assert_int_equal(m.state, EG_PLUGIN_REFUSED);
        assert_non_null(m.reason);
        assert_string_equal(m.reason, expected);
        assert_null(m.dl_handle);
        assert_null(m.ops.init);
        eg_plugin_module_done(&m);
}

static void test_good(void **state) {
        struct eg_plugin_module m = module_read("good"), zero = {};
        void *plugin_data = (void *) 1;

        (void) state;
        assert_loaded(&m);
        assert_int_equal(m.ops.size, sizeof(struct eg_plugin_ops));
        assert_non_null(m.ops.declare_device);
        assert_null(m.ops.probe);

        /* The copied entry points are the plugin's own. */
        assert_int_equal(m.ops.init(NULL, &plugin_data), 0);
        assert_null(plugin_data);
        assert_int_equal(m.ops.declare_device(NULL, NULL), -ENODEV);

        /* Opening twice is a caller bug, reported as such. */
        assert_int_equal(eg_plugin_module_open(&m), -EBUSY);
        assert_int_equal(m.state, EG_PLUGIN_LOADED);

        eg_plugin_module_done(&m);
        assert_memory_equal(&m, &zero, sizeof(m));
        eg_plugin_module_done(&m); /* idempotent */
        eg_plugin_module_done(NULL);
}

static void test_minors(void **state) {
        struct eg_plugin_module older = module_read("older-minor");
        struct eg_plugin_module future = module_read("future-minor");

        (void) state;
        assert_loaded(&older);
        assert_int_equal(older.ops.size, EG_PLUGIN_OPS_SIZE_1_0);

        /* Validation refuses a future minor; opening alone copes with its larger ops. */
        assert_loaded(&future);
        assert_int_equal(future.ops.size, sizeof(struct eg_plugin_ops) + sizeof(void (*)(void)));

        eg_plugin_module_done(&older);
        eg_plugin_module_done(&future);
}

static void test_init_fails(void **state) {
        struct eg_plugin_module m = module_read("init-fails");
        void *plugin_data = NULL;

        (void) state;
        /* Its refusal is the daemon's, after init(): the module itself loads. */
        assert_loaded(&m);
        assert_int_equal(m.ops.init(NULL, &plugin_data), -EIO);
        eg_plugin_module_done(&m);
}

static void test_bad_ops(void **state) {
        (void) state;
        assert_open_refused("missing-ops", "missing symbol egate_plugin_ops");
        assert_open_refused("ops-no-init", "egate_plugin_ops has no init()");
        assert_open_refused("ops-no-shutdown", "egate_plugin_ops has no shutdown()");
        assert_open_refused("ops-no-declare",
                            "matches config devices, but egate_plugin_ops has no declare_device()");
        assert_open_refused("ops-small-size",
                            test_expect("egate_plugin_ops size field is 4, SDK ABI 1.0 needs at "
                                        "least %zu",
                                        EG_PLUGIN_OPS_SIZE_1_0));
        assert_open_refused("ops-short-object",
                            test_expect("egate_plugin_ops truncated (4 bytes, need at least %zu)",
                                        EG_PLUGIN_OPS_SIZE_1_0));
        assert_open_refused("ops-oversize",
                            test_expect("egate_plugin_ops size field is %zu, but the symbol has "
                                        "only %zu bytes",
                                        sizeof(struct eg_plugin_ops) + 8,
                                        sizeof(struct eg_plugin_ops)));
}

static void test_ops_in_dependency(void **state) {
        struct eg_plugin_module m = module_read("ops-in-dependency");
        const char *prefix = "egate_plugin_ops is defined by ";
        const char *suffix = "/libops-provider.so, not by the plugin";

        (void) state;
        /* dlsym() would return the library's table: the plugin must define its own. */
        assert_true(eg_plugin_module_open(&m) < 0);
        assert_int_equal(m.state, EG_PLUGIN_REFUSED);
        assert_non_null(m.reason);
        assert_true(strncmp(m.reason, prefix, strlen(prefix)) == 0);
        assert_true(strlen(m.reason) > strlen(prefix) + strlen(suffix));
        assert_string_equal(m.reason + strlen(m.reason) - strlen(suffix), suffix);
        assert_null(m.dl_handle);
        eg_plugin_module_done(&m);
}

static void test_dlopen_fails(void **state) {
        char *path = test_plugin_path("unresolved");

        (void) state;
        assert_open_refused("unresolved", test_expect("dlopen failed: %s: undefined symbol: "
                                                      "egate_test_missing_function",
                                                      path));
        free(path);
}

static void test_descriptor_changed(void **state) {
        struct eg_plugin_module m = module_read("good");

        (void) state;
        /* As if the file had been replaced between reading and loading. */
        strcpy(m.descriptor.version, "6.6.6");
        assert_true(eg_plugin_module_open(&m) < 0);
        assert_int_equal(m.state, EG_PLUGIN_REFUSED);
        assert_string_equal(m.reason, "descriptor changed between read and load");
        assert_null(m.dl_handle);
        eg_plugin_module_done(&m);

        m = module_read("good");
        m.descriptor.classes |= EG_CLASS_BIT(EG_CLASS_CAMERA);
        assert_true(eg_plugin_module_open(&m) < 0);
        assert_string_equal(m.reason, "descriptor changed between read and load");
        eg_plugin_module_done(&m);
}

static void test_not_vetted(void **state) {
        struct eg_plugin_module m = { .path = test_plugin_path("good") };

        (void) state;
        assert_true(eg_plugin_module_open(&m) < 0);
        assert_int_equal(m.state, EG_PLUGIN_REFUSED);
        assert_string_equal(m.reason, "descriptor not read before loading");
        assert_null(m.dl_handle);
        eg_plugin_module_done(&m);

        assert_int_equal(eg_plugin_module_open(NULL), -EINVAL);
}

static void test_reopen_after_refusal(void **state) {
        struct eg_plugin_module m = module_read("good");
        char version[EG_VERSION_MAX];

        (void) state;
        memcpy(version, m.descriptor.version, sizeof(version));
        strcpy(m.descriptor.version, "6.6.6");
        assert_true(eg_plugin_module_open(&m) < 0);

        /* A refused module can be retried; success clears the old reason. */
        memcpy(m.descriptor.version, version, sizeof(version));
        assert_loaded(&m);
        eg_plugin_module_done(&m);
}

int main(int argc, char **argv) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good),
                cmocka_unit_test(test_minors),
                cmocka_unit_test(test_init_fails),
                cmocka_unit_test(test_bad_ops),
                cmocka_unit_test(test_ops_in_dependency),
                cmocka_unit_test(test_dlopen_fails),
                cmocka_unit_test(test_descriptor_changed),
                cmocka_unit_test(test_not_vetted),
                cmocka_unit_test(test_reopen_after_refusal),
        };

        test_plugins_init(argc, argv);
        return cmocka_run_group_tests_name("plugin-open", tests, NULL, teardown);
}
