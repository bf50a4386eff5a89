/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the MRZ parser's tests (test-mrz-*.c): the reference date, the ICAO
 * specimens (Doc 9303), and parsing with the expected outcome.
 *
 * Test MRZs other than the ICAO specimens were generated with an
 * independent check digit implementation (not the code under test).
 */
#pragma once

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emrtd/mrz.h"

static const struct eg_date today = { 2026, 11, 27 };

#define TD3_L1 "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
#define TD3_L2 "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
#define TD3_OLD_L2 "L898902C<3UTO6908061F9406236ZE184226B<<<<<14"
#define TD1_L1 "I<UTOD231458907<<<<<<<<<<<<<<<"
#define TD1_L2 "7408122F1204159UTO<<<<<<<<<<<6"
#define TD1_L3 "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
#define TD2_L1 "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<"
#define TD2_L2 "D231458907UTO7408122F1204159<<<<<<<6"

static inline int parse(const char *text, struct eg_mrz *m, struct eg_mrz_error *e) {
        return eg_mrz_parse(text, &today, m, e);
}

static inline void assert_date(const struct eg_date *d, int y, int m, int day) {
        assert_int_equal(d->year, y);
        assert_int_equal(d->month, m);
        assert_int_equal(d->day, day);
}

static inline void assert_error(const char *text, enum eg_mrz_error_code code, unsigned line,
                                unsigned column) {
        struct eg_mrz m;
        struct eg_mrz_error e;

        assert_int_equal(parse(text, &m, &e), -EBADMSG);
        if (e.code != code)
                fail_msg("expected %s, got %s (%s)", eg_mrz_error_code_to_string(code),
                         eg_mrz_error_code_to_string(e.code), e.message);
        assert_int_equal(e.line, line);
        assert_int_equal(e.column, column);
        assert_true(strlen(e.message) > 0);
}
