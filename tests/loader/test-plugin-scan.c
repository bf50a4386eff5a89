/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* eg_plugin_modules_scan() over directories populated here from the built test plugins. */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <link.h>
#include <unistd.h>

#include <cmocka.h>

#include "loader-test-util.h"
#include "plugin-loader-internal.h"
#include "plugin-loader.h"

#define TEST_ONLY_REASON "test-only plugin: loaded only with --mock or [daemon] mock=true"

/* What a scan must say about one file. */
struct expectation {
        const char *file; /* in the scanned directory */
        const char *name; /* NULL: the name could not be trusted */
        enum eg_plugin_state state;
        const char *reason; /* NULL when loaded */
};

static char *dir_a, *dir_b;

static int setup(void **state) {
        (void) state;
        dir_a = test_tmpdir_new();
        dir_b = test_tmpdir_new();
        return 0;
}

static int teardown(void **state) {
        (void) state;
        test_tmpdir_remove(dir_a);
        test_tmpdir_remove(dir_b);
        dir_a = dir_b = NULL;
        test_expect_free_all();
        return 0;
}

static void link_plugin(const char *dir, const char *plugin, const char *file) {
        char *target = test_plugin_path(plugin), *path = test_path_join(dir, file);

        assert_int_equal(symlink(target, path), 0);
        free(target);
        free(path);
}

static void copy_plugin(const char *dir, const char *plugin, const char *file, size_t max) {
        char *src = test_plugin_path(plugin), *dst = test_path_join(dir, file);

        test_file_copy(src, dst, max);
        free(src);
        free(dst);
}

static const struct eg_plugin_module *find_module(const struct eg_plugin_module *modules, size_t n,
                                                  const char *dir, const char *file) {
        char *path = test_path_join(dir, file);

        for (size_t i = 0; i < n; i++)
                if (strcmp(modules[i].path, path) == 0) {
                        free(path);
                        return &modules[i];
                }
        fail_msg("%s not in the scan result", path);
        return NULL;
}

static void assert_module(const struct eg_plugin_module *modules, size_t n, const char *dir,
                          const struct expectation *e) {
        const struct eg_plugin_module *m = find_module(modules, n, dir, e->file);

        if (m->state != e->state)
                fail_msg("%s: state %s (%s), expected %s", m->path,
                         eg_plugin_state_to_string(m->state), m->reason ? m->reason : "-",
                         eg_plugin_state_to_string(e->state));
        if (e->name)
                assert_string_equal(m->name, e->name);
        else
                assert_null(m->name);

        if (e->state == EG_PLUGIN_LOADED) {
                assert_null(m->reason);
                assert_non_null(m->dl_handle);
                assert_non_null(m->ops.init);
                assert_string_equal(m->descriptor.name, e->name);
        } else {
                assert_non_null(m->reason);
                assert_string_equal(m->reason, e->reason);
                assert_null(m->dl_handle);
        }
}

static void assert_sorted(const struct eg_plugin_module *modules, size_t n) {
        for (size_t i = 1; i < n; i++)
                assert_true(strcmp(modules[i - 1].path, modules[i].path) < 0);
}

