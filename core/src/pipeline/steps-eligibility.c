/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Programme eligibility: the pure rules (eligibility.h). */
#include <stdio.h>
#include <string.h>

#include "eligibility.h"
#include "macro.h"
#include "reasons.h"

static void fail(struct eg_eligibility *e, const char *reason, const char *detail) {
        if (e->n_reasons == 0)
                eg_check_set(&e->check, EG_CHECK_FAILED, reason, "%s", detail);
        if (e->n_reasons < EG_ELIGIBILITY_MAX_REASONS)
                e->reasons[e->n_reasons++] = reason;
}

/* Issuing states compare without the fillers of short codes ("D<<" is "D"). */
static bool state_equal(const char *a, const char *b) {
        size_t la = strcspn(a, "<"), lb = strcspn(b, "<");

        return la == lb && strncmp(a, b, la) == 0;
}

static const struct eg_member_passport *find_passport(const struct eg_member *m,
                                                      const struct eg_eligibility_document *doc) {
        for (size_t i = 0; i < m->n_passports; i++)
                if (state_equal(m->passports[i].issuing_state, doc->issuing_state) &&
                    streq(m->passports[i].document_number, doc->document_number))
                        return &m->passports[i];
        return NULL;
}

/* Whether, on `day`, the months the policy allows to complete enrolment after conditional
 * approval have passed (0 months: no limit). */
static bool enrolment_window_passed(const struct eg_member *m, const struct eg_date *day,
                                    const struct eg_policy *policy) {
        struct eg_date window_end;

        if (!m->has_conditional_approval || policy->conditional_enrolment_months == 0)
                return false;
        if (eg_date_add_months(&m->conditional_approval, (int) policy->conditional_enrolment_months,
                               &window_end) < 0)
                return true; /* an approval date that is not one shows no window */
        return eg_date_compare(day, &window_end) >= 0;
}

/* The advice names the policy's window: the applicant is told the deadline that applies. */
static void fail_conditional(struct eg_eligibility *e, unsigned months) {
        char detail[160];

        if (months == 0)
                (void) snprintf(detail, sizeof(detail),
                                "conditional approval is not membership: complete enrolment "
                                "(interview and fingerprints)");
        else
                (void) snprintf(detail, sizeof(detail),
                                "conditional approval is not membership: complete enrolment "
                                "(interview and fingerprints) within %u month%s of conditional "
                                "approval",
                                months, months == 1 ? "" : "s");
        fail(e, EG_REASON_MEMBER_CONDITIONAL, detail);
}

static void check_status(const struct eg_member *m, const struct eg_date *today,
                         const struct eg_policy *policy, struct eg_eligibility *e) {
        switch (m->status) {
        case EG_MEMBER_ACTIVE:
                return;
        case EG_MEMBER_CONDITIONAL:
                if (enrolment_window_passed(m, today, policy))
                        fail(e, EG_REASON_MEMBER_CONDITIONAL,
                             "conditional approval is not membership, and the months allowed to "
                             "complete enrolment after it have passed: apply again");
                else
                        fail_conditional(e, policy->conditional_enrolment_months);
                return;
        case EG_MEMBER_SUSPENDED:
                fail(e, EG_REASON_MEMBERSHIP_SUSPENDED, "the membership is suspended");
                return;
        case EG_MEMBER_REVOKED:
                fail(e, EG_REASON_MEMBERSHIP_REVOKED, "the membership is revoked");
                return;
        case EG_MEMBER_EXPIRED:
                fail(e, EG_REASON_MEMBERSHIP_EXPIRED, "the membership is marked expired");
                return;
        default:
                fail(e, EG_REASON_NOT_ENROLLED, "the record has an unknown status");
                return;
        }
}

/* Membership period: [enrolled, enrolled + years) and never past the registered passport's
 * expiry (the one presented). */
