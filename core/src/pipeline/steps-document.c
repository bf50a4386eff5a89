/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Steps 2, 3 and 5 (domain notes §9): read the printed MRZ, check it (every
 * check digit, the format), and check the document against the policy
 * (document type, issuing state, not expired).  A misread MRZ is read again
 * while document-attempts allow; the zone itself is never logged.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "lane.h"
#include "log.h"
#include "manager.h"
#include "pipeline-internal.h"
#include "reasons.h"

static void read_mrz(struct eg_pipeline *p, struct eg_transaction *tx);

static bool is_check_digit_error(enum eg_mrz_error_code c) {
        return c == EG_MRZ_E_CHECK_DIGIT_DOCUMENT_NUMBER || c == EG_MRZ_E_CHECK_DIGIT_BIRTH ||
               c == EG_MRZ_E_CHECK_DIGIT_EXPIRY || c == EG_MRZ_E_CHECK_DIGIT_OPTIONAL ||
               c == EG_MRZ_E_CHECK_DIGIT_COMPOSITE;
}

/* A one-letter entry ("P") allows every code it starts ("P", "PM", "PO"); two letters are exact. */
static bool document_type_allowed(char **types, const char *code) {
        for (char **t = types; t && *t; t++) {
                size_t n = strlen(*t);

                if (n == 1 ? code[0] == (*t)[0] : streq(*t, code))
                        return true;
        }
        return false;
}

static bool issuing_state_allowed(char **states, const char *state) {
        size_t n = strcspn(state, "<");

        if (!states || !states[0])
                return true; /* an empty list accepts any state */
        for (char **s = states; *s; s++)
                if (strcspn(*s, "<") == n && strncmp(*s, state, n) == 0)
                        return true;
        return false;
}

static void check_validity(struct eg_pipeline *p, struct eg_transaction *tx) {
        struct pl_clock clock;
        const char *reason = NULL;
        char detail[EG_CHECK_DETAIL_MAX] = "allowed type and issuer, not expired";

        pl_clock_now(&clock);
        if (!document_type_allowed(tx->policy.document_types, tx->mrz.document_code)) {
                reason = EG_REASON_DOC_TYPE_NOT_ALLOWED;
                (void) snprintf(detail, sizeof(detail), "document code %s not in document-types",
                                tx->mrz.document_code);
        } else if (!issuing_state_allowed(tx->policy.issuing_states, tx->mrz.issuing_state)) {
                reason = EG_REASON_ISSUER_NOT_ALLOWED;
                (void) snprintf(detail, sizeof(detail), "issuing state %s not in issuing-states",
                                tx->mrz.issuing_state);
        } else if (eg_date_compare(&tx->mrz.expiry_date, &tx->today) < 0) {
                reason = EG_REASON_DOC_EXPIRED;
                (void) snprintf(detail, sizeof(detail), "the document has expired");
        }
        pl_tx_step_simple(tx, "document-validity", &clock,
                          reason ? EG_CHECK_FAILED : EG_CHECK_SUCCESSFUL, reason, detail);
        if (reason) {
                pl_tx_add_reason(tx, reason);
                pl_refer(p, tx, reason);
                return;
        }
        pl_checks_start(p, tx);
}

static void retry_or_refer(struct eg_pipeline *p, struct eg_transaction *tx, const char *reason) {
        if (tx->document_attempts < tx->policy.document_attempts && pl_document_present(p)) {
                read_mrz(p, tx);
                return;
        }
        pl_tx_add_reason(tx, reason);
        pl_refer(p, tx, reason);
}