/* Fill dir_a with one file per case, plus things a scan must pass over. */
static void populate_dir_a(void) {
        static const char *const plugins[] = {
                "good",
                "older-minor",
                "future-minor",
                "wrong-major",
                "missing-ops",
                "init-fails",
                "bad-name",
                "writable-descriptor",
                "test-only",
                "no-matches",
                "unknown-class",
                "short-descriptor",
                "small-size",
                "oversize",
                "descriptor-function",
                "no-descriptor",
                "unresolved",
                "duplicate-0",
                "duplicate-a",
                "duplicate-b",
                "ops-no-init",
                "ops-small-size",
        };
        char *path;

        for (size_t i = 0; i < sizeof(plugins) / sizeof(plugins[0]); i++) {
                char *file = test_format("%s.so", plugins[i]);

                link_plugin(dir_a, plugins[i], file);
                free(file);
        }
        if (test_plugin_exists("relocated-descriptor"))
                link_plugin(dir_a, "relocated-descriptor", "relocated-descriptor.so");

        path = test_path_join(dir_a, "x.so");
        test_file_write(path, "this is not a plugin\n", 21);
        free(path);

        copy_plugin(dir_a, "good", "truncated.so", 100);

        /* Passed over: not *.so, hidden, not a regular file, dangling. */
        link_plugin(dir_a, "good", "good.so.disabled");
        link_plugin(dir_a, "good", ".hidden.so");
        path = test_path_join(dir_a, "README");
        test_file_write(path, "read me\n", 8);
        free(path);
        path = test_path_join(dir_a, "subdir.so");
        assert_int_equal(mkdir(path, 0755), 0);
        free(path);
        path = test_path_join(dir_a, "dangling.so");
        assert_int_equal(symlink("/nonexistent/egate/plugin.so", path), 0);
        free(path);
}

static const struct expectation *dir_a_expectations(bool allow_test_only, size_t *ret_n) {
        static struct expectation e[32];
        size_t n = 0;
        char *good = test_plugin_path("good");
        size_t good_size;
        void *data = test_file_read(good, &good_size);
        ElfW(Ehdr) ehdr;

        /* good.so's header says where its section headers end, for truncated.so's reason. */
        assert_true(good_size >= sizeof(ehdr));
        memcpy(&ehdr, data, sizeof(ehdr));
        free(data);
        free(good);

#define LOADED(f, nm) e[n++] = (struct expectation){ f, nm, EG_PLUGIN_LOADED, NULL }
#define REFUSED(f, nm, why)                                                                        \
        e[n++] = (struct expectation) {                                                            \
                f, nm, EG_PLUGIN_REFUSED, why                                                      \
        }
        LOADED("good.so", "good");
        LOADED("older-minor.so", "older-minor");
        LOADED("init-fails.so", "init-fails");
        REFUSED("future-minor.so", "future-minor",
                test_expect("built for SDK ABI %d.%d, egated implements %d.%d", EG_SDK_ABI_MAJOR,
                            EG_SDK_ABI_MINOR + 1, EG_SDK_ABI_MAJOR, EG_SDK_ABI_MINOR));
        REFUSED("wrong-major.so", "wrong-major",
                test_expect("built for SDK ABI 2.0, egated implements %d.%d", EG_SDK_ABI_MAJOR,
                            EG_SDK_ABI_MINOR));
        REFUSED("missing-ops.so", "missing-ops", "missing symbol egate_plugin_ops");
        REFUSED("bad-name.so", NULL,
                "descriptor name \"Bad Name\" is invalid (want 1-31 of a-z, 0-9, '_', '-'; not "
                "starting with '-')");
        REFUSED("writable-descriptor.so", NULL,
                "egate_plugin_descriptor is in writable section .data (declare it const)");
        REFUSED("no-matches.so", "no-matches", "descriptor has no matches");
        REFUSED("unknown-class.so", "unknown-class",
                "descriptor declares unknown device class bits 0x100");
        REFUSED("short-descriptor.so", NULL,
                test_expect("descriptor truncated (16 bytes, need at least %zu)",
                            EG_PLUGIN_DESCRIPTOR_SIZE_1_0));
        REFUSED("small-size.so", NULL,
                test_expect("descriptor size field is 64, SDK ABI 1.0 needs at least %zu",
                            EG_PLUGIN_DESCRIPTOR_SIZE_1_0));
        REFUSED("oversize.so", NULL,
                test_expect("descriptor size field is %zu, but the symbol has only %zu bytes",
                            sizeof(struct eg_plugin_descriptor) + 64,
                            sizeof(struct eg_plugin_descriptor)));
        REFUSED("descriptor-function.so", NULL, "egate_plugin_descriptor is not a data object");
        REFUSED("no-descriptor.so", NULL,
                "no egate_plugin_descriptor symbol (not an egate plugin?)");
        REFUSED("unresolved.so", "unresolved",
                test_expect("dlopen failed: %s/unresolved.so: undefined symbol: "
                            "egate_test_missing_function",
                            dir_a));
        REFUSED("ops-no-init.so", "ops-no-init", "egate_plugin_ops has no init()");
        REFUSED("ops-small-size.so", "ops-small-size",
                test_expect("egate_plugin_ops size field is 4, SDK ABI 1.0 needs at least %zu",
                            EG_PLUGIN_OPS_SIZE_1_0));
        REFUSED("x.so", NULL, "not an ELF file");
        REFUSED("truncated.so", NULL,
                test_expect("truncated ELF file (section headers end at byte %ju, file has 100)",
                            (uintmax_t) ehdr.e_shoff +
                                    (uintmax_t) ehdr.e_shnum * ehdr.e_shentsize));
        if (test_plugin_exists("relocated-descriptor"))
                REFUSED("relocated-descriptor.so", NULL,
                        "descriptor is relocated at load time (it must not contain pointers)");

        if (allow_test_only) {
                LOADED("test-only.so", "test-only");
                LOADED("duplicate-0.so", "duplicate");
                REFUSED("duplicate-a.so", "duplicate",
                        test_expect("duplicate plugin name 'duplicate', already provided by "
                                    "%s/duplicate-0.so",
                                    dir_a));
        } else {
                REFUSED("test-only.so", "test-only", TEST_ONLY_REASON);
                REFUSED("duplicate-0.so", "duplicate", TEST_ONLY_REASON);
                LOADED("duplicate-a.so", "duplicate");
        }
        REFUSED("duplicate-b.so", "duplicate",
                test_expect("duplicate plugin name 'duplicate', already provided by %s/%s", dir_a,
                            allow_test_only ? "duplicate-0.so" : "duplicate-a.so"));
#undef LOADED
#undef REFUSED

        assert_true(n <= sizeof(e) / sizeof(e[0]));
        *ret_n = n;
        return e;
}

