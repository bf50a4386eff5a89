/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Calendar dates (proleptic Gregorian, years 1..9999) for MRZ and policy
 * work: validity, comparison, arithmetic with clamping, age.
 */
#pragma once

#include <stdbool.h>

struct eg_date {
        int year; /* 1..9999 */
        int month; /* 1..12 */
        int day; /* 1..days in month */
};

bool eg_date_is_leap_year(int year);
/* Days in the month, or 0 for a month outside 1..12. */
int eg_date_days_in_month(int year, int month);
bool eg_date_is_valid(const struct eg_date *d);

/* <0, 0, >0 like strcmp.  Both dates should be valid; invalid fields are
 * still compared field by field, never dereferenced beyond the struct. */
int eg_date_compare(const struct eg_date *a, const struct eg_date *b);

/* Add (or subtract, for n < 0) whole years or months.  When the day does not
 * exist in the target month it is clamped to the month's last day
 * (2024-02-29 + 1 year = 2025-02-28; 2026-01-31 + 1 month = 2026-02-28).
 * Returns 0, -EINVAL for an invalid date, -ERANGE outside years 1..9999. */
int eg_date_add_years(const struct eg_date *d, int years, struct eg_date *ret);
int eg_date_add_months(const struct eg_date *d, int months, struct eg_date *ret);

/* Completed years of age on `today`.  A 29 February birthday falls on
 * 1 March in non-leap years (the holder turns 18 on 1 March, not on
 * 28 February), which is the later, conservative choice for age limits.
 * Returns the age (>= 0), -EINVAL for an invalid date, or -ERANGE when
 * birth is after today. */
int eg_date_age_years(const struct eg_date *birth, const struct eg_date *today);

/* Strictly "YYYY-MM-DD" (exactly 10 characters, a valid date, year >= 1).
 * Returns 0 or -EINVAL. */
int eg_date_parse_iso(const char *s, struct eg_date *ret);

/* Writes "YYYY-MM-DD".  Returns 0 or -EINVAL for an invalid date. */
int eg_date_format_iso(const struct eg_date *d, char out[static 11]);
