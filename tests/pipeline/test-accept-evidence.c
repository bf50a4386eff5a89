/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * No accept without the positive result of every check it rests on
 * (decision.c: pl_accept_missing_evidence()): a transaction with all of them
 * passes, and taking any one away names it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backend/background.h"
#include "config.h"
#include "pipeline/pipeline-internal.h"
#include "registry/registry.h"

static struct eg_member member;

/* Everything an accepted traveller's transaction holds. */
static struct eg_transaction *accepted(void) {
        struct eg_transaction *tx = calloc(1, sizeof(*tx));

        assert_non_null(tx);
        eg_policy_init_ses(&tx->policy);
        tx->have_mrz = true;
        tx->chip_done = tx->chip_ok = true;
        tx->inspected = tx->optical_done = tx->optical_ok = true;
        tx->registry_done = true;
        tx->member = &member;
        tx->eligibility_done = tx->eligible = true;
        tx->background_done = true;
        tx->background_verdict = EG_BACKGROUND_CLEAR;
        tx->entry_opened = tx->entered = true;
        tx->fp_done = tx->fp_ok = true;
        tx->face_wanted = tx->face_done = tx->face_ok = true;
        return tx;
}

static void done(struct eg_transaction *tx) {
        eg_policy_done(&tx->policy);
        free(tx);
}

static void test_all_evidence(void **state) {
        struct eg_transaction *tx = accepted();

        (void) state;
        assert_null(pl_accept_missing_evidence(tx));
        /* A lane without a face step needs no face result. */
        tx->face_wanted = tx->face_done = tx->face_ok = false;
        assert_null(pl_accept_missing_evidence(tx));
        done(tx);
}

#define MISSING(field, value, named)                                                               \
        do {                                                                                       \
                struct eg_transaction *tx = accepted();                                            \
                const char *got;                                                                   \
                tx->field = value;                                                                 \
                got = pl_accept_missing_evidence(tx);                                              \
                assert_non_null(got);                                                              \
                assert_string_equal(got, named);                                                   \
                done(tx);                                                                          \
        } while (0)

static void test_each_missing(void **state) {
        (void) state;
        MISSING(failed, true, "a step that did not fail");
        MISSING(alarm, true, "a step that did not fail");
        MISSING(have_mrz, false, "the MRZ");
        MISSING(chip_done, false, "the chip's verdict");
        MISSING(chip_ok, false, "the chip's verdict");
        MISSING(inspected, false, "the document inspection's verdict");
        MISSING(optical_done, false, "the document inspection's verdict");
        MISSING(optical_ok, false, "the document inspection's verdict");
        MISSING(registry_done, false, "the member");
        MISSING(member, NULL, "the member");
        MISSING(eligibility_done, false, "the eligibility");
        MISSING(eligible, false, "the eligibility");
        MISSING(background_done, false, "the background check");
        MISSING(background_verdict, -1, "the background check");
        MISSING(background_verdict, EG_BACKGROUND_WATCHLIST_HIT, "the background check");
        MISSING(background_verdict, EG_BACKGROUND_LOST_STOLEN, "the background check");
        MISSING(background_verdict, EG_BACKGROUND_UNAVAILABLE, "the background check");
        MISSING(entry_opened, false, "the traveller in the mantrap");
        MISSING(entered, false, "the traveller in the mantrap");
        MISSING(fp_done, false, "the fingerprint match");
        MISSING(fp_ok, false, "the fingerprint match");
        MISSING(face_done, false, "the face match");
        MISSING(face_ok, false, "the face match");
}

/* background-unavailable = continue: no answer is enough, a hit never is. */
static void test_background_fallback(void **state) {
        static const int verdicts[] = { EG_BACKGROUND_UNAVAILABLE, EG_BACKGROUND_NOT_SUPPORTED };
        struct eg_transaction *tx;

        (void) state;
        for (size_t i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++) {
                tx = accepted();
                tx->policy.background_unavailable = EG_BACKEND_FALLBACK_CONTINUE;
                tx->background_verdict = verdicts[i];
                assert_null(pl_accept_missing_evidence(tx));
                done(tx);
        }
        tx = accepted();
        tx->policy.background_unavailable = EG_BACKEND_FALLBACK_CONTINUE;
        tx->background_verdict = EG_BACKGROUND_WATCHLIST_HIT;
        assert_non_null(pl_accept_missing_evidence(tx));
        done(tx);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_all_evidence),
                cmocka_unit_test(test_each_missing),
                cmocka_unit_test(test_background_fallback),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
