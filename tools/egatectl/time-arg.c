/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "time-arg.h"

#define USEC_PER_SEC 1000000ULL

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static int parse_relative(const char *s, uint64_t now_usec, uint64_t *ret) {
        static const struct {
                const char *suffix;
                uint64_t seconds;
        } units[] = {
                { "s", 1 },    { "sec", 1 },   { "m", 60 },        { "min", 60 },
                { "h", 3600 }, { "d", 86400 }, { "w", 7 * 86400 },
        };
        unsigned long long n;
        char *end;

        if (!is_digit(s[1]))
                return -EINVAL;
        errno = 0;
        n = strtoull(s + 1, &end, 10);
        if (errno != 0 || n > 100ULL * 366 * 86400)
                return -ERANGE;
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                uint64_t delta;

                if (!streq(end, units[i].suffix))
                        continue;
                delta = n * units[i].seconds * USEC_PER_SEC;
                if (s[0] == '-') {
                        if (delta > now_usec)
                                return -ERANGE;
                        *ret = now_usec - delta;
                } else
                        *ret = now_usec + delta;
                return 0;
        }
        return -EINVAL;
}

/* ".250" -> 250000 µs; advances *p. */
static int parse_fraction(const char **p, uint64_t *ret) {
        uint64_t usec = 0, scale = 100000;
        const char *c = *p;

        *ret = 0;
        if (*c != '.' && *c != ',')
                return 0;
        c++;
        if (!is_digit(*c))
                return -EINVAL;
        for (; is_digit(*c); c++) {
                usec += (uint64_t) (*c - '0') * scale;
                scale /= 10;
        }
        *p = c;
        *ret = usec;
        return 0;
}

/* "Z", "+01:00", "-0530", "+02" -> seconds east of UTC; *ret_local when there is none. */
static int parse_zone(const char *c, long *ret_offset, bool *ret_local) {
        int sign, hours, minutes = 0;

        *ret_offset = 0;
        *ret_local = false;
        if (!*c) {
                *ret_local = true;
                return 0;
        }
        if (streq(c, "Z") || streq(c, "z"))
                return 0;
        if ((c[0] != '+' && c[0] != '-') || !is_digit(c[1]) || !is_digit(c[2]))
                return -EINVAL;
        sign = c[0] == '-' ? -1 : 1;
        hours = (c[1] - '0') * 10 + (c[2] - '0');
        c += 3;
        if (*c == ':')
                c++;
        if (*c) {
                if (!is_digit(c[0]) || !is_digit(c[1]) || c[2])
                        return -EINVAL;
                minutes = (c[0] - '0') * 10 + (c[1] - '0');
        }
        if (hours > 23 || minutes > 59)
                return -EINVAL;
        *ret_offset = sign * ((long) hours * 3600 + minutes * 60);
        return 0;
}

static int parse_iso(const char *s, uint64_t *ret) {
        static const char *const formats[] = {
                "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",    "%Y-%m-%d",
        };
        bool local = false;
        uint64_t fraction = 0;
        long offset;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
                struct tm tm = {};
                const char *rest = strptime(s, formats[i], &tm);
                time_t t;

                if (!rest)
                        continue;
                /* The fraction only after seconds; a date alone takes no zone either. */
                if (i < 2) {
                        r = parse_fraction(&rest, &fraction);
                        if (r < 0)
                                return r;
                }
                if (i == ELEMENTSOF(formats) - 1 && *rest)
                        continue;
                r = parse_zone(rest, &offset, &local);
                if (r < 0)
                        continue;
                if (local) {
                        tm.tm_isdst = -1;
                        t = mktime(&tm);
                } else
                        t = timegm(&tm) - offset;
                if (t == (time_t) -1 || t < 0)
                        return -ERANGE;
                *ret = (uint64_t) t * USEC_PER_SEC + fraction;
                return 0;
        }
        return -EINVAL;
}

int egctl_parse_time(const char *s, uint64_t now_usec, uint64_t *ret_usec) {
        if (!s || !*s)
                return -EINVAL;
        if (streq(s, "now")) {
                *ret_usec = now_usec;
                return 0;
        }
        if (s[0] == '-' || s[0] == '+')
                return parse_relative(s, now_usec, ret_usec);
        return parse_iso(s, ret_usec);
}

const char *egctl_format_time(uint64_t usec, char *buf, unsigned long size) {
        time_t t = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        if (usec == 0 || !localtime_r(&t, &tm) ||
            strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
                return "-";
        return buf;
}
