/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hostile and broken input: the loader must refuse it with errors, never crash, hang
 * or leak (run under ASan to see the last two).
 */
#include <errno.h>
#include <ini.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-test-util.h"

/* Deterministic, so a failure can be reproduced. */
static uint32_t rng_state = 0x2545f491;

static uint32_t rng(void) {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 17;
        rng_state ^= rng_state << 5;
        return rng_state;
}

/* The load's outcome is all-or-nothing: a config and no errors, or errors and no config. */
static int load_consistently(const char *path, const char *text, struct eg_config_errors *errors) {
        struct eg_config *c = NULL;
        int r;

        r = path ? eg_config_load(path, &c, errors)
                 : eg_config_load_string("egated.conf", text, &c, errors);
        if (r >= 0) {
                assert_non_null(c);
                assert_int_equal(errors->n, 0);
                eg_config_free(c);
        } else {
                assert_null(c);
                assert_in_range(errors->n, 1, EG_CONFIG_MAX_ERRORS);
        }
        return r;
}

static void test_binary_garbage(void **state) {
        struct eg_config_errors errors = {};
        char *dir = test_mkdtemp(), *path;
        uint8_t data[64 * 1024];

        for (int round = 0; round < 20; round++) {
                for (size_t i = 0; i < sizeof(data); i++)
                        data[i] = (uint8_t) rng();
                path = test_write_data(dir, "egated.conf", data, sizeof(data));
                assert_int_equal(load_consistently(path, NULL, &errors), -EINVAL);
                for (size_t i = 0; i < errors.n; i++)
                        assert_memory_equal(errors.messages[i], path, strlen(path));
                free(path);
        }

        eg_config_errors_clear(&errors);
        test_rmdir_rf(dir);
        free(dir);
}

static void test_nul_bytes(void **state) {
        static const char text[] = "[daemon]\nmock = y\0es\n\0\n[plugin.p]\nx = 1\n";
        struct eg_config_errors errors = {};
        char *dir = test_mkdtemp(), *path, *expected[3];

        path = test_write_data(dir, "egated.conf", text, sizeof(text) - 1);
        assert_int_equal(load_consistently(path, NULL, &errors), -EINVAL);
        assert_true(asprintf(&expected[0], "%s:2: line contains a NUL byte", path) > 0);
        assert_true(asprintf(&expected[1], "%s:3: line contains a NUL byte", path) > 0);
        expected[2] = NULL;
        test_assert_errors(&errors, (const char *const *) expected);

        free(expected[0]);
        free(expected[1]);
        free(path);
        eg_config_errors_clear(&errors);
        test_rmdir_rf(dir);
        free(dir);
}

static void test_huge_file(void **state) {
        struct eg_config_errors errors = {};
        char *dir = test_mkdtemp(), *path, *expected[2] = {};
        size_t size = 3 * 1024 * 1024;
        char *text = malloc(size + 1);

        assert_non_null(text);

        /* Many short valid lines. */
        memset(text, '\n', size);
        for (size_t i = 0; i + 10 <= size; i += 10)
                memcpy(text + i, "# comment\n", 10);
        text[size] = '\0';
        path = test_write_file(dir, "egated.conf", text);
        assert_int_equal(load_consistently(path, NULL, &errors), -EINVAL);
        assert_true(asprintf(&expected[0], "%s: file is larger than 1048576 bytes", path) > 0);
        test_assert_errors(&errors, (const char *const *) expected);

        /* One enormous line, as a string this time. */
        memset(text, 'a', size);
        memcpy(text, "[plugin.p]\nk=", 13);
        assert_int_equal(load_consistently(NULL, text, &errors), -EINVAL);
        test_assert_errors(
                &errors,
                (const char *[]){ "egated.conf: file is larger than 1048576 bytes", NULL });

        free(expected[0]);
        free(path);
        free(text);
        eg_config_errors_clear(&errors);
        test_rmdir_rf(dir);
        free(dir);
}

/* header, then n times prefix<i>suffix */
static char *repeat_lines(size_t n, const char *header, const char *prefix, const char *suffix) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        assert_non_null(f);
        fputs(header, f);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%s%zu%s", prefix, i, suffix);
        assert_int_equal(fclose(f), 0);
        return text;
}

static void test_many_sections(void **state) {
        struct eg_config_errors errors = {};
        char *text;

        text = repeat_lines(10000, "", "[plugin.p", "]\nk = v\n");
        assert_int_equal(load_consistently(NULL, text, &errors), -EINVAL);
        test_assert_errors(
                &errors,
                (const char *[]){ "egated.conf:2049: too many sections (at most 1024)", NULL });
        free(text);

        /* The same section over and over is one section. */
        text = repeat_lines(10000, "", "[daemon]\n#", "\n");
        assert_int_equal(load_consistently(NULL, text, &errors), 0);
        free(text);

        text = repeat_lines(10000, "", "[device.d", "]\n");
        assert_int_equal(load_consistently(NULL, text, &errors), -EINVAL);
        assert_int_equal(errors.n, EG_CONFIG_MAX_ERRORS);
        free(text);

        eg_config_errors_clear(&errors);
}