static void check_period(const struct eg_member *m, const struct eg_member_passport *passport,
                         const struct eg_date *today, const struct eg_policy *policy,
                         struct eg_eligibility *e) {
        struct eg_date anniversary, last_day;

        if (m->status != EG_MEMBER_ACTIVE)
                return; /* the status already says why; an unenrolled applicant has no period */
        if (!m->has_enrolled || !eg_date_is_valid(&m->enrolled)) {
                fail(e, EG_REASON_NOT_ENROLLED, "enrolment has not been completed");
                return;
        }
        if (eg_date_compare(&m->enrolled, today) > 0) {
                fail(e, EG_REASON_NOT_ENROLLED, "the enrolment date lies in the future");
                return;
        }
        /* Completing it late does not make a member: the applicant must apply again. */
        if (enrolment_window_passed(m, &m->enrolled, policy)) {
                fail(e, EG_REASON_NOT_ENROLLED,
                     "enrolment was completed after the months allowed from conditional "
                     "approval: apply again");
                return;
        }
        if (eg_date_add_years(&m->enrolled, (int) policy->membership_years, &anniversary) < 0) {
                fail(e, EG_REASON_MEMBERSHIP_EXPIRED, "the membership period cannot be computed");
                return;
        }
        /* The day before the anniversary is the last one. */
        last_day = anniversary;
        if (last_day.day > 1)
                last_day.day--;
        else if (eg_date_add_months(&anniversary, -1, &last_day) == 0)
                last_day.day = eg_date_days_in_month(last_day.year, last_day.month);

        /* A record whose passport expiry is unreadable cannot show the membership still
         * runs: refer rather than let membership-years alone decide. */
        if (!eg_date_is_valid(&passport->expiry)) {
                fail(e, EG_REASON_MEMBERSHIP_EXPIRED,
                     "the registered passport's expiry is not a date in the registry");
                return;
        }
        if (eg_date_compare(&passport->expiry, &last_day) < 0)
                last_day = passport->expiry;
        e->has_membership_end = true;
        e->membership_end = last_day;

        if (eg_date_compare(today, &last_day) <= 0)
                return;
        if (eg_date_compare(&passport->expiry, &last_day) == 0)
                fail(e, EG_REASON_MEMBERSHIP_EXPIRED,
                     "the membership ended with the registered passport's expiry");
        else
                fail(e, EG_REASON_MEMBERSHIP_EXPIRED,
                     "the membership ended: it runs for the policy's membership-years from "
                     "enrolment");
}

static void check_age(const struct eg_eligibility_document *doc, const struct eg_date *today,
                      const struct eg_policy *policy, struct eg_eligibility *e) {
        int age;

        if (policy->min_age_years == 0)
                return;
        age = eg_date_age_years(&doc->birth_date, today);
        if (age < 0)
                fail(e, EG_REASON_AGE_INELIGIBLE, "the birth date does not give an age today");
        else if ((unsigned) age < policy->min_age_years)
                fail(e, EG_REASON_AGE_INELIGIBLE, "younger than the policy's minimum age today");
}

void eg_eligibility_check(const struct eg_member *member, const struct eg_eligibility_document *doc,
                          const struct eg_date *today, const struct eg_policy *policy,
                          struct eg_eligibility *ret) {
        const struct eg_member_passport *passport = NULL;

        *ret = (struct eg_eligibility){};
        if (!member) {
                fail(ret, EG_REASON_NOT_ENROLLED, "no member holds this passport");
                return;
        }

        passport = find_passport(member, doc);
        if (!passport) {
                /* Found by issuing state and birth date only: the record may be a stranger's
                 * born the same day, so its status and dates must not word this referral. */
                fail(ret, EG_REASON_PASSPORT_NOT_REGISTERED,
                     "the member's registered passport is another one: the new passport must "
                     "be reported before the gate can be used");
                check_age(doc, today, policy, ret);
                return;
        }
        check_status(member, today, policy, ret);
        check_period(member, passport, today, policy, ret);
        if (eg_date_is_valid(&member->birth_date) &&
            eg_date_compare(&member->birth_date, &doc->birth_date) != 0)
                fail(ret, EG_REASON_MEMBER_RECORD_MISMATCH,
                     "the registry's birth date differs from the document's");
        check_age(doc, today, policy, ret);

        if (ret->n_reasons == 0)
                eg_check_set(&ret->check, EG_CHECK_SUCCESSFUL, NULL, "eligible member");
}
