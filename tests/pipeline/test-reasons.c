/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one list of reason codes: the table in the code and docs/reason-codes.md agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline/reasons.h"

static void test_table_is_sound(void **state) {
        static const char *const chip_codes[] = {
                EG_REASON_CHIP_NOT_FOUND,     EG_REASON_CHIP_ACCESS_FAIL,
                EG_REASON_CHIP_TIMEOUT,       EG_REASON_CHIP_READ_FAIL,
                EG_REASON_CHIP_DG_MISSING,    EG_REASON_PA_SOD_SIG,
                EG_REASON_PA_DS_UNTRUSTED,    EG_REASON_PA_DS_REVOKED,
                EG_REASON_PA_CERT_EXPIRED,    EG_REASON_PA_DG_HASH,
                EG_REASON_PA_ISSUER_MISMATCH, EG_REASON_PA_NO_CSCA,
                EG_REASON_CHIP_CLONE_SUSPECT, EG_REASON_CHIP_AUTH_UNSUPPORTED,
        };
        size_t n;
        const struct eg_reason_info *t = eg_reasons_table(&n);

        assert_true(n > 60);
        for (size_t i = 0; i < n; i++) {
                assert_int_not_equal(eg_reason_kind(t[i].code), EG_REASON_KIND_INVALID);
                /* Codes fit the audit record's reason field (40 bytes). */
                assert_true(strlen(t[i].code) < 40);
                assert_true(t[i].step && t[i].step[0]);
                assert_true(t[i].summary && t[i].summary[0]);
                assert_ptr_equal(eg_reason_lookup(t[i].code), &t[i]);
                for (size_t j = 0; j < i; j++)
                        assert_string_not_equal(t[i].code, t[j].code);
        }
        /* The eMRTD library's codes are part of the one list. */
        for (size_t i = 0; i < sizeof(chip_codes) / sizeof(chip_codes[0]); i++)
                assert_non_null(eg_reason_lookup(chip_codes[i]));
        assert_null(eg_reason_lookup("E_NO_SUCH_CODE"));
        assert_null(eg_reason_lookup(NULL));
}

static void test_kinds(void **state) {
        assert_int_equal(eg_reason_kind("E_DOC_EXPIRED"), EG_REASON_KIND_ERROR);
        assert_int_equal(eg_reason_kind("A_TAILGATING"), EG_REASON_KIND_ALERT);
        assert_int_equal(eg_reason_kind("U_PA_NO_CSCA"), EG_REASON_KIND_UNDETERMINED);
        assert_int_equal(eg_reason_kind("N_CHIP_AUTH_UNSUPPORTED"), EG_REASON_KIND_NOT_SUPPORTED);
        assert_int_equal(eg_reason_kind("W_APPROACH_MULTI"), EG_REASON_KIND_WARNING);
        assert_int_equal(eg_reason_kind("X_FOO"), EG_REASON_KIND_INVALID);
        assert_int_equal(eg_reason_kind("E"), EG_REASON_KIND_INVALID);
        assert_int_equal(eg_reason_kind("EFOO"), EG_REASON_KIND_INVALID);
        assert_int_equal(eg_reason_kind(NULL), EG_REASON_KIND_INVALID);
        assert_true(eg_reason_is_alert(EG_REASON_WATCHLIST_HIT));
        assert_false(eg_reason_is_alert(EG_REASON_FP_NO_MATCH));
}

/* "| `CODE` | `step` | meaning |" lines of the page, in order, against the table. */
static void test_documentation_matches(void **state) {
        const char *root = getenv("EGATE_SOURCE_ROOT");
        char path[4096], line[1024];
        size_t n, i = 0;
        const struct eg_reason_info *t = eg_reasons_table(&n);
        FILE *f;

        assert_non_null(root);
        (void) snprintf(path, sizeof(path), "%s/docs/reason-codes.md", root);
        f = fopen(path, "re");
        assert_non_null(f);
        while (fgets(line, sizeof(line), f)) {
                char code[64], step[64];

                if (sscanf(line, "| `%63[A-Z0-9_]` | `%63[a-z-]` |", code, step) != 2)
                        continue;
                if (i >= n)
                        fail_msg("docs/reason-codes.md lists %s, which the code does not know",
                                 code);
                if (strcmp(code, t[i].code) != 0)
                        fail_msg("docs/reason-codes.md has %s where the code has %s", code,
                                 t[i].code);
                if (strcmp(step, t[i].step) != 0)
                        fail_msg("%s: the page says step %s, the code %s", code, step, t[i].step);
                i++;
        }
        fclose(f);
        if (i != n)
                fail_msg("docs/reason-codes.md lists %zu codes, the code %zu (first missing: %s)",
                         i, n, t[i].code);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table_is_sound),
                cmocka_unit_test(test_kinds),
                cmocka_unit_test(test_documentation_matches),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
