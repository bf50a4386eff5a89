/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers of the scenario parser's tests (test-mock-scenario*.c): scenarios written with
 * single quotes, loaded from memory, and the exact message of the first error.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mock-macro.h"
#include "names.h"
#include "scenario.h"

/* ICAO 9303 specimen (check digits valid). */
#define MRZ_TD3                                                                                    \
        "['P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<',"                                         \
        "'L898902C36UTO7408122F1204159ZE184226B<<<<<10']"
#define MRZ_TD1                                                                                    \
        "['I<UTOD231458907<<<<<<<<<<<<<<<','7408122F1204159UTO<<<<<<<<<<<6',"                      \
        "'ERIKSSON<<ANNA<MARIA<<<<<<<<<<']"
#define MRZ_TD2 "['I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<','D231458907UTO7408122F1204159<<<<<<<6']"

#define LANE "'lanes':[{'name':'A1'}]"
#define T1 "{'id':'t1','mrz':" MRZ_TD3 "}"
/* A scenario with one traveller t1 that has `extra` members too. */
#define TRAV(extra) "{'name':'x','travellers':[{'id':'t1','mrz':" MRZ_TD3 extra "}]}"

/* Test JSON is written with single quotes; this turns them into double ones. */
static inline char *dq(const char *s) {
        char *copy = strdup(s);

        assert_non_null(copy);
        for (char *p = copy; *p; p++)
                if (*p == '\'')
                        *p = '"';
        return copy;
}

static inline int load(const char *json, struct mock_scenario **ret, char **error) {
        _cleanup_(freep) char *text = dq(json);

        return mock_scenario_load_buffer(text, strlen(text), ret, error);
}

static inline void expect_error(const char *json, const char *message) {
        struct mock_scenario *s = NULL;
        _cleanup_(freep) char *error = NULL;
        int r;

        r = load(json, &s, &error);
        if (r >= 0 || !error || !streq(error, message))
                fail_msg("for %s\n  expected: %s\n  got (%d): %s", json, message, r,
                         error ? error : "(none)");
        assert_null(s);
}

static inline void expect_error_prefix(const char *json, const char *prefix) {
        struct mock_scenario *s = NULL;
        _cleanup_(freep) char *error = NULL;
        int r;

        r = load(json, &s, &error);
        if (r >= 0 || !error || strncmp(error, prefix, strlen(prefix)) != 0)
                fail_msg("for %s\n  expected prefix: %s\n  got (%d): %s", json, prefix, r,
                         error ? error : "(none)");
        assert_null(s);
}

static inline struct mock_scenario *expect_ok(const char *json) {
        struct mock_scenario *s = NULL;
        _cleanup_(freep) char *error = NULL;
        int r;

        r = load(json, &s, &error);
        if (r < 0)
                fail_msg("for %s\n  unexpected error (%d): %s", json, r, error ? error : "(none)");
        assert_non_null(s);
        return s;
}
