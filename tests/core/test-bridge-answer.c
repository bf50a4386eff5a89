/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* eg_bridge_text_is_loggable(): what a bridge's text may show in the log, and what not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "bridge-answer.h"

static bool loggable(const char *text, const char *const *avoid) {
        return eg_bridge_text_is_loggable(text, strlen(text), 128, avoid);
}

static void test_operational_reasons_pass(void **state) {
        static const char *const avoid[] = { "M12345678", NULL };

        assert_true(loggable("central registry in maintenance", avoid));
        assert_true(loggable("back end unreachable (HTTP 503, retry in 30 s)", avoid));
        assert_true(loggable("member.passports[0].expiry: not a date (YYYY-MM-DD)", NULL));
}

static void test_personal_data_withheld(void **state) {
        static const char *const avoid[] = { "X1Y2", NULL };

        /* Shaped like a document number; a date; a YYMMDD; the question's own value. */
        assert_false(loggable("no record for L898902C3", NULL));
        assert_false(loggable("member.'1980-01-31': unknown field", NULL));
        assert_false(loggable("born 800131", NULL));
        assert_false(loggable("no match for x1y2 today", avoid));
}

static void test_unsafe_text_withheld(void **state) {
        char long_text[200];

        memset(long_text, 'a', sizeof(long_text) - 1);
        long_text[sizeof(long_text) - 1] = '\0';
        assert_false(loggable(long_text, NULL));
        assert_false(loggable("", NULL));
        assert_false(loggable("line\nforged: egated: all clear", NULL));
        assert_false(loggable("caf\xc3\xa9 closed", NULL));
        assert_false(eg_bridge_text_is_loggable("ab\0cd", 5, 128, NULL));
        assert_false(eg_bridge_text_is_loggable(NULL, 0, 128, NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_operational_reasons_pass),
                cmocka_unit_test(test_personal_data_withheld),
                cmocka_unit_test(test_unsafe_text_withheld),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