static void test_many_keys(void **state) {
        struct eg_config_errors errors = {};
        char *text;

        text = repeat_lines(300, "[plugin.p]\n", "key", " = value\n");
        assert_int_equal(load_consistently(NULL, text, &errors), -EINVAL);
        test_assert_errors(
                &errors,
                (const char *[]){ "egated.conf:258: too many keys in [plugin.p] (at most 256)",
                                  NULL });
        free(text);

        /* 256 is fine. */
        text = repeat_lines(256, "[plugin.p]\n", "key", " = value\n");
        assert_int_equal(load_consistently(NULL, text, &errors), 0);
        free(text);

        eg_config_errors_clear(&errors);
}

static void test_odd_lines(void **state) {
        static const char *const texts[] = {
                "[[[[\n",
                "]]]]\n",
                "=====\n",
                ":::::\n",
                "[daemon]]\n",
                "[daemon]\n=\n",
                "[daemon]\nmock = = yes\n",
                "[daemon]\n;=;\n#=#\n[",
                "\n\n\n[",
                "[daemon",
                "[device.x]\nplugin=\nclass=\nlane=\nrole=\nfail-mode=\n",
                "[lane.x]\nmode=\npolicy=\nentry-door=\npresence-sensors=\nindicators= , \n",
                "[policy.x]\nenrolled-fingers=,\ndocument-types=,,\nissuing-states=,\n",
                "\xef\xbb\xbf\xef\xbb\xbf[daemon]\n",
                "\xef\xbb\xbf",
                "\xef\xbb",
                "\r",
                "\r\r\n",
                "[daemon]\nmock = yes\r",
                "[daemon]\r\nmock = yes\r\n\r\n",
        };
        struct eg_config_errors errors = {};

        for (size_t i = 0; i < ELEMENTSOF(texts); i++)
                (void) load_consistently(NULL, texts[i], &errors);
        eg_config_errors_clear(&errors);
}

/* libinih's behaviour can be changed process-wide (Debian builds it with run-time
 * switches); the loader must keep its own rules whatever they are set to. */
static void test_libinih_globals(void **state) {
        bool saved_no_value = ini_allow_no_value, saved_multiline = ini_allow_multiline;

        ini_allow_no_value = true;
        ini_allow_multiline = true;
        test_assert_load_fails(
                "[daemon]\nmock\n[plugin.p]\na = 1\n  b\n",
                (const char *[]){ "egated.conf:2: expected 'key = value', a [section] or a "
                                  "comment",
                                  "egated.conf:5: expected 'key = value', a [section] or a "
                                  "comment",
                                  NULL });
        ini_allow_no_value = saved_no_value;
        ini_allow_multiline = saved_multiline;
}

/* A small mutation fuzzer over a valid config, for machines without libFuzzer. */
static void test_mutations(void **state) {
        static const char base[] =
                "[daemon]\nlog-level = info\nmock = yes\nplugin-dirs = /a:/b\n"
                "[plugin.mock]\nx = 1\n"
                "[device.d1]\nplugin = mock\nclass = door\nfail-mode = safe\nlane = A\n"
                "role = entry-door\n"
                "[device.c1]\nplugin = mock\nclass = camera\n"
                "[device.p1]\nplugin = mock\nclass = presence-sensor\n"
                "[lane.A]\ncamera = c1\npresence-sensors = p1\npolicy = x\nmode = manual\n"
                "[policy.x]\nenrolled-fingers = right-index\nissuing-states = KOR\n"
                "document-types = P, I<\nmin-age = 18\n";
        static const char alphabet[] = "[]=:;#,. \t\n\r<-_azAZ09\x01\xff";
        struct eg_config_errors errors = {};
        char text[sizeof(base) + 64];
        int ok = 0;

        assert_int_equal(load_consistently(NULL, base, &errors), 0);

        for (int round = 0; round < 5000; round++) {
                size_t n = sizeof(base) - 1;

                memcpy(text, base, sizeof(base));
                for (uint32_t k = rng() % 4 + 1; k > 0; k--) {
                        size_t at = rng() % n;
                        char c = alphabet[rng() % (sizeof(alphabet) - 1)];

                        switch (rng() % 3) {
                        case 0: /* replace */
                                text[at] = c;
                                break;
                        case 1: /* insert */
                                if (n + 1 < sizeof(text)) {
                                        memmove(text + at + 1, text + at, n - at + 1);
                                        text[at] = c;
                                        n++;
                                }
                                break;
                        default: /* delete */
                                memmove(text + at, text + at + 1, n - at);
                                n--;
                                break;
                        }
                }
                if (load_consistently(NULL, text, &errors) >= 0)
                        ok++;
        }
        /* Some mutations hit comments or values that stay valid; most must not. */
        assert_in_range(ok, 1, 4999);
        eg_config_errors_clear(&errors);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_binary_garbage),  cmocka_unit_test(test_nul_bytes),
                cmocka_unit_test(test_huge_file),       cmocka_unit_test(test_many_sections),
                cmocka_unit_test(test_many_keys),       cmocka_unit_test(test_odd_lines),
                cmocka_unit_test(test_libinih_globals), cmocka_unit_test(test_mutations),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
