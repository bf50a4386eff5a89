/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "date.h"

#define YEAR_MIN 1
#define YEAR_MAX 9999

bool eg_date_is_leap_year(int year) {
        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int eg_date_days_in_month(int year, int month) {
        static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

        if (month < 1 || month > 12)
                return 0;
        if (month == 2 && eg_date_is_leap_year(year))
                return 29;
        return days[month - 1];
}

bool eg_date_is_valid(const struct eg_date *d) {
        if (!d || d->year < YEAR_MIN || d->year > YEAR_MAX)
                return false;
        return d->day >= 1 && d->day <= eg_date_days_in_month(d->year, d->month);
}

static int cmp_int(int a, int b) {
        return (a > b) - (a < b);
}

int eg_date_compare(const struct eg_date *a, const struct eg_date *b) {
        int r = cmp_int(a->year, b->year);
        if (r == 0)
                r = cmp_int(a->month, b->month);
        if (r == 0)
                r = cmp_int(a->day, b->day);
        return r;
}

static int make_clamped(long year, int month, int day, struct eg_date *ret) {
        if (year < YEAR_MIN || year > YEAR_MAX)
                return -ERANGE;

        int last = eg_date_days_in_month((int) year, month);
        *ret = (struct eg_date){
                .year = (int) year,
                .month = month,
                .day = day > last ? last : day,
        };
        return 0;
}

int eg_date_add_years(const struct eg_date *d, int years, struct eg_date *ret) {
        if (!eg_date_is_valid(d) || !ret)
                return -EINVAL;
        return make_clamped((long) d->year + years, d->month, d->day, ret);
}

int eg_date_add_months(const struct eg_date *d, int months, struct eg_date *ret) {
        if (!eg_date_is_valid(d) || !ret)
                return -EINVAL;

        /* Count months from year 0 in a wide type so that INT_MIN/INT_MAX
         * inputs give -ERANGE instead of overflowing. */
        long long total = (long long) d->year * 12 + (d->month - 1) + months;
        long long year = total >= 0 ? total / 12 : -((-total + 11) / 12);
        int month = (int) (total - year * 12) + 1;

        if (year < YEAR_MIN || year > YEAR_MAX)
                return -ERANGE;
        return make_clamped((long) year, month, d->day, ret);
}

int eg_date_age_years(const struct eg_date *birth, const struct eg_date *today) {
        if (!eg_date_is_valid(birth) || !eg_date_is_valid(today))
                return -EINVAL;
        if (eg_date_compare(birth, today) > 0)
                return -ERANGE;

        struct eg_date birthday = { today->year, birth->month, birth->day };
        if (birth->month == 2 && birth->day == 29 && !eg_date_is_leap_year(today->year))
                birthday = (struct eg_date){ today->year, 3, 1 };

        int age = today->year - birth->year;
        if (eg_date_compare(today, &birthday) < 0)
                age--;
        return age;
}

static int parse_digits(const char *s, size_t n) {
        int v = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        return v;
}

int eg_date_parse_iso(const char *s, struct eg_date *ret) {
        if (!s || !ret || strnlen(s, 11) != 10 || s[4] != '-' || s[7] != '-')
                return -EINVAL;

        struct eg_date d = {
                .year = parse_digits(s, 4),
                .month = parse_digits(s + 5, 2),
                .day = parse_digits(s + 8, 2),
        };
        if (!eg_date_is_valid(&d))
                return -EINVAL;

        *ret = d;
        return 0;
}

int eg_date_format_iso(const struct eg_date *d, char out[static 11]) {
        if (!eg_date_is_valid(d) || !out)
                return -EINVAL;
        /* Written digit by digit: the ranges are known, and snprintf's
         * truncation warnings cannot see that. */
        const int fields[3][2] = { { d->year, 4 }, { d->month, 2 }, { d->day, 2 } };
        char *o = out;
        for (size_t f = 0; f < 3; f++) {
                if (f > 0)
                        *o++ = '-';
                for (int i = fields[f][1] - 1, v = fields[f][0]; i >= 0; i--, v /= 10)
                        o[i] = (char) ('0' + v % 10);
                o += fields[f][1];
        }
        *o = '\0';
        return 0;
}
