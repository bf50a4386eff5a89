/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration keys the lane pipeline added: [daemon] csca-directory, crl-directory,
 * crl-grace-hours and stale-crl,
 * and the policy keys passive-authentication, chip-authenticity, fingerprint-threshold,
 * face-threshold, operator-confirmation, operator-attendance, registry-timeout-ms and
 * turn-back-ms. */
#include <stdlib.h>
#include <string.h>

#include "config-test-util.h"
#include "macro.h"

static void test_defaults(void **state) {
        struct eg_config *c = test_load_ok("");
        const struct eg_policy *p = eg_config_find_policy(c, "ses");

        assert_null(c->csca_directory);
        assert_null(c->crl_directory);
        assert_int_equal(c->crl_grace_hours, 24);
        assert_true(c->stale_crl_closes_lanes);
        assert_int_equal(p->passive_authentication, EG_REQUIREMENT_REQUIRED);
        assert_int_equal(p->chip_authenticity, EG_REQUIREMENT_OPTIONAL);
        assert_int_equal(p->fingerprint_threshold, 0);
        assert_int_equal(p->face_threshold, 60);
        assert_int_equal(p->operator_confirmation, EG_CONFIRM_NONE);
        assert_int_equal(p->operator_attendance, EG_REQUIREMENT_OPTIONAL);
        assert_int_equal(p->document_inspection, EG_REQUIREMENT_REQUIRED);
        assert_int_equal(p->optical_checks, EG_OPTICAL_EVALUATORY);
        assert_int_equal(p->registry_timeout_ms, 3000);
        assert_int_equal(p->turn_back_ms, 3000);
        eg_config_free(c);
}

static void test_values(void **state) {
        struct eg_config *c = test_load_ok("[daemon]\n"
                                           "csca-directory = /etc/egate/csca\n"
                                           "crl-directory = /etc/egate/crl\n"
                                           "crl-grace-hours = 0\n"
                                           "stale-crl = warn\n"
                                           "[policy.ses]\n"
                                           "passive-authentication = optional\n"
                                           "chip-authenticity = required\n"
                                           "fingerprint-threshold = 45\n"
                                           "face-threshold = 75\n"
                                           "operator-confirmation = referrals\n"
                                           "operator-attendance = required\n"
                                           "registry-timeout-ms = 1500\n"
                                           "turn-back-ms = 100\n"
                                           "document-inspection = optional\n"
                                           "optical-checks = mandatory\n"
                                           "[policy.strict]\n"
                                           "operator-confirmation = all\n");
        const struct eg_policy *p = eg_config_find_policy(c, "ses");
        const struct eg_policy *strict = eg_config_find_policy(c, "strict");

        assert_string_equal(c->csca_directory, "/etc/egate/csca");
        assert_string_equal(c->crl_directory, "/etc/egate/crl");
        assert_int_equal(c->crl_grace_hours, 0);
        assert_false(c->stale_crl_closes_lanes);
        assert_int_equal(p->passive_authentication, EG_REQUIREMENT_OPTIONAL);
        assert_int_equal(p->chip_authenticity, EG_REQUIREMENT_REQUIRED);
        assert_int_equal(p->fingerprint_threshold, 45);
        assert_int_equal(p->face_threshold, 75);
        assert_int_equal(p->operator_confirmation, EG_CONFIRM_REFERRALS);
        assert_int_equal(p->operator_attendance, EG_REQUIREMENT_REQUIRED);
        assert_int_equal(p->registry_timeout_ms, 1500);
        assert_int_equal(p->turn_back_ms, 100);
        assert_int_equal(p->document_inspection, EG_REQUIREMENT_OPTIONAL);
        assert_int_equal(p->optical_checks, EG_OPTICAL_MANDATORY);
        /* Another policy starts from the SES defaults. */
        assert_int_equal(strict->operator_confirmation, EG_CONFIRM_ALL);
        assert_int_equal(strict->passive_authentication, EG_REQUIREMENT_REQUIRED);
        assert_int_equal(strict->operator_attendance, EG_REQUIREMENT_OPTIONAL);
        assert_int_equal(strict->face_threshold, 60);
        assert_int_equal(strict->optical_checks, EG_OPTICAL_EVALUATORY);
        eg_config_free(c);
}

static void test_errors(void **state) {
        test_assert_load_fails(
                "[daemon]\n"
                "csca-directory = etc/csca\n"
                "crl-directory =\n"
                "crl-grace-hours = 8785\n"
                "stale-crl = ignore\n",
                (const char *const[]){
                        "egated.conf:2: csca-directory must be an absolute path, not 'etc/csca'",
                        "egated.conf:3: missing value for crl-directory",
                        "egated.conf:4: crl-grace-hours must be between 0 and 8784",
                        "egated.conf:5: invalid value 'ignore' for stale-crl: expected close or "
                        "warn",
                        NULL,
                });
        test_assert_load_fails(
                "[policy.ses]\n"
                "passive-authentication = maybe\n"
                "chip-authenticity =\n"
                "fingerprint-threshold = 100001\n"
                "face-threshold = 0\n"
                "operator-confirmation = some\n"
                "registry-timeout-ms = 99\n"
                "turn-back-ms = 600001\n"
                "operator-attendance = always\n"
                "document-inspection = never\n"
                "optical-checks = advisory\n",
                (const char *const[]){
                        "egated.conf:2: invalid value 'maybe' for passive-authentication: "
                        "expected required or optional",
                        "egated.conf:3: missing value for chip-authenticity",
                        "egated.conf:4: fingerprint-threshold must be between 0 and 100000",
                        "egated.conf:5: face-threshold must be between 1 and 100",
                        "egated.conf:6: invalid value 'some' for operator-confirmation: "
                        "expected none, referrals or all",
                        "egated.conf:7: registry-timeout-ms must be between 100 and 600000",
                        "egated.conf:8: turn-back-ms must be between 100 and 600000",
                        "egated.conf:9: invalid value 'always' for operator-attendance: "
                        "expected required or optional",
                        "egated.conf:10: invalid value 'never' for document-inspection: "
                        "expected required or optional",
                        "egated.conf:11: invalid value 'advisory' for optical-checks: "
                        "expected mandatory or evaluatory",
                        NULL,
                });
}

/* A lane's and a transaction's policy is a copy that outlives the configuration. */
static void test_policy_copy(void **state) {
        struct eg_config *c = test_load_ok("[policy.strict]\nmin-age = 18\n"
                                           "issuing-states = KOR\ndocument-types = P, PM\n"
                                           "enrolled-fingers = right-thumb\n"
                                           "registry-timeout-ms = 4500\n");
        struct eg_policy copy = {};

        (void) state;
        assert_int_equal(eg_policy_copy(eg_config_find_policy(c, "strict"), &copy), 0);
        eg_config_free(c); /* the copy owns all it needs */
        assert_string_equal(copy.name, "strict");
        assert_int_equal(copy.min_age_years, 18);
        assert_int_equal(copy.registry_timeout_ms, 4500);
        assert_int_equal(strv_length(copy.issuing_states), 1);
        assert_string_equal(copy.issuing_states[0], "KOR");
        assert_int_equal(strv_length(copy.document_types), 2);
        assert_string_equal(copy.document_types[1], "PM");
        assert_int_equal(strv_length(copy.enrolled_fingers), 1);
        assert_string_equal(copy.enrolled_fingers[0], "right-thumb");
        assert_null(copy.origin.file); /* the config's, gone with it */
        eg_policy_done(&copy);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_values),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_policy_copy),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
