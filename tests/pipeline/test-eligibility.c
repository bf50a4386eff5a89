/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SES eligibility rules (core/src/pipeline/eligibility.h), date by date. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "pipeline/eligibility.h"
#include "pipeline/reasons.h"

static struct eg_policy policy;

static int setup(void **state) {
        eg_policy_init_ses(&policy);
        return 0;
}

static int teardown(void **state) {
        eg_policy_done(&policy);
        return 0;
}

static struct eg_date D(int y, int m, int d) {
        return (struct eg_date){ y, m, d };
}

static const struct eg_date today = { 2026, 11, 27 };

/* An active member enrolled two years ago, registered passport USA 123456789 valid to 2031. */
static struct eg_member_passport passport = { "USA", "123456789", { 2031, 5, 1 } };

static struct eg_member member(void) {
        return (struct eg_member){
                .id = "GE-100001",
                .status = EG_MEMBER_ACTIVE,
                .birth_date = { 1985, 2, 14 },
                .has_enrolled = true,
                .enrolled = { 2024, 11, 27 },
                .passports = &passport,
                .n_passports = 1,
        };
}

static struct eg_eligibility_document document(void) {
        return (struct eg_eligibility_document){
                .issuing_state = "USA",
                .document_number = "123456789",
                .birth_date = { 1985, 2, 14 },
                .expiry_date = { 2031, 5, 1 },
        };
}

static struct eg_eligibility check(const struct eg_member *m,
                                   const struct eg_eligibility_document *doc, struct eg_date on) {
        struct eg_eligibility e;

        eg_eligibility_check(m, doc, &on, &policy, &e);
        return e;
}

static void assert_eligible(const struct eg_eligibility *e) {
        assert_int_equal(e->check.result, EG_CHECK_SUCCESSFUL);
        assert_null(e->check.reason);
        assert_int_equal(e->n_reasons, 0);
}

static void assert_refused(const struct eg_eligibility *e, const char *reason) {
        assert_int_equal(e->check.result, EG_CHECK_FAILED);
        assert_non_null(e->check.reason);
        assert_string_equal(e->check.reason, reason);
        assert_true(e->n_reasons >= 1);
        assert_string_equal(e->reasons[0], reason);
        /* Every code it gives is in the documented list. */
        for (size_t i = 0; i < e->n_reasons; i++)
                assert_non_null(eg_reason_lookup(e->reasons[i]));
}

static void test_active_member(void **state) {
        struct eg_member m = member();
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e = check(&m, &doc, today);

        assert_eligible(&e);
        assert_true(e.has_membership_end);
        /* Five years from 2024-11-27: the last day is 2029-11-26. */
        assert_int_equal(eg_date_compare(&e.membership_end, &(struct eg_date){ 2029, 11, 26 }), 0);
}

static void test_no_member(void **state) {
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e = check(NULL, &doc, today);

        assert_refused(&e, EG_REASON_NOT_ENROLLED);
}

static void test_age_16y364d(void **state) {
        struct eg_member m = member();
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e;

        /* Born 2009-11-28: 17 tomorrow, 16 years and 364 days today. */
        doc.birth_date = m.birth_date = D(2009, 11, 28);
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_AGE_INELIGIBLE);
        assert_int_equal(e.n_reasons, 1);
}

static void test_17th_birthday_today(void **state) {
        struct eg_member m = member();
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e;

        doc.birth_date = m.birth_date = D(2009, 11, 27);
        e = check(&m, &doc, today);
        assert_eligible(&e);
}

static void test_min_age_is_policy(void **state) {
        struct eg_member m = member();
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e;

        doc.birth_date = m.birth_date = D(2015, 1, 1);
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_AGE_INELIGIBLE);
        policy.min_age_years = 0;
        e = check(&m, &doc, today);
        policy.min_age_years = 17;
        assert_eligible(&e);
}

static void test_leap_day_birth(void **state) {
        struct eg_member m = member();
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e;

        /* Born 2008-02-29: in 2025 (no 29 February) the 17th birthday counts as 1 March. */
        doc.birth_date = m.birth_date = D(2008, 2, 29);
        m.enrolled = D(2024, 1, 10);
        e = check(&m, &doc, D(2025, 2, 28));
        assert_refused(&e, EG_REASON_AGE_INELIGIBLE);
        e = check(&m, &doc, D(2025, 3, 1));
        assert_eligible(&e);

        /* A 28 February birthday is that day; in a leap year a 29 February one is too. */
        doc.birth_date = m.birth_date = D(2007, 2, 28);
        e = check(&m, &doc, D(2024, 2, 28));
        assert_eligible(&e);
        doc.birth_date = m.birth_date = D(2008, 2, 29);
        policy.min_age_years = 16;
        e = check(&m, &doc, D(2024, 2, 29));
        policy.min_age_years = 17;
        assert_eligible(&e);
}