static void scan_and_check(bool allow_test_only) {
        char *dirs[] = { dir_a, NULL };
        struct eg_plugin_module *modules = NULL;
        const struct expectation *e;
        size_t n = 0, n_expected;

        e = dir_a_expectations(allow_test_only, &n_expected);
        assert_int_equal(eg_plugin_modules_scan(dirs, allow_test_only, &modules, &n), 0);

        /* Exactly the plugin-looking regular files, each once, in name order. */
        for (size_t i = 0; i < n; i++)
                if (!modules[i].path)
                        fail_msg("module %zu without path", i);
        assert_int_equal(n, n_expected);
        assert_sorted(modules, n);
        for (size_t i = 0; i < n_expected; i++)
                assert_module(modules, n, dir_a, &e[i]);

        eg_plugin_modules_free(modules, n);
}

static void test_scan(void **state) {
        (void) state;
        populate_dir_a();
        scan_and_check(false);
}

static void test_scan_allow_test_only(void **state) {
        (void) state;
        scan_and_check(true);
}

static void test_directory_order(void **state) {
        char *missing = test_path_join(dir_b, "missing");
        char *not_a_dir = test_path_join(dir_b, "zz-not-a-dir");
        char *dirs[] = { dir_b, missing, not_a_dir, dir_a, NULL };
        struct eg_plugin_module *modules = NULL;
        const struct eg_plugin_module *m;
        size_t n = 0, n_a;

        (void) state;
        /* dir_b comes first: its copy of "good" wins over dir_a's. */
        copy_plugin(dir_b, "good", "zz-good.so", SIZE_MAX);
        copy_plugin(dir_b, "init-fails", "init-fails.so", SIZE_MAX);
        test_file_write(not_a_dir, "", 0);

        (void) dir_a_expectations(false, &n_a);
        assert_int_equal(eg_plugin_modules_scan(dirs, false, &modules, &n), 0);
        assert_int_equal(n, 2 + n_a);

        /* Directories in the order given, files sorted within each. */
        assert_true(strncmp(modules[0].path, dir_b, strlen(dir_b)) == 0);
        assert_string_equal(modules[0].path + strlen(dir_b), "/init-fails.so");
        assert_string_equal(modules[1].path + strlen(dir_b), "/zz-good.so");
        assert_sorted(modules + 2, n - 2);

        m = find_module(modules, n, dir_b, "zz-good.so");
        assert_int_equal(m->state, EG_PLUGIN_LOADED);
        m = find_module(modules, n, dir_a, "good.so");
        assert_int_equal(m->state, EG_PLUGIN_REFUSED);
        assert_string_equal(m->reason, test_expect("duplicate plugin name 'good', already "
                                                   "provided by %s/zz-good.so",
                                                   dir_b));
        m = find_module(modules, n, dir_a, "init-fails.so");
        assert_string_equal(m->reason, test_expect("duplicate plugin name 'init-fails', already "
                                                   "provided by %s/init-fails.so",
                                                   dir_b));

        eg_plugin_modules_free(modules, n);
        free(missing);
        free(not_a_dir);
}

