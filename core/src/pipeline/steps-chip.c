/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Steps 6-10 (domain notes §9): the chip, read with eg_chip_session as soon
 * as the printed MRZ gives the access key, in parallel with the registry and
 * background checks.  The session's verdicts become five steps:
 *
 *   chip-access, chip-read       failed: policy chip-unreadable (refer|continue)
 *   passive-authentication       failed: refer; undetermined (no CSCA):
 *                                policy passive-authentication (required|optional)
 *   chip-authenticity            failed (clone suspect): refer; not supported:
 *                                policy chip-authenticity (required|optional)
 *   mrz-chip-match               the printed MRZ must equal DG1, field by field
 */
#include <errno.h>
#include <string.h>

#include "device.h"
#include "lane.h"
#include "log.h"
#include "manager.h"
#include "pipeline-internal.h"
#include "reasons.h"

static void add_step(struct pl_chip_step *steps, size_t *n, const char *step,
                     const struct eg_check *c) {
        steps[(*n)++] = (struct pl_chip_step){
                .step = step,
                .result = c->result,
                .reason = c->result == EG_CHECK_SUCCESSFUL ? NULL : c->reason,
                .detail = c->detail,
        };
}

/* A check that did not succeed, with a reason even when the session gave none. */
static const char *reason_or(const struct eg_check *c, const char *fallback) {
        return c->reason ? c->reason : fallback;
}

bool pl_chip_evaluate(const struct eg_chip_read_result *r, const struct eg_mrz *printed,
                      const struct eg_policy *policy, struct pl_chip_step steps[static 5],
                      size_t *ret_n, const char **ret_reason) {
        const char *refuse = NULL;
        size_t n = 0;

        *ret_reason = NULL;
        add_step(steps, &n, "chip-access", &r->access);
        if (r->access.result != EG_CHECK_SUCCESSFUL) {
                steps[n - 1].reason = reason_or(&r->access, EG_REASON_CHIP_ACCESS_FAIL);
                *ret_n = n;
                if (policy->chip_unreadable == EG_CHIP_FALLBACK_CONTINUE)
                        return true;
                *ret_reason = steps[n - 1].reason;
                return false;
        }
        add_step(steps, &n, "chip-read", &r->read);
        if (r->read.result != EG_CHECK_SUCCESSFUL) {
                steps[n - 1].reason = reason_or(&r->read, EG_REASON_CHIP_READ_FAIL);
                *ret_n = n;
                if (policy->chip_unreadable == EG_CHIP_FALLBACK_CONTINUE)
                        return true;
                *ret_reason = steps[n - 1].reason;
                return false;
        }

        add_step(steps, &n, "passive-authentication", &r->pa.check);
        switch (r->pa.check.result) {
        case EG_CHECK_SUCCESSFUL:
                break;
        case EG_CHECK_UNDETERMINED:
        case EG_CHECK_NOT_SUPPORTED:
                steps[n - 1].reason = reason_or(&r->pa.check, EG_REASON_PA_NO_CSCA);
                if (policy->passive_authentication == EG_REQUIREMENT_REQUIRED)
                        refuse = steps[n - 1].reason;
                break;
        default:
                steps[n - 1].reason = reason_or(&r->pa.check, EG_REASON_PA_SOD_SIG);
                refuse = steps[n - 1].reason;
                break;
        }

        add_step(steps, &n, "chip-authenticity", &r->authenticity);
        switch (r->authenticity.result) {
        case EG_CHECK_SUCCESSFUL:
                break;
        case EG_CHECK_NOT_SUPPORTED:
        case EG_CHECK_UNDETERMINED:
                steps[n - 1].reason = reason_or(&r->authenticity, EG_REASON_CHIP_AUTH_UNSUPPORTED);
                if (policy->chip_authenticity == EG_REQUIREMENT_REQUIRED && !refuse)
                        refuse = steps[n - 1].reason;
                break;
        default:
                steps[n - 1].reason = reason_or(&r->authenticity, EG_REASON_CHIP_CLONE_SUSPECT);
                if (!refuse)
                        refuse = steps[n - 1].reason;
                break;
        }

        if (!r->have_mrz)
                steps[n++] = (struct pl_chip_step){
                        .step = "mrz-chip-match",
                        .result = EG_CHECK_FAILED,
                        .reason = EG_REASON_CHIP_DG_MISSING,
                        .detail = "no DG1 on the chip",
                };
        else if (!eg_mrz_equal_data(printed, &r->mrz))
                steps[n++] = (struct pl_chip_step){
                        .step = "mrz-chip-match",
                        .result = EG_CHECK_FAILED,
                        .reason = EG_REASON_MRZ_DG1_MISMATCH,
                        .detail = "the printed MRZ differs from DG1",
                };
        else
                steps[n++] = (struct pl_chip_step){
                        .step = "mrz-chip-match",
                        .result = EG_CHECK_SUCCESSFUL,
                        .detail = "the printed MRZ equals DG1",
                };
        if (steps[n - 1].result != EG_CHECK_SUCCESSFUL && !refuse)
                refuse = steps[n - 1].reason;

        *ret_n = n;
        *ret_reason = refuse;
        return !refuse;
}