static void test_membership_expired_yesterday(void **state) {
        struct eg_member m = member();
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e;

        /* Enrolled 2021-11-26: the fifth anniversary was yesterday, the last day before it. */
        m.enrolled = D(2021, 11, 26);
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_MEMBERSHIP_EXPIRED);
        assert_int_equal(eg_date_compare(&e.membership_end, &(struct eg_date){ 2026, 11, 25 }), 0);

        /* Enrolled 2021-11-27: the anniversary is today, so yesterday was the last day. */
        m.enrolled = D(2021, 11, 27);
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_MEMBERSHIP_EXPIRED);

        /* Enrolled 2021-11-28: today is the last day. */
        m.enrolled = D(2021, 11, 28);
        e = check(&m, &doc, today);
        assert_eligible(&e);
        assert_int_equal(eg_date_compare(&e.membership_end, &today), 0);
}

static void test_membership_from_first_of_month(void **state) {
        struct eg_member m = member();
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e;

        /* The anniversary on the 1st: the last day is the end of the month before. */
        m.enrolled = D(2022, 3, 1);
        e = check(&m, &doc, D(2027, 2, 28));
        assert_eligible(&e);
        assert_int_equal(eg_date_compare(&e.membership_end, &(struct eg_date){ 2027, 2, 28 }), 0);
        e = check(&m, &doc, D(2027, 3, 1));
        assert_refused(&e, EG_REASON_MEMBERSHIP_EXPIRED);
}

static void test_passport_expires_before_membership(void **state) {
        struct eg_member_passport p = passport;
        struct eg_member m = member();
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e;

        /* Enrolled 2024-11-27 (membership to 2029-11-26), passport valid to 2027-01-10. */
        p.expiry = doc.expiry_date = D(2027, 1, 10);
        m.passports = &p;
        e = check(&m, &doc, today);
        assert_eligible(&e);
        assert_int_equal(eg_date_compare(&e.membership_end, &p.expiry), 0);
        /* The passport's last day is still a day of membership ... */
        e = check(&m, &doc, D(2027, 1, 10));
        assert_eligible(&e);
        /* ... the day after, the membership has ended with it. */
        e = check(&m, &doc, D(2027, 1, 11));
        assert_refused(&e, EG_REASON_MEMBERSHIP_EXPIRED);
        assert_non_null(strstr(e.check.detail, "passport"));
}

/* A registry record whose passport expiry is not a date (a damaged row, a backend that
 * left it out) cannot show the membership still runs. */
static void test_unknown_passport_expiry(void **state) {
        struct eg_member_passport p = passport;
        struct eg_member m = member();
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e;

        m.passports = &p;
        p.expiry = (struct eg_date){};
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_MEMBERSHIP_EXPIRED);
        assert_false(e.has_membership_end);
        p.expiry = D(2031, 2, 30);
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_MEMBERSHIP_EXPIRED);
}

/* check() under a policy of `months` to complete enrolment after conditional approval. */
static struct eg_eligibility check_months(const struct eg_member *m,
                                          const struct eg_eligibility_document *doc,
                                          unsigned months, struct eg_date on) {
        struct eg_eligibility e;

        policy.conditional_enrolment_months = months;
        e = check(m, doc, on);
        policy.conditional_enrolment_months = 6;
        return e;
}

static void test_conditional(void **state) {
        struct eg_member m = member();
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e;

        m.status = EG_MEMBER_CONDITIONAL;
        m.has_enrolled = false;
        m.has_conditional_approval = true;
        m.conditional_approval = D(2026, 9, 1);
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_MEMBER_CONDITIONAL);
        assert_int_equal(e.n_reasons, 1);
        assert_non_null(strstr(e.check.detail, "within 6 months of conditional approval"));
        /* The policy's window, not a fixed one; 0 months sets none. */
        e = check_months(&m, &doc, 4, today);
        assert_non_null(strstr(e.check.detail, "within 4 months of conditional approval"));
        e = check_months(&m, &doc, 1, m.conditional_approval);
        assert_non_null(strstr(e.check.detail, "within 1 month of conditional approval"));
        m.conditional_approval = D(2020, 1, 1);
        e = check_months(&m, &doc, 0, today);
        assert_refused(&e, EG_REASON_MEMBER_CONDITIONAL);
        assert_null(strstr(e.check.detail, "within"));
        assert_null(strstr(e.check.detail, "have passed"));

        /* Six months after the approval the window has passed: same code, other advice. */
        m.conditional_approval = D(2026, 5, 27);
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_MEMBER_CONDITIONAL);
        assert_non_null(strstr(e.check.detail, "have passed"));
}

/* Enrolment completed after the window that conditional approval gives is no membership. */
static void test_enrolment_completed_late(void **state) {
        struct eg_member m = member();
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e;

        m.has_conditional_approval = true;
        m.conditional_approval = D(2024, 5, 27);
        /* The last day of the six months: a member. */
        m.enrolled = D(2024, 11, 26);
        e = check(&m, &doc, today);
        assert_eligible(&e);
        /* Six months to the day: too late (as for a conditional applicant on that day). */
        m.enrolled = D(2024, 11, 27);
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_NOT_ENROLLED);
        assert_non_null(strstr(e.check.detail, "after the months allowed"));
        m.status = EG_MEMBER_CONDITIONAL;
        m.has_enrolled = false;
        e = check(&m, &doc, D(2024, 11, 27));
        assert_non_null(strstr(e.check.detail, "have passed"));
        m.status = EG_MEMBER_ACTIVE;
        m.has_enrolled = true;
        /* An approval date that is not one shows no window. */
        m.conditional_approval = (struct eg_date){};
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_NOT_ENROLLED);
        /* A policy of 0 months sets no limit. */
        m.conditional_approval = D(2020, 1, 1);
        policy.conditional_enrolment_months = 0;
        e = check(&m, &doc, today);
        policy.conditional_enrolment_months = 6;
        assert_eligible(&e);
}