static void test_trailing_slash(void **state) {
        char *with_slash = test_format("%s/", dir_b);
        char *dirs[] = { with_slash, NULL };
        struct eg_plugin_module *modules = NULL;
        size_t n = 0;

        (void) state;
        assert_int_equal(eg_plugin_modules_scan(dirs, false, &modules, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(modules[0].path, test_expect("%s/init-fails.so", dir_b));
        eg_plugin_modules_free(modules, n);
        free(with_slash);
}

static void test_nothing_to_scan(void **state) {
        char *empty = test_path_join(dir_b, "empty");
        char *missing = test_path_join(dir_b, "missing");
        char *dirs[] = { empty, missing, NULL };
        char *no_dirs[] = { NULL };
        struct eg_plugin_module *modules = (void *) 1;
        size_t n = 99;

        (void) state;
        assert_int_equal(mkdir(empty, 0755), 0);
        assert_int_equal(eg_plugin_modules_scan(dirs, true, &modules, &n), 0);
        assert_null(modules);
        assert_int_equal(n, 0);

        assert_int_equal(eg_plugin_modules_scan(no_dirs, true, &modules, &n), 0);
        assert_int_equal(n, 0);
        assert_int_equal(eg_plugin_modules_scan(NULL, true, &modules, &n), 0);
        assert_int_equal(n, 0);
        eg_plugin_modules_free(NULL, 0);

        assert_int_equal(eg_plugin_modules_scan(dirs, true, NULL, &n), -EINVAL);
        free(empty);
        free(missing);
}

static void test_unreadable_directory(void **state) {
        char *locked, *dirs[3];
        struct eg_plugin_module *modules = NULL;
        size_t n = 0;

        (void) state;
        if (geteuid() == 0)
                skip(); /* root reads it anyway */

        locked = test_path_join(dir_b, "locked");
        dirs[0] = locked;
        dirs[1] = dir_b;
        dirs[2] = NULL;
        assert_int_equal(mkdir(locked, 0755), 0);
        copy_plugin(locked, "good", "good.so", SIZE_MAX);
        assert_int_equal(chmod(locked, 0), 0);

        /* Skipped with a warning; the next directory is still scanned. */
        assert_int_equal(eg_plugin_modules_scan(dirs, false, &modules, &n), 0);
        assert_int_equal(n, 2);
        eg_plugin_modules_free(modules, n);

        assert_int_equal(chmod(locked, 0755), 0);
        free(locked);
}

int main(int argc, char **argv) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_scan),
                cmocka_unit_test(test_scan_allow_test_only),
                cmocka_unit_test(test_directory_order),
                cmocka_unit_test(test_trailing_slash),
                cmocka_unit_test(test_nothing_to_scan),
                cmocka_unit_test(test_unreadable_directory),
        };

        test_plugins_init(argc, argv);
        return cmocka_run_group_tests_name("plugin-scan", tests, setup, teardown);
}
