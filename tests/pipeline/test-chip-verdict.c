/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The chip's result against the policy (pl_chip_evaluate, steps-chip.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "pipeline/pipeline-internal.h"
#include "pipeline/reasons.h"

static const char *const specimen = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                                    "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
static const struct eg_date today = { 2010, 6, 1 };

static struct eg_policy policy;
static struct eg_mrz printed;

static int setup(void **state) {
        eg_policy_init_ses(&policy);
        assert_int_equal(eg_mrz_parse(specimen, &today, &printed, NULL), 0);
        return 0;
}

static int teardown(void **state) {
        eg_policy_done(&policy);
        return 0;
}

/* A chip that passed everything: BAC, every file, PA, CA, DG1 = the printed MRZ. */
static struct eg_chip_read_result good(void) {
        struct eg_chip_read_result r = {};

        eg_check_set(&r.access, EG_CHECK_SUCCESSFUL, NULL, "BAC");
        eg_check_set(&r.read, EG_CHECK_SUCCESSFUL, NULL, "read");
        eg_check_set(&r.pa.check, EG_CHECK_SUCCESSFUL, NULL, "PA");
        eg_check_set(&r.authenticity, EG_CHECK_SUCCESSFUL, NULL, "CA");
        r.have_mrz = true;
        r.mrz = printed;
        return r;
}

static bool evaluate(const struct eg_chip_read_result *r, size_t *n, const char **reason,
                     struct pl_chip_step steps[static 5]) {
        return pl_chip_evaluate(r, &printed, &policy, steps, n, reason);
}

static void test_all_good(void **state) {
        struct eg_chip_read_result r = good();
        struct pl_chip_step steps[5];
        const char *reason;
        size_t n;

        assert_true(evaluate(&r, &n, &reason, steps));
        assert_null(reason);
        assert_int_equal(n, 5);
        assert_string_equal(steps[0].step, "chip-access");
        assert_string_equal(steps[1].step, "chip-read");
        assert_string_equal(steps[2].step, "passive-authentication");
        assert_string_equal(steps[3].step, "chip-authenticity");
        assert_string_equal(steps[4].step, "mrz-chip-match");
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(steps[i].result, EG_CHECK_SUCCESSFUL);
                assert_null(steps[i].reason);
        }
}

static void test_unreadable(void **state) {
        struct eg_chip_read_result r = good();
        struct pl_chip_step steps[5];
        const char *reason;
        size_t n;

        eg_check_set(&r.access, EG_CHECK_FAILED, EG_REASON_CHIP_ACCESS_FAIL, "BAC refused");
        assert_false(evaluate(&r, &n, &reason, steps));
        assert_string_equal(reason, EG_REASON_CHIP_ACCESS_FAIL);
        assert_int_equal(n, 1);

        /* chip-unreadable = continue: on with the printed MRZ alone, the failure recorded. */
        policy.chip_unreadable = EG_CHIP_FALLBACK_CONTINUE;
        assert_true(evaluate(&r, &n, &reason, steps));
        policy.chip_unreadable = EG_CHIP_FALLBACK_REFER;
        assert_null(reason);
        assert_int_equal(n, 1);
        assert_int_equal(steps[0].result, EG_CHECK_FAILED);
        assert_string_equal(steps[0].reason, EG_REASON_CHIP_ACCESS_FAIL);

        /* A read that failed without a reason still gets one. */
        r = good();
        eg_check_set(&r.read, EG_CHECK_ABORTED, NULL, "chip removed");
        assert_false(evaluate(&r, &n, &reason, steps));
        assert_string_equal(reason, EG_REASON_CHIP_READ_FAIL);
        assert_int_equal(n, 2);
}

static void test_passive_authentication(void **state) {
        struct eg_chip_read_result r = good();
        struct pl_chip_step steps[5];
        const char *reason;
        size_t n;

        eg_check_set(&r.pa.check, EG_CHECK_FAILED, EG_REASON_PA_DG_HASH, "DG1 hash");
        assert_false(evaluate(&r, &n, &reason, steps));
        assert_string_equal(reason, EG_REASON_PA_DG_HASH);
        /* The remaining checks are still recorded. */
        assert_int_equal(n, 5);

        /* Failed PA refers whatever the policy says. */
        policy.passive_authentication = EG_REQUIREMENT_OPTIONAL;
        assert_false(evaluate(&r, &n, &reason, steps));

        /* No CSCA: undetermined; optional lets it pass, required refers. */
        eg_check_set(&r.pa.check, EG_CHECK_UNDETERMINED, EG_REASON_PA_NO_CSCA, "no CSCA");
        assert_true(evaluate(&r, &n, &reason, steps));
        assert_null(reason);
        assert_string_equal(steps[2].reason, EG_REASON_PA_NO_CSCA);
        policy.passive_authentication = EG_REQUIREMENT_REQUIRED;
        assert_false(evaluate(&r, &n, &reason, steps));
        assert_string_equal(reason, EG_REASON_PA_NO_CSCA);
}

static void test_chip_authenticity(void **state) {
        struct eg_chip_read_result r = good();
        struct pl_chip_step steps[5];
        const char *reason;
        size_t n;

        eg_check_set(&r.authenticity, EG_CHECK_NOT_SUPPORTED, EG_REASON_CHIP_AUTH_UNSUPPORTED,
                     "neither CA nor AA");
        assert_true(evaluate(&r, &n, &reason, steps)); /* optional by default */
        assert_string_equal(steps[3].reason, EG_REASON_CHIP_AUTH_UNSUPPORTED);
        policy.chip_authenticity = EG_REQUIREMENT_REQUIRED;
        assert_false(evaluate(&r, &n, &reason, steps));
        policy.chip_authenticity = EG_REQUIREMENT_OPTIONAL;
        assert_string_equal(reason, EG_REASON_CHIP_AUTH_UNSUPPORTED);

        eg_check_set(&r.authenticity, EG_CHECK_FAILED, EG_REASON_CHIP_CLONE_SUSPECT, "AA");
        assert_false(evaluate(&r, &n, &reason, steps));
        assert_string_equal(reason, EG_REASON_CHIP_CLONE_SUSPECT);
}

static void test_dg1(void **state) {
        struct eg_chip_read_result r = good();
        struct pl_chip_step steps[5];
        const char *reason;
        size_t n;

        r.mrz.expiry_date.day = 16;
        assert_false(evaluate(&r, &n, &reason, steps));
        assert_string_equal(reason, EG_REASON_MRZ_DG1_MISMATCH);
        assert_int_equal(steps[4].result, EG_CHECK_FAILED);

        r = good();
        r.have_mrz = false;
        assert_false(evaluate(&r, &n, &reason, steps));
        assert_string_equal(reason, EG_REASON_CHIP_DG_MISSING);

        /* The first refusal wins: PA before the DG1 comparison. */
        r = good();
        eg_check_set(&r.pa.check, EG_CHECK_FAILED, EG_REASON_PA_SOD_SIG, "signature");
        strcpy(r.mrz.document_number, "X");
        assert_false(evaluate(&r, &n, &reason, steps));
        assert_string_equal(reason, EG_REASON_PA_SOD_SIG);
        assert_string_equal(steps[4].reason, EG_REASON_MRZ_DG1_MISMATCH);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_all_good),
                cmocka_unit_test(test_unreadable),
                cmocka_unit_test(test_passive_authentication),
                cmocka_unit_test(test_chip_authenticity),
                cmocka_unit_test(test_dg1),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
