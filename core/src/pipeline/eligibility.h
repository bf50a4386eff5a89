/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Programme eligibility (domain notes §9 step 11), as a pure function: the
 * registry record, the checked document and today's date in, a TR-03135
 * result and reason codes out.  No loop, no I/O, no logging, so every rule
 * is unit-tested on its own (tests/pipeline/test-eligibility.c).
 *
 * The SES / Global Entry rules, with the numbers from struct eg_policy:
 *   - a record must exist and be "active" (conditional approval is not
 *     membership; suspended, revoked and expired records are refused);
 *   - enrolment must be completed, within conditional-enrolment-months of a
 *     conditional approval (0: no limit), and the membership runs from the
 *     enrolment day up to the day before its membership-years anniversary;
 *   - the membership never outlasts the registered passport: it ends with
 *     that passport's expiry day;
 *   - the presented document must be a registered passport of the member;
 *   - the holder is at least min-age years old today (a 29 February birthday
 *     counts as 1 March in other years, see emrtd/date.h);
 *   - the record's birth date, when known, equals the document's.
 */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "emrtd/check-result.h"
#include "emrtd/date.h"
#include "registry/registry.h"

#define EG_ELIGIBILITY_MAX_REASONS 8

struct eg_eligibility_document {
        const char *issuing_state; /* as in the MRZ, fillers removed */
        const char *document_number; /* fillers removed */
        struct eg_date birth_date;
        struct eg_date expiry_date;
};

struct eg_eligibility {
        /* The verdict: successful, or failed with the first reason below. */
        struct eg_check check;
        /* Every rule that failed, in the order above, for the referral message. */
        const char *reasons[EG_ELIGIBILITY_MAX_REASONS];
        size_t n_reasons;
        /* The last day of the membership, when it could be computed. */
        bool has_membership_end;
        struct eg_date membership_end;
};

/*
 * `member` NULL: no member holds the passport (E_NOT_ENROLLED).  A member
 * found by other means than this passport (a renewed passport) yields
 * E_PASSPORT_NOT_REGISTERED and, of the rules above, only the age: that record
 * may be another person's, so its status and dates say nothing about this
 * traveller.  `today` must be a valid date.
 */
void eg_eligibility_check(const struct eg_member *member, const struct eg_eligibility_document *doc,
                          const struct eg_date *today, const struct eg_policy *policy,
                          struct eg_eligibility *ret);
