/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 4 (domain notes §9): the data page's optical security, asked of the
 * document reader (EG_OP_DOCUMENT_INSPECT, SDK 1.2) as soon as the MRZ has
 * passed, beside the chip read.  Two steps:
 *
 *   document-model     the reader identified the model (TR-03135-1 §5.5.3,
 *                      mandatory): none fits refers; a reader that cannot
 *                      inspect, or could not: policy document-inspection
 *   optical-security   the spectral checks (§5.5.4.2), judged once the chip
 *                      has answered too: with optical-checks = evaluatory a
 *                      chip proven authentic makes them evaluatory
 *                      (TR-03135-2 Table 4.1, self service)
 *
 * The entry door waits for both (pl_checks_progress).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "optical.h"
#include "pipeline-internal.h"
#include "reasons.h"

bool pl_document_model_evaluate(const struct pl_inspection *in, const struct eg_policy *policy,
                                struct pl_verdict *v) {
        *v = (struct pl_verdict){ .step = "document-model", .result = EG_CHECK_SUCCESSFUL };

        if (in->status == -EOPNOTSUPP) {
                v->result = EG_CHECK_NOT_SUPPORTED;
                v->reason = EG_REASON_DOC_INSPECTION_UNSUPPORTED;
                (void) snprintf(v->detail, sizeof(v->detail),
                                "the document reader cannot inspect the data page");
        } else if (in->status < 0) {
                v->result = EG_CHECK_UNDETERMINED;
                v->reason = EG_REASON_DOC_INSPECTION_FAILED;
                (void) snprintf(v->detail, sizeof(v->detail),
                                "the document reader could not inspect the data page: %s",
                                strerror(-in->status));
        } else if (!in->model_known) {
                v->result = EG_CHECK_FAILED;
                v->reason = EG_REASON_DOC_MODEL_UNKNOWN;
                (void) snprintf(v->detail, sizeof(v->detail),
                                "no document model the reader knows fits the data page");
                return false;
        } else {
                (void) snprintf(v->detail, sizeof(v->detail), "document model identified");
                return true;
        }
        return policy->document_inspection == EG_REQUIREMENT_OPTIONAL;
}

bool pl_optical_evaluate(const struct pl_inspection *in, bool chip_authentic,
                         const struct eg_policy *policy, struct pl_verdict *v) {
        char names[EG_CHECK_DETAIL_MAX / 2];
        const char *what;
        uint32_t mask;
        size_t n;

        *v = (struct pl_verdict){ .step = "optical-security", .result = EG_CHECK_SUCCESSFUL };
        if (in->failed) {
                v->result = EG_CHECK_FAILED;
                v->reason = EG_REASON_DOC_OPTICAL_FAIL;
                what = "failed";
                mask = in->failed;
        } else if (in->undetermined) {
                v->result = EG_CHECK_UNDETERMINED;
                v->reason = EG_REASON_DOC_OPTICAL_UNDETERMINED;
                what = "undetermined";
                mask = in->undetermined;
        } else if (!in->passed) {
                v->result = EG_CHECK_NOT_SUPPORTED;
                v->reason = EG_REASON_DOC_OPTICAL_NONE;
                what = "none made";
                mask = 0;
        } else {
                what = "passed";
                mask = in->passed;
        }
        eg_optical_checks_format(mask, names, sizeof(names));
        (void) snprintf(v->detail, sizeof(v->detail), "%s%s%s", what, names[0] ? ": " : "", names);
        if (v->result == EG_CHECK_SUCCESSFUL)
                return true;

        if (policy->optical_checks == EG_OPTICAL_EVALUATORY && chip_authentic) {
                v->reason = EG_REASON_DOC_OPTICAL_EVALUATORY;
                n = strlen(v->detail);
                (void) snprintf(v->detail + n, sizeof(v->detail) - n,
                                " (evaluatory: the chip proved authentic)");
                return true;
        }
        return v->result != EG_CHECK_FAILED &&
               policy->document_inspection == EG_REQUIREMENT_OPTIONAL;
}

/* document-model: the reader's operation, its clock and deadline; optical-security: a
 * judgement with a clock of its own and no deadline (timeout_ms 0). */
static void record(struct eg_transaction *tx, const struct pl_verdict *v,
                   const struct pl_clock *clock, uint32_t timeout_ms) {
        pl_tx_step(tx, &(struct pl_step_info){
                               .step = v->step,
                               .result = v->result,
                               .reason = v->reason,
                               .detail = v->detail,
                               .clock = clock,
                               .device = tx->devices[EG_ROLE_DOCUMENT_READER],
                               .timeout_ms = timeout_ms,
                       });
        if (v->reason)
                pl_tx_add_reason(tx, v->reason);
}

