/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * MRZ parser: the two-digit years windowed around the reference date, and the
 * date helpers (leap years, ISO 8601, comparisons, arithmetic, age).
 */

#include "mrz-test.h"

static void test_windowing(void **state) {
        struct eg_mrz m;
        struct eg_mrz_error e;

        /* Birth: "261127" on 2026-11-27 is today; one day later is 1926.
         * Expiry window [1941-11-27, 2041-11-27): "411126" is 2041. */
        assert_int_equal(parse(TD3_L1 "\nL898902C36UTO2611273X4111261<<<<<<<<<<<<<<08", &m, &e), 0);
        assert_date(&m.birth_date, 2026, 11, 27);
        assert_date(&m.expiry_date, 2041, 11, 26);
        assert_int_equal(m.sex, 'X');

        /* "411127" is the exclusive upper bound, so 1941 — the inclusive lower
         * bound; the birth date is 1926-11-28. */
        assert_int_equal(parse(TD3_L1 "\nL898902C36UTO2611284<4111272<<<<<<<<<<<<<<02", &m, &e), 0);
        assert_date(&m.birth_date, 1926, 11, 28);
        assert_date(&m.expiry_date, 1941, 11, 27);
        assert_int_equal(m.sex, '<');

        /* "411128" would be 1941-11-28 (inside) rather than 2041 (outside). */
        assert_int_equal(parse(TD3_L1 "\nL898902C36UTO3001019M4111283<<<<<<<<<<<<<<00", &m, &e), 0);
        assert_date(&m.expiry_date, 1941, 11, 28);
        assert_date(&m.birth_date, 1930, 1, 1);

        /* Leap day in 2000 (divisible by 400). */
        assert_int_equal(parse(TD3_L1 "\nL898902C36UTO0002299F3004157<<<<<<<<<<<<<<02", &m, &e), 0);
        assert_date(&m.birth_date, 2000, 2, 29);

        /* Around a century boundary: on 2000-01-01, "991231" is 1999 and
         * "000101" is today. */
        const struct eg_date y2k = { 2000, 1, 1 };
        assert_int_equal(
                eg_mrz_parse(TD3_L1 "\nL898902C36UTO9912315F1004153<<<<<<<<<<<<<<02", &y2k, &m, &e),
                0);
        assert_date(&m.birth_date, 1999, 12, 31);
        assert_date(&m.expiry_date, 2010, 4, 15);
        assert_int_equal(
                eg_mrz_parse(TD3_L1 "\nL898902C36UTO0001018F1004153<<<<<<<<<<<<<<02", &y2k, &m, &e),
                0);
        assert_date(&m.birth_date, 2000, 1, 1);
        /* Window on 2000-01-01 is [1915-01-01, 2015-01-01): "150101" is 1915,
         * which is before the 2000 birth date. */
        assert_int_equal(
                eg_mrz_parse(TD3_L1 "\nL898902C36UTO0001018F1501010<<<<<<<<<<<<<<02", &y2k, &m, &e),
                -EBADMSG);
        assert_int_equal(e.code, EG_MRZ_E_DATE);
        assert_int_equal(
                eg_mrz_parse(TD3_L1 "\nL898902C36UTO9001011F1412314<<<<<<<<<<<<<<00", &y2k, &m, &e),
                0);
        assert_date(&m.expiry_date, 2014, 12, 31);
}

