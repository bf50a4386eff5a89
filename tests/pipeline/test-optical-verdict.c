/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The data page's optical security against the policy (steps-optical.c):
 * pl_document_model_evaluate() and pl_optical_evaluate(), every verdict a
 * reader can give under both weights and both document-inspection settings.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "pipeline/pipeline-internal.h"
#include "pipeline/reasons.h"

#define ALL_CHECKS (EG_OPTICAL_BIT(EG_OPTICAL_MAX_) - 1)

static struct eg_policy policy;

static int setup(void **state) {
        eg_policy_init_ses(&policy);
        return 0;
}

static int teardown(void **state) {
        eg_policy_done(&policy);
        return 0;
}

static const struct pl_inspection all_passed = { .model_known = true, .passed = ALL_CHECKS };

static void test_defaults(void **state) {
        /* TR-03135-2 Table 4.1 (self service): inspection mandatory, spectral checks
         * evaluatory once the chip proved authentic. */
        assert_int_equal(policy.document_inspection, EG_REQUIREMENT_REQUIRED);
        assert_int_equal(policy.optical_checks, EG_OPTICAL_EVALUATORY);
}

static void test_model_identified(void **state) {
        struct pl_verdict v;

        assert_true(pl_document_model_evaluate(&all_passed, &policy, &v));
        assert_string_equal(v.step, "document-model");
        assert_int_equal(v.result, EG_CHECK_SUCCESSFUL);
        assert_null(v.reason);
}

static void test_model_unknown_refers_whatever_the_policy(void **state) {
        struct pl_inspection in = { .passed = ALL_CHECKS };
        struct pl_verdict v;

        assert_false(pl_document_model_evaluate(&in, &policy, &v));
        assert_int_equal(v.result, EG_CHECK_FAILED);
        assert_string_equal(v.reason, EG_REASON_DOC_MODEL_UNKNOWN);

        policy.document_inspection = EG_REQUIREMENT_OPTIONAL;
        assert_false(pl_document_model_evaluate(&in, &policy, &v));
        assert_string_equal(v.reason, EG_REASON_DOC_MODEL_UNKNOWN);
}

static void test_reader_cannot_inspect(void **state) {
        struct pl_inspection in = { .status = -EOPNOTSUPP };
        struct pl_verdict v;

        assert_false(pl_document_model_evaluate(&in, &policy, &v));
        assert_int_equal(v.result, EG_CHECK_NOT_SUPPORTED);
        assert_string_equal(v.reason, EG_REASON_DOC_INSPECTION_UNSUPPORTED);

        policy.document_inspection = EG_REQUIREMENT_OPTIONAL;
        assert_true(pl_document_model_evaluate(&in, &policy, &v));
        assert_int_equal(v.result, EG_CHECK_NOT_SUPPORTED);
        assert_string_equal(v.reason, EG_REASON_DOC_INSPECTION_UNSUPPORTED);
}

static void test_reader_failed_to_inspect(void **state) {
        struct pl_inspection in = { .status = -EIO };
        struct pl_verdict v;

        assert_false(pl_document_model_evaluate(&in, &policy, &v));
        assert_int_equal(v.result, EG_CHECK_UNDETERMINED);
        assert_string_equal(v.reason, EG_REASON_DOC_INSPECTION_FAILED);

        policy.document_inspection = EG_REQUIREMENT_OPTIONAL;
        assert_true(pl_document_model_evaluate(&in, &policy, &v));
}

static void test_all_checks_passed(void **state) {
        struct pl_verdict v;

        assert_true(pl_optical_evaluate(&all_passed, false, &policy, &v));
        assert_string_equal(v.step, "optical-security");
        assert_int_equal(v.result, EG_CHECK_SUCCESSFUL);
        assert_null(v.reason);
        assert_string_equal(v.detail,
                            "passed: uv-dullness, uv-patterns, ir-b900, ir-mrz, visible-patterns");
}

static void test_failed_check_refers_without_an_authentic_chip(void **state) {
        struct pl_inspection in = all_passed;
        struct pl_verdict v;

        in.passed &= ~EG_OPTICAL_BIT(EG_OPTICAL_UV_DULLNESS);
        in.failed = EG_OPTICAL_BIT(EG_OPTICAL_UV_DULLNESS);
        assert_false(pl_optical_evaluate(&in, false, &policy, &v));
        assert_int_equal(v.result, EG_CHECK_FAILED);
        assert_string_equal(v.reason, EG_REASON_DOC_OPTICAL_FAIL);
        assert_string_equal(v.detail, "failed: uv-dullness");

        /* document-inspection = optional forgives a reader that cannot, never a failed check. */
        policy.document_inspection = EG_REQUIREMENT_OPTIONAL;
        assert_false(pl_optical_evaluate(&in, false, &policy, &v));
}

