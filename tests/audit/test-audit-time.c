/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* egatectl audit's TIME arguments (tools/egatectl/time-arg.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "time-arg.h"

#define S 1000000ULL
#define T0 (1740816000ULL * S) /* 2025-03-01T08:00:00Z */
#define NOW (1750000000ULL * S)

static uint64_t parse(const char *s) {
        uint64_t t = 0;

        assert_int_equal(egctl_parse_time(s, NOW, &t), 0);
        return t;
}

static void test_relative(void **state) {
        assert_int_equal(parse("now"), NOW);
        assert_int_equal(parse("-90s"), NOW - 90 * S);
        assert_int_equal(parse("-30m"), NOW - 1800 * S);
        assert_int_equal(parse("-30min"), NOW - 1800 * S);
        assert_int_equal(parse("-1h"), NOW - 3600 * S);
        assert_int_equal(parse("-2d"), NOW - 2 * 86400 * S);
        assert_int_equal(parse("-1w"), NOW - 7 * 86400 * S);
        assert_int_equal(parse("+1h"), NOW + 3600 * S);
}

static void test_iso(void **state) {
        assert_int_equal(parse("2025-03-01T08:00:00Z"), T0);
        assert_int_equal(parse("2025-03-01T09:00:00+01:00"), T0);
        assert_int_equal(parse("2025-03-01T09:00:00+0100"), T0);
        assert_int_equal(parse("2025-03-01T10:00:00+02"), T0);
        assert_int_equal(parse("2025-03-01T07:30:00-00:30"), T0);
        assert_int_equal(parse("2025-03-01T08:00:00.25Z"), T0 + 250000);
        assert_int_equal(parse("2025-03-01T08:00Z"), T0);
        /* Without a zone: local time, here UTC. */
        assert_int_equal(parse("2025-03-01 08:00:00"), T0);
        assert_int_equal(parse("2025-03-01T08:00"), T0);
        assert_int_equal(parse("2025-03-01"), T0 - 8 * 3600 * S);
}

static void test_invalid(void **state) {
        static const char *const bad[] = {
                "",
                "yesterday",
                "-1x",
                "-h",
                "-1",
                "1h",
                "2025-13-01",
                "2025-03-01T08:00:00+25:00",
                "2025-03-01Z",
                "2025-03-01 08:00 junk",
                "2025-03-01T08:00:00.Z",
                "--1h",
        };
        uint64_t t;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                int r = egctl_parse_time(bad[i], NOW, &t);

                if (r >= 0)
                        fail_msg("'%s' was accepted", bad[i]);
        }
        assert_int_equal(egctl_parse_time("-100000w", NOW, &t), -ERANGE);
        assert_int_equal(egctl_parse_time(NULL, NOW, &t), -EINVAL);
}

static void test_format(void **state) {
        char buf[32];

        assert_string_equal(egctl_format_time(T0, buf, sizeof(buf)), "2025-03-01 08:00:00");
        assert_string_equal(egctl_format_time(0, buf, sizeof(buf)), "-");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_relative),
                cmocka_unit_test(test_iso),
                cmocka_unit_test(test_invalid),
                cmocka_unit_test(test_format),
        };

        setenv("TZ", "UTC", 1);
        tzset();
        return cmocka_run_group_tests(tests, NULL, NULL);
}
