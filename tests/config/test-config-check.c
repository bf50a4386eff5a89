/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * egated --check-config: a valid file and its drop-ins are summarised (files,
 * plugins, devices, policies, lanes) with status 0; an invalid one gets every
 * problem as file:line on stderr and status 1; egated itself starts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "config-test-util.h"
#include "macro.h"

static const char good[] = "[plugin.acme-door]\n"
                           "bus = rs485\n"
                           "[device.lane1-entry]\n"
                           "plugin = acme-door\n"
                           "class = door\n"
                           "fail-mode = secure\n"
                           "[device.lane1-exit]\n"
                           "plugin = acme-door\n"
                           "class = door\n"
                           "[policy.staff]\n"
                           "min-age = 18\n"
                           "[lane.1]\n"
                           "mode = manual\n"
                           "policy = staff\n"
                           "entry-door = lane1-entry\n"
                           "exit-door = lane1-exit\n";

/* Run `egated --check-config -c path`: its exit status, stdout and stderr. */
static int run_egated(const char *path, char **ret_out, char **ret_err) {
        _cleanup_free_ char *command = NULL, *out_path = NULL, *err_path = NULL;
        const char *root = getenv("EGATE_BUILD_ROOT");
        char *dir = test_mkdtemp();
        int status;

        assert_non_null(root);
        assert_true(asprintf(&out_path, "%s/out", dir) > 0);
        assert_true(asprintf(&err_path, "%s/err", dir) > 0);
        assert_true(asprintf(&command, "'%s/core/egated' --check-config -c '%s' >'%s' 2>'%s'", root,
                             path, out_path, err_path) > 0);
        status = system(command);
        assert_true(WIFEXITED(status));
        *ret_out = test_read_file(out_path);
        *ret_err = test_read_file(err_path);
        test_rmdir_rf(dir);
        free(dir);
        return WEXITSTATUS(status);
}

static void test_valid_configuration(void **state) {
        _cleanup_free_ char *dir = test_mkdtemp(), *path = NULL, *dropin = NULL, *out = NULL,
                            *err = NULL;
        FILE *o, *e;
        size_t out_len = 0, err_len = 0;

        path = test_write_file(dir, "egated.conf", good);
        dropin = test_write_file(dir, "egated.conf.d/10-log.conf", "[daemon]\nlog-level = debug\n");
        o = open_memstream(&out, &out_len);
        e = open_memstream(&err, &err_len);
        assert_int_equal(eg_config_check(path, o, e), 0);
        fclose(o);
        fclose(e);

        assert_string_equal(err, "");
        assert_non_null(strstr(out, "configuration valid: 2 file(s)"));
        assert_non_null(strstr(out, path));
        assert_non_null(strstr(out, dropin));
        assert_non_null(strstr(out, "plugin  acme-door"));
        assert_non_null(strstr(out, "device  lane1-entry (door, plugin acme-door)"));
        assert_non_null(strstr(out, "policy  staff"));
        assert_non_null(strstr(out, "lane    1 (starts manual, policy staff)"));

        free(out);
        free(err);
        out = err = NULL;
        assert_int_equal(run_egated(path, &out, &err), 0);
        assert_non_null(strstr(out, "lane    1 (starts manual, policy staff)"));
        test_rmdir_rf(dir);
}

static void test_invalid_configuration(void **state) {
        _cleanup_free_ char *dir = test_mkdtemp(), *path = NULL, *missing = NULL, *out = NULL,
                            *err = NULL;
        FILE *o, *e;
        size_t out_len = 0, err_len = 0;

        /* Two mistakes: both reported, each with its place. */
        path = test_write_file(dir, "egated.conf",
                               "[lane.1]\n"
                               "mode = flying\n"
                               "entry-door = nowhere\n");
        o = open_memstream(&out, &out_len);
        e = open_memstream(&err, &err_len);
        assert_true(eg_config_check(path, o, e) < 0);
        fclose(o);
        fclose(e);
        assert_string_equal(out, "");
        assert_non_null(strstr(err, "egated.conf:2:"));
        assert_non_null(strstr(err, "egated.conf:3:"));
        assert_non_null(strstr(err, "configuration invalid"));

        free(out);
        free(err);
        out = err = NULL;
        assert_int_equal(run_egated(path, &out, &err), 1);
        assert_non_null(strstr(err, "egated.conf:2:"));
        assert_string_equal(out, "");

        /* A file named explicitly must be there. */
        free(out);
        free(err);
        out = err = NULL;
        assert_true(asprintf(&missing, "%s/absent.conf", dir) > 0);
        assert_int_equal(run_egated(missing, &out, &err), 1);
        assert_non_null(strstr(err, "absent.conf"));
        test_rmdir_rf(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid_configuration),
                cmocka_unit_test(test_invalid_configuration),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