static void inspected(struct eg_pipeline *p, struct eg_transaction *tx,
                      const struct pl_inspection *in, const char *model, const char *message) {
        struct pl_verdict v;
        bool go_on;

        tx->inspected = true;
        tx->inspection = *in;
        go_on = pl_document_model_evaluate(in, &tx->policy, &v);
        /* Names of models and the reader's words are the reader's, never personal data (SDK). */
        if (v.result == EG_CHECK_SUCCESSFUL && model)
                (void) snprintf(v.detail, sizeof(v.detail), "document model %s", model);
        else if (v.result == EG_CHECK_UNDETERMINED && message)
                (void) snprintf(v.detail, sizeof(v.detail),
                                "the document reader could not inspect the data page: %s", message);
        record(tx, &v, &tx->inspection_clock, tx->policy.document_timeout_ms);
        if (!go_on) {
                pl_refer(p, tx, v.reason);
                return;
        }
        pl_checks_progress(p, tx);
}

static void on_inspect(struct eg_pipeline *p, struct eg_transaction *tx, struct eg_op_outcome *o) {
        const char *reason;

        tx->inspection_op = 0;
        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_CHECKING || o->status == -ECANCELED)
                return;

        switch (o->status) {
        case -ETIMEDOUT:
        case -ENODEV:
        case -ENOMSG:
                /* The reader failed or the document left: nothing to judge, refer now. */
                reason = o->status == -ETIMEDOUT ? EG_REASON_DEVICE_TIMEOUT
                         : o->status == -ENODEV  ? EG_REASON_DEVICE_FAULT
                                                 : EG_REASON_DOC_REMOVED;
                pl_tx_step(tx, &(struct pl_step_info){
                                       .step = "document-model",
                                       .result = EG_CHECK_ABORTED,
                                       .reason = reason,
                                       .detail = o->message ? o->message : strerror(-o->status),
                                       .clock = &tx->inspection_clock,
                                       .device = tx->devices[EG_ROLE_DOCUMENT_READER],
                                       .timeout_ms = tx->policy.document_timeout_ms,
                               });
                pl_tx_add_reason(tx, reason);
                pl_refer(p, tx, reason);
                return;
        default:
                inspected(p, tx,
                          &(struct pl_inspection){
                                  .status = o->status < 0 ? o->status : 0,
                                  .model_known = o->status >= 0 && o->document_model,
                                  .passed = o->status >= 0 ? o->optical_passed : 0,
                                  .failed = o->status >= 0 ? o->optical_failed : 0,
                                  .undetermined = o->status >= 0 ? o->optical_undetermined : 0,
                          },
                          o->document_model, o->message);
        }
}

void pl_optical_start(struct eg_pipeline *p, struct eg_transaction *tx) {
        struct eg_op_args args = { .size = sizeof(args), .kind = EG_OP_DOCUMENT_INSPECT };
        int r;

        pl_clock_now(&tx->inspection_clock);
        r = pl_op_start(p, tx, tx->devices[EG_ROLE_DOCUMENT_READER], &args,
                        tx->policy.document_timeout_ms, on_inspect, &tx->inspection_op);
        if (r >= 0)
                return;
        if (r == -EOPNOTSUPP) {
                /* A reader of the MRZ alone (or built against SDK 1.1): the policy says. */
                inspected(p, tx, &(struct pl_inspection){ .status = r }, NULL, NULL);
                return;
        }
        log_lane(LOG_ERR, r, p->lane_name, "transaction %s: cannot inspect the document: %m",
                 tx->id);
        pl_tx_step(tx, &(struct pl_step_info){
                               .step = "document-model",
                               .result = EG_CHECK_ABORTED,
                               .reason = EG_REASON_DEVICE_FAULT,
                               .detail = "the document reader refused",
                               .clock = &tx->inspection_clock,
                               .device = tx->devices[EG_ROLE_DOCUMENT_READER],
                       });
        pl_tx_add_reason(tx, EG_REASON_DEVICE_FAULT);
        pl_refer(p, tx, EG_REASON_DEVICE_FAULT);
}

bool pl_optical_settled(struct eg_pipeline *p, struct eg_transaction *tx) {
        struct pl_verdict v;
        struct pl_clock clock;

        if (tx->optical_done)
                return tx->optical_ok;
        if (!tx->inspected || !tx->chip_done)
                return false;
        tx->optical_done = true;
        if (tx->inspection.status < 0) {
                /* Nothing was inspected and document-model let that pass (optional). */
                tx->optical_ok = true;
                return true;
        }
        /* The reader's time is document-model's; this is only the judgement, like eligibility. */
        pl_clock_now(&clock);
        tx->optical_ok = pl_optical_evaluate(&tx->inspection, tx->chip_authentic, &tx->policy, &v);
        record(tx, &v, &clock, 0);
        if (!tx->optical_ok)
                pl_refer(p, tx, v.reason);
        return tx->optical_ok;
}