static void test_failed_check_is_evaluatory_with_an_authentic_chip(void **state) {
        struct pl_inspection in = { .model_known = true,
                                    .passed = EG_OPTICAL_BIT(EG_OPTICAL_IR_MRZ),
                                    .failed = EG_OPTICAL_BIT(EG_OPTICAL_IR_B900) |
                                              EG_OPTICAL_BIT(EG_OPTICAL_UV_PATTERNS) };
        struct pl_verdict v;

        assert_true(pl_optical_evaluate(&in, true, &policy, &v));
        assert_int_equal(v.result, EG_CHECK_FAILED); /* what happened stays recorded */
        assert_string_equal(v.reason, EG_REASON_DOC_OPTICAL_EVALUATORY);
        assert_string_equal(v.detail,
                            "failed: uv-patterns, ir-b900 (evaluatory: the chip proved authentic)");

        policy.optical_checks = EG_OPTICAL_MANDATORY;
        assert_false(pl_optical_evaluate(&in, true, &policy, &v));
        assert_string_equal(v.reason, EG_REASON_DOC_OPTICAL_FAIL);
}

static void test_undetermined_check(void **state) {
        struct pl_inspection in = { .model_known = true,
                                    .passed = EG_OPTICAL_BIT(EG_OPTICAL_UV_DULLNESS),
                                    .undetermined = EG_OPTICAL_BIT(EG_OPTICAL_VISIBLE_PATTERNS) };
        struct pl_verdict v;

        assert_false(pl_optical_evaluate(&in, false, &policy, &v));
        assert_int_equal(v.result, EG_CHECK_UNDETERMINED);
        assert_string_equal(v.reason, EG_REASON_DOC_OPTICAL_UNDETERMINED);
        assert_string_equal(v.detail, "undetermined: visible-patterns");

        assert_true(pl_optical_evaluate(&in, true, &policy, &v));
        assert_string_equal(v.reason, EG_REASON_DOC_OPTICAL_EVALUATORY);

        policy.document_inspection = EG_REQUIREMENT_OPTIONAL;
        assert_true(pl_optical_evaluate(&in, false, &policy, &v));
        assert_string_equal(v.reason, EG_REASON_DOC_OPTICAL_UNDETERMINED);
}

static void test_failed_outweighs_undetermined(void **state) {
        struct pl_inspection in = { .model_known = true,
                                    .failed = EG_OPTICAL_BIT(EG_OPTICAL_IR_MRZ),
                                    .undetermined = EG_OPTICAL_BIT(EG_OPTICAL_UV_DULLNESS) };
        struct pl_verdict v;

        assert_false(pl_optical_evaluate(&in, false, &policy, &v));
        assert_string_equal(v.reason, EG_REASON_DOC_OPTICAL_FAIL);
        assert_string_equal(v.detail, "failed: ir-mrz");
}

static void test_no_check_made(void **state) {
        struct pl_inspection in = { .model_known = true };
        struct pl_verdict v;

        assert_false(pl_optical_evaluate(&in, false, &policy, &v));
        assert_int_equal(v.result, EG_CHECK_NOT_SUPPORTED);
        assert_string_equal(v.reason, EG_REASON_DOC_OPTICAL_NONE);
        assert_string_equal(v.detail, "none made");

        assert_true(pl_optical_evaluate(&in, true, &policy, &v));
        assert_string_equal(v.reason, EG_REASON_DOC_OPTICAL_EVALUATORY);

        policy.optical_checks = EG_OPTICAL_MANDATORY;
        assert_false(pl_optical_evaluate(&in, true, &policy, &v));
        policy.document_inspection = EG_REQUIREMENT_OPTIONAL;
        assert_true(pl_optical_evaluate(&in, true, &policy, &v));
        assert_string_equal(v.reason, EG_REASON_DOC_OPTICAL_NONE);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_defaults),
                T(test_model_identified),
                T(test_model_unknown_refers_whatever_the_policy),
                T(test_reader_cannot_inspect),
                T(test_reader_failed_to_inspect),
                T(test_all_checks_passed),
                T(test_failed_check_refers_without_an_authentic_chip),
                T(test_failed_check_is_evaluatory_with_an_authentic_chip),
                T(test_undetermined_check),
                T(test_failed_outweighs_undetermined),
                T(test_no_check_made),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