static void test_date_helpers(void **state) {
        struct eg_date d, r;

        assert_true(eg_date_is_leap_year(2000));
        assert_false(eg_date_is_leap_year(1900));
        assert_true(eg_date_is_leap_year(2024));
        assert_false(eg_date_is_leap_year(2026));
        assert_int_equal(eg_date_days_in_month(2024, 2), 29);
        assert_int_equal(eg_date_days_in_month(2026, 2), 28);
        assert_int_equal(eg_date_days_in_month(2026, 13), 0);
        assert_int_equal(eg_date_days_in_month(2026, 0), 0);

        assert_int_equal(eg_date_parse_iso("2026-11-27", &d), 0);
        assert_date(&d, 2026, 11, 27);
        assert_int_equal(eg_date_parse_iso("2024-02-29", &d), 0);
        const char *bad[] = { "2026-02-29",  "2026-1-01",  "20261127",   "2026-11-27 ",
                              " 2026-11-27", "2026/11/27", "2026-13-01", "2026-00-10",
                              "2026-01-00",  "0000-01-01", "2026-11-2x", "",
                              "+026-11-27",  "2026-11-271" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(eg_date_parse_iso(bad[i], &d), -EINVAL);
        assert_int_equal(eg_date_parse_iso(NULL, &d), -EINVAL);

        char buf[11];
        assert_int_equal(eg_date_format_iso(&(struct eg_date){ 987, 3, 4 }, buf), 0);
        assert_string_equal(buf, "0987-03-04");
        assert_int_equal(eg_date_format_iso(&(struct eg_date){ 2026, 2, 29 }, buf), -EINVAL);

        assert_true(eg_date_compare(&(struct eg_date){ 2026, 1, 1 },
                                    &(struct eg_date){ 2025, 12, 31 }) > 0);
        assert_true(eg_date_compare(&(struct eg_date){ 2026, 1, 1 },
                                    &(struct eg_date){ 2026, 1, 2 }) < 0);
        assert_int_equal(eg_date_compare(&today, &today), 0);

        assert_int_equal(eg_date_add_years(&(struct eg_date){ 2024, 2, 29 }, 1, &r), 0);
        assert_date(&r, 2025, 2, 28);
        assert_int_equal(eg_date_add_years(&(struct eg_date){ 2024, 2, 29 }, 4, &r), 0);
        assert_date(&r, 2028, 2, 29);
        assert_int_equal(eg_date_add_years(&today, -85, &r), 0);
        assert_date(&r, 1941, 11, 27);
        assert_int_equal(eg_date_add_years(&today, 8000, &r), -ERANGE);
        assert_int_equal(eg_date_add_years(&today, -2026, &r), -ERANGE);
        assert_int_equal(eg_date_add_years(&(struct eg_date){ 2026, 2, 29 }, 1, &r), -EINVAL);

        assert_int_equal(eg_date_add_months(&(struct eg_date){ 2026, 1, 31 }, 1, &r), 0);
        assert_date(&r, 2026, 2, 28);
        assert_int_equal(eg_date_add_months(&(struct eg_date){ 2026, 3, 31 }, -1, &r), 0);
        assert_date(&r, 2026, 2, 28);
        assert_int_equal(eg_date_add_months(&(struct eg_date){ 2026, 11, 30 }, 3, &r), 0);
        assert_date(&r, 2027, 2, 28);
        assert_int_equal(eg_date_add_months(&(struct eg_date){ 2026, 1, 15 }, -13, &r), 0);
        assert_date(&r, 2024, 12, 15);
        assert_int_equal(eg_date_add_months(&(struct eg_date){ 2026, 1, 15 }, -12, &r), 0);
        assert_date(&r, 2025, 1, 15);
        assert_int_equal(eg_date_add_months(&today, INT32_MAX, &r), -ERANGE);
        assert_int_equal(eg_date_add_months(&today, INT32_MIN, &r), -ERANGE);
        assert_int_equal(eg_date_add_months(&(struct eg_date){ 1, 1, 1 }, -1, &r), -ERANGE);
}

static void test_age(void **state) {
        /* 16 years and 364 days, then the 17th birthday. */
        assert_int_equal(eg_date_age_years(&(struct eg_date){ 2009, 11, 28 }, &today), 16);
        assert_int_equal(eg_date_age_years(&(struct eg_date){ 2009, 11, 27 }, &today), 17);
        assert_int_equal(eg_date_age_years(&(struct eg_date){ 2009, 12, 1 }, &today), 16);
        assert_int_equal(eg_date_age_years(&today, &today), 0);
        assert_int_equal(eg_date_age_years(&(struct eg_date){ 2026, 11, 28 }, &today), -ERANGE);
        assert_int_equal(eg_date_age_years(&(struct eg_date){ 2026, 2, 29 }, &today), -EINVAL);

        /* Born on a leap day: birthday is 1 March in non-leap years. */
        const struct eg_date leap = { 2008, 2, 29 };
        assert_int_equal(eg_date_age_years(&leap, &(struct eg_date){ 2026, 2, 28 }), 17);
        assert_int_equal(eg_date_age_years(&leap, &(struct eg_date){ 2026, 3, 1 }), 18);
        assert_int_equal(eg_date_age_years(&leap, &(struct eg_date){ 2028, 2, 28 }), 19);
        assert_int_equal(eg_date_age_years(&leap, &(struct eg_date){ 2028, 2, 29 }), 20);
        assert_int_equal(eg_date_age_years(&leap, &(struct eg_date){ 2100, 2, 28 }), 91);
        assert_int_equal(eg_date_age_years(&leap, &(struct eg_date){ 2100, 3, 1 }), 92);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_windowing),
                cmocka_unit_test(test_date_helpers),
                cmocka_unit_test(test_age),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