/* Worth another read: the chip went quiet or left, rather than refusing the key. */
static bool chip_retryable(const struct eg_chip_read_result *r) {
        const struct eg_check *c = r->access.result != EG_CHECK_SUCCESSFUL ? &r->access : &r->read;

        if (r->cancelled || c->result == EG_CHECK_SUCCESSFUL)
                return false;
        return streq_ptr(c->reason, EG_REASON_CHIP_TIMEOUT) ||
               streq_ptr(c->reason, EG_REASON_CHIP_NOT_FOUND) ||
               streq_ptr(c->reason, EG_REASON_CHIP_READ_FAIL);
}

struct chip_call {
        struct eg_pipeline *p;
        struct eg_transaction *tx;
};

static void on_chip_done(struct eg_chip_read_result *r, void *userdata) {
        struct chip_call *c = userdata;
        struct eg_pipeline *p = c->p;
        struct eg_transaction *tx = c->tx;
        struct pl_chip_step steps[5];
        const char *reason;
        size_t n = 0;
        bool ok;

        free(c);
        tx->chip = NULL;
        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_CHECKING || r->cancelled) {
                eg_chip_read_result_free(r);
                goto finish;
        }
        if (chip_retryable(r) && tx->chip_attempts < tx->policy.chip_attempts &&
            pl_document_present(p)) {
                log_lane(LOG_NOTICE, 0, p->lane_name,
                         "transaction %s: chip read attempt %u failed (%s), reading again", tx->id,
                         tx->chip_attempts,
                         r->access.result != EG_CHECK_SUCCESSFUL ? r->access.detail
                                                                 : r->read.detail);
                eg_chip_read_result_free(r);
                pl_chip_start(p, tx);
                goto finish;
        }

        ok = pl_chip_evaluate(r, &tx->mrz, &tx->policy, steps, &n, &reason);
        for (size_t i = 0; i < n; i++) {
                pl_tx_step(tx, &(struct pl_step_info){
                                       .step = steps[i].step,
                                       .result = steps[i].result,
                                       .reason = steps[i].reason,
                                       .detail = steps[i].detail,
                                       .clock = &tx->chip_clock,
                                       .attempt = tx->chip_attempts,
                                       .device = tx->devices[EG_ROLE_CHIP_READER],
                                       .timeout_ms = tx->policy.chip_timeout_ms,
                               });
                if (steps[i].result != EG_CHECK_SUCCESSFUL)
                        pl_tx_add_reason(tx, steps[i].reason);
                else if (streq(steps[i].step, "chip-authenticity"))
                        tx->chip_authentic = true; /* weighs the optical checks */
        }
        /* DG2 and the other files are personal data nobody needs any more. */
        eg_chip_read_result_free(r);
        tx->chip_done = true;
        tx->chip_ok = ok;
        if (!ok)
                pl_refer(p, tx, reason);
        else
                pl_checks_progress(p, tx);
finish:
        pl_tx_unref(tx);
        pl_unref(p);
}

void pl_chip_start(struct eg_pipeline *p, struct eg_transaction *tx) {
        struct eg_chip_session_options o = {
                .mrz_information = tx->mrz.mrz_information,
                .prefer_pace = true,
                .trust = p->manager->trust,
                .total_timeout_ms = tx->policy.chip_timeout_ms,
        };
        struct chip_call *c;
        int r;

        tx->chip_attempts++;
        pl_clock_now(&tx->chip_clock);
        c = calloc(1, sizeof(*c));
        if (!c) {
                r = -ENOMEM;
                goto fail;
        }
        c->p = pl_ref(p);
        c->tx = pl_tx_ref(tx);
        r = eg_chip_session_start(p->manager, tx->devices[EG_ROLE_CHIP_READER], &o, on_chip_done, c,
                                  &tx->chip);
        if (r >= 0)
                return;
        pl_tx_unref(c->tx);
        pl_unref(c->p);
        free(c);
fail:
        log_lane(LOG_ERR, r, p->lane_name, "transaction %s: cannot start the chip read: %m",
                 tx->id);
        pl_tx_step_simple(tx, "chip-access", &tx->chip_clock, EG_CHECK_ABORTED,
                          EG_REASON_DEVICE_FAULT, "the chip reader refused");
        pl_tx_add_reason(tx, EG_REASON_DEVICE_FAULT);
        tx->chip_done = true;
        pl_refer(p, tx, EG_REASON_DEVICE_FAULT);
}