static void test_suspended_revoked_expired(void **state) {
        struct eg_member m = member();
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e;

        m.status = EG_MEMBER_SUSPENDED;
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_MEMBERSHIP_SUSPENDED);
        m.status = EG_MEMBER_REVOKED;
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_MEMBERSHIP_REVOKED);
        m.status = EG_MEMBER_EXPIRED;
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_MEMBERSHIP_EXPIRED);
}

static void test_not_enrolled(void **state) {
        struct eg_member m = member();
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e;

        m.has_enrolled = false;
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_NOT_ENROLLED);

        m.has_enrolled = true;
        m.enrolled = D(2026, 11, 28); /* tomorrow */
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_NOT_ENROLLED);
}

static void test_unregistered_passport(void **state) {
        struct eg_member_passport d = { "D<<", "C01X00T47", { 2030, 1, 1 } };
        struct eg_member m = member();
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e;

        doc.document_number = "987654321";
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_PASSPORT_NOT_REGISTERED);

        /* Same number from another state is another passport. */
        doc = document();
        doc.issuing_state = "KOR";
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_PASSPORT_NOT_REGISTERED);

        /* Fillers of a short state code do not matter. */
        m.passports = &d;
        doc.issuing_state = "D";
        doc.document_number = "C01X00T47";
        e = check(&m, &doc, today);
        assert_eligible(&e);
}

static void test_record_mismatch(void **state) {
        struct eg_member m = member();
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e;

        m.birth_date = D(1985, 2, 15);
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_MEMBER_RECORD_MISMATCH);
}

static void test_every_failure_is_listed(void **state) {
        struct eg_member m = member();
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e;

        /* Suspended, expired and too young: the status first, then the rest. */
        m.status = EG_MEMBER_SUSPENDED;
        m.enrolled = D(2020, 1, 1);
        doc.birth_date = m.birth_date = D(2012, 1, 1);
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_MEMBERSHIP_SUSPENDED);
        assert_int_equal(e.n_reasons, 2);
        assert_string_equal(e.reasons[1], EG_REASON_AGE_INELIGIBLE);
}

/* A record found by issuing state and birth date (the holder lookup) may be a stranger's who
 * shares the birthday: nothing in it may word this traveller's referral. */
static void test_record_of_another_passport_says_nothing_else(void **state) {
        struct eg_member m = member();
        struct eg_eligibility_document doc = document();
        struct eg_eligibility e;

        doc.document_number = "000000001";
        m.status = EG_MEMBER_SUSPENDED;
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_PASSPORT_NOT_REGISTERED);
        assert_int_equal(e.n_reasons, 1);
        assert_false(e.has_membership_end);

        m.status = EG_MEMBER_ACTIVE;
        m.enrolled = D(2019, 1, 1); /* that record's membership ended long ago */
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_PASSPORT_NOT_REGISTERED);
        assert_int_equal(e.n_reasons, 1);

        m.status = EG_MEMBER_CONDITIONAL;
        m.has_enrolled = false;
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_PASSPORT_NOT_REGISTERED);
        assert_int_equal(e.n_reasons, 1);

        /* The traveller's own age still counts: it comes from the document. */
        doc.birth_date = m.birth_date = D(2012, 1, 1);
        e = check(&m, &doc, today);
        assert_refused(&e, EG_REASON_PASSPORT_NOT_REGISTERED);
        assert_int_equal(e.n_reasons, 2);
        assert_string_equal(e.reasons[1], EG_REASON_AGE_INELIGIBLE);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_active_member),
                cmocka_unit_test(test_no_member),
                cmocka_unit_test(test_age_16y364d),
                cmocka_unit_test(test_17th_birthday_today),
                cmocka_unit_test(test_min_age_is_policy),
                cmocka_unit_test(test_leap_day_birth),
                cmocka_unit_test(test_membership_expired_yesterday),
                cmocka_unit_test(test_membership_from_first_of_month),
                cmocka_unit_test(test_passport_expires_before_membership),
                cmocka_unit_test(test_unknown_passport_expiry),
                cmocka_unit_test(test_conditional),
                cmocka_unit_test(test_enrolment_completed_late),
                cmocka_unit_test(test_suspended_revoked_expired),
                cmocka_unit_test(test_not_enrolled),
                cmocka_unit_test(test_unregistered_passport),
                cmocka_unit_test(test_record_mismatch),
                cmocka_unit_test(test_every_failure_is_listed),
                cmocka_unit_test(test_record_of_another_passport_says_nothing_else),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