static void on_mrz(struct eg_pipeline *p, struct eg_transaction *tx, struct eg_op_outcome *o) {
        struct eg_mrz_error err = {};
        const char *device = tx->devices[EG_ROLE_DOCUMENT_READER];
        struct pl_clock clock;
        int r;

        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_READING || o->status == -ECANCELED)
                return;

        if (o->status < 0) {
                const char *reason = o->status == -ETIMEDOUT ? EG_REASON_DOC_CAPTURE_TIMEOUT
                                     : o->status == -ENOMSG  ? EG_REASON_DOC_REMOVED
                                                             : EG_REASON_MRZ_UNREADABLE;
                pl_tx_step(tx, &(struct pl_step_info){
                                       .step = "document",
                                       .result = EG_CHECK_FAILED,
                                       .reason = reason,
                                       .detail = o->message ? o->message : strerror(-o->status),
                                       .clock = &tx->document_clock,
                                       .attempt = tx->document_attempts,
                                       .device = device,
                                       .timeout_ms = tx->policy.document_timeout_ms,
                               });
                if (o->status == -ETIMEDOUT || o->status == -ENODEV) {
                        /* The reader itself failed: no second try on a faulted device. */
                        pl_tx_add_reason(tx, o->status == -ETIMEDOUT ? EG_REASON_DEVICE_TIMEOUT
                                                                     : EG_REASON_DEVICE_FAULT);
                        pl_refer(p, tx, reason);
                        return;
                }
                retry_or_refer(p, tx, reason);
                return;
        }

        pl_tx_step(tx, &(struct pl_step_info){
                               .step = "document",
                               .result = EG_CHECK_SUCCESSFUL,
                               .detail = "MRZ read",
                               .clock = &tx->document_clock,
                               .attempt = tx->document_attempts,
                               .device = device,
                               .timeout_ms = tx->policy.document_timeout_ms,
                       });

        pl_clock_now(&clock);
        r = eg_mrz_parse(o->text ? o->text : "", &tx->today, &tx->mrz, &err);
        eg_wipe(o->text, o->text ? strlen(o->text) : 0);
        if (r < 0) {
                const char *reason = is_check_digit_error(err.code) ? EG_REASON_MRZ_CHECKDIGIT
                                                                    : EG_REASON_MRZ_FORMAT;
                eg_mrz_wipe(&tx->mrz);
                pl_tx_step(tx, &(struct pl_step_info){
                                       .step = "mrz",
                                       .result = EG_CHECK_FAILED,
                                       .reason = reason,
                                       .detail = err.message[0] ? err.message : "invalid MRZ",
                                       .clock = &clock,
                                       .attempt = tx->document_attempts,
                               });
                /* A wrong check digit is the usual sign of a misread: read once more. */
                retry_or_refer(p, tx, reason);
                return;
        }
        tx->have_mrz = true;
        pl_tx_step(tx, &(struct pl_step_info){
                               .step = "mrz",
                               .result = EG_CHECK_SUCCESSFUL,
                               .detail = eg_mrz_format_to_string(tx->mrz.format),
                               .clock = &clock,
                               .attempt = tx->document_attempts,
                       });
        check_validity(p, tx);
}

static void read_mrz(struct eg_pipeline *p, struct eg_transaction *tx) {
        struct eg_op_args args = { .size = sizeof(args), .kind = EG_OP_DOCUMENT_READ_MRZ };
        int r;

        tx->document_attempts++;
        pl_clock_now(&tx->document_clock);
        r = pl_op_start(p, tx, tx->devices[EG_ROLE_DOCUMENT_READER], &args,
                        tx->policy.document_timeout_ms, on_mrz, NULL);
        if (r < 0) {
                log_lane(LOG_ERR, r, p->lane_name, "transaction %s: cannot read the MRZ: %m",
                         tx->id);
                pl_tx_step_simple(tx, "document", &tx->document_clock, EG_CHECK_ABORTED,
                                  EG_REASON_DEVICE_FAULT, "the document reader refused");
                pl_tx_add_reason(tx, EG_REASON_DEVICE_FAULT);
                pl_refer(p, tx, EG_REASON_DEVICE_FAULT);
        }
}

void pl_document_start(struct eg_pipeline *p, struct eg_transaction *tx) {
        pl_indicate(p, EG_COLOUR_WHITE, EG_PATTERN_SLOW_FLASH, PL_MSG_PLEASE_WAIT);
        pl_tx_set_phase(p, tx, PL_PHASE_READING);
        read_mrz(p, tx);
}

void pl_document_removed(struct eg_pipeline *p, struct eg_transaction *tx) {
        struct pl_clock clock;

        switch (tx->phase) {
        case PL_PHASE_CHECKING:
                /* Taken back before the checks ended: nothing more can be read. */
                pl_clock_now(&clock);
                pl_tx_step(tx, &(struct pl_step_info){
                                       .step = "document",
                                       .result = EG_CHECK_ABORTED,
                                       .reason = EG_REASON_DOC_REMOVED,
                                       .detail = "taken off the reader before the checks ended",
                                       .clock = &clock,
                                       .device = tx->devices[EG_ROLE_DOCUMENT_READER],
                               });
                pl_tx_add_reason(tx, EG_REASON_DOC_REMOVED);
                pl_refer(p, tx, EG_REASON_DOC_REMOVED);
                return;
        case PL_PHASE_WAIT_ENTER:
                pl_mantrap_occupancy(p, tx);
                return;
        case PL_PHASE_REFERRING:
                pl_leave_occupancy(p, tx);
                return;
        default:
                return; /* reading: the read's own answer says; later: taken along, as it should */
        }
}
