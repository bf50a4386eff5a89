/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 19 and the record (domain notes §9 steps 19, 21): the decision, the
 * operator's confirmation where the policy asks for it, and the audit
 * record, which is on disk before any door acts on the decision.
 *
 *   accept  every mandatory step successful (and its positive result on
 *           record: pl_accept_missing_evidence()), the background check clear
 *           (or unavailable with background-unavailable = continue), exactly
 *           one person in the mantrap and the entry door closed and locked;
 *   refer   anything else: the traveller goes to an officer;
 *   alarm   a silent operator alert (watchlist or lost/stolen hit,
 *           tailgating, several people, a forced door): Lane.Alarm at once,
 *           and for the traveller the same neutral referral.
 *
 * A record that cannot be written turns an accept into a referral
 * (E_LOG_WRITE) and closes the lane until the trail reports it is writable
 * again; the record is kept and written then.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/background.h"
#include "device.h"
#include "lane.h"
#include "log.h"
#include "manager.h"
#include "pipeline-internal.h"
#include "reasons.h"

static void record(struct eg_pipeline *p, struct eg_transaction *tx);

static bool exit_is_safe(struct eg_pipeline *p, struct eg_transaction *tx) {
        struct eg_device *entry = pl_role_device(p, tx, EG_ROLE_ENTRY_DOOR);

        return pl_zone_count(p, "mantrap") == 1 && entry && pl_door_is_secured(p, entry->id);
}

static bool background_admits(const struct eg_transaction *tx) {
        switch (tx->background_verdict) {
        case EG_BACKGROUND_CLEAR:
                return true;
        case EG_BACKGROUND_UNAVAILABLE:
        case EG_BACKGROUND_NOT_SUPPORTED:
                return tx->policy.background_unavailable == EG_BACKEND_FALLBACK_CONTINUE;
        default:
                return false; /* a hit, or no answer recorded */
        }
}

/*
 * The steps refer a traveller as soon as one of them fails, so an accept is what is left
 * when nothing failed.  That alone would let a step that never ran (a fault in the
 * pipeline's own sequencing) pass as successful.  Before the exit opens, the transaction
 * must therefore also hold the positive result of every check an accept rests on; the
 * first one missing is named, or NULL.
 */
const char *pl_accept_missing_evidence(const struct eg_transaction *tx) {
        if (tx->failed || tx->alarm)
                return "a step that did not fail";
        if (!tx->have_mrz)
                return "the MRZ";
        if (!tx->chip_done || !tx->chip_ok)
                return "the chip's verdict";
        if (!tx->inspected || !tx->optical_done || !tx->optical_ok)
                return "the document inspection's verdict";
        if (!tx->registry_done || !tx->member)
                return "the member";
        if (!tx->eligibility_done || !tx->eligible)
                return "the eligibility";
        if (!tx->background_done || !background_admits(tx))
                return "the background check";
        if (!tx->entry_opened || !tx->entered)
                return "the traveller in the mantrap";
        if (!tx->fp_done || !tx->fp_ok)
                return "the fingerprint match";
        if (tx->face_wanted && (!tx->face_done || !tx->face_ok))
                return "the face match";
        return NULL;
}

static bool needs_confirmation(const struct eg_transaction *tx) {
        switch (tx->policy.operator_confirmation) {
        case EG_CONFIRM_ALL:
                return true;
        case EG_CONFIRM_REFERRALS:
                return tx->decision != EG_DECISION_ACCEPT && tx->inside_at_decision;
        default:
                return false;
        }
}

static void finalize(struct eg_pipeline *p, struct eg_transaction *tx, enum eg_decision decision) {
        tx->decision = decision;
        tx->decided = true;
        tx->inside_at_decision = tx->entered;
        pl_tx_cancel_all(tx);
        log_lane(LOG_INFO, 0, p->lane_name, "transaction %s: decision %s", tx->id,
                 eg_decision_to_string(decision));
        if (needs_confirmation(tx)) {
                tx->awaiting_operator = true;
                pl_tx_set_phase(p, tx, PL_PHASE_DECIDING);
                pl_indicate(p, EG_COLOUR_WHITE, EG_PATTERN_STEADY, PL_MSG_PLEASE_WAIT);
                log_lane(LOG_NOTICE, 0, p->lane_name,
                         "transaction %s: %s waits for an operator's Decide()", tx->id,
                         eg_decision_to_string(decision));
                pl_notify_changed(p);
                return;
        }
        record(p, tx);
}

void pl_refer(struct eg_pipeline *p, struct eg_transaction *tx, const char *reason) {
        if (!pl_is_current(p, tx) || tx->decided)
                return;
        tx->failed = true;
        pl_tx_add_reason(tx, reason ? reason : EG_REASON_POLICY_REJECT);
        finalize(p, tx, tx->alarm ? EG_DECISION_ALARM : EG_DECISION_REFER);
}

void pl_alarm(struct eg_pipeline *p, struct eg_transaction *tx, const char *reason,
              const char *kind, const char *detail) {
        struct eg_transaction_event e = {
                .type = EG_TRANSACTION_ALARM,
                .id = tx ? tx->id : "",
                .alarm_kind = kind,
                .alarm_detail = detail ? detail : reason,
        };

        log_lane(LOG_WARNING, 0, p->lane_name, "transaction %s: silent alarm %s: %s",
                 tx ? tx->id : "-", kind, e.alarm_detail);
        pl_emit(p, &e);
        if (!tx || !pl_is_current(p, tx) || tx->decided) {
                /* No decision takes it, so the trail must, on its own. */
                pl_event_alarm(p, tx, kind, reason, e.alarm_detail);
                return;
        }
        tx->alarm = true;
        tx->alarm_reason = reason;
        tx->failed = true;
        pl_tx_add_reason(tx, reason);
        finalize(p, tx, EG_DECISION_ALARM);
}

void pl_decide(struct eg_pipeline *p, struct eg_transaction *tx) {
        const char *missing;

        if (!pl_is_current(p, tx) || tx->decided)
                return;
        pl_tx_set_phase(p, tx, PL_PHASE_DECIDING);
        if (tx->failed) {
                pl_refer(p, tx, NULL);
                return;
        }
        /* The background check must have answered before the exit opens (§9 step 12). */
        if (tx->background_pending) {
                log_lane(LOG_INFO, 0, p->lane_name,
                         "transaction %s: waiting for the background check", tx->id);
                pl_indicate(p, EG_COLOUR_WHITE, EG_PATTERN_STEADY, PL_MSG_PLEASE_WAIT);
                return;
        }
        if (tx->background_verdict != EG_BACKGROUND_CLEAR &&
            tx->policy.background_unavailable != EG_BACKEND_FALLBACK_CONTINUE) {
                pl_refer(p, tx, EG_REASON_BACKEND_UNAVAILABLE);
                return;
        }
        missing = pl_accept_missing_evidence(tx);
        if (missing) {
                log_lane(LOG_ERR, 0, p->lane_name,
                         "transaction %s: no accept without %s: referred (a fault in egated's "
                         "pipeline: please report it)",
                         tx->id, missing);
                pl_refer(p, tx, EG_REASON_POLICY_REJECT);
                return;
        }
        if (!exit_is_safe(p, tx)) {
                struct pl_clock clock;

                pl_clock_now(&clock);
                pl_tx_step_simple(tx, "exit-door", &clock, EG_CHECK_FAILED, EG_REASON_EXIT_NOT_SAFE,
                                  "not exactly one person inside, or the entry door not locked");
                pl_refer(p, tx, EG_REASON_EXIT_NOT_SAFE);
                return;
        }
        finalize(p, tx, EG_DECISION_ACCEPT);
}

void pl_decision_confirmed(struct eg_pipeline *p, struct eg_transaction *tx, bool accept) {
        if (!pl_is_current(p, tx) || !tx->awaiting_operator)
                return;
        tx->awaiting_operator = false;
        if (accept) {
                if (!exit_is_safe(p, tx)) {
                        log_lane(LOG_WARNING, 0, p->lane_name,
                                 "transaction %s: accept refused by the lane: not exactly one "
                                 "person inside, or the entry door not locked",
                                 tx->id);
                        pl_tx_add_reason(tx, EG_REASON_EXIT_NOT_SAFE);
                        tx->decision = tx->alarm ? EG_DECISION_ALARM : EG_DECISION_REFER;
                } else
                        tx->decision = EG_DECISION_ACCEPT;
        } else if (tx->decision == EG_DECISION_ACCEPT) {
                pl_tx_add_reason(tx, EG_REASON_OPERATOR_VETO);
                tx->decision = EG_DECISION_REFER;
        }
        record(p, tx);
}

/* ---- the record ---- */

static void emit_finished(struct eg_pipeline *p, struct eg_transaction *tx) {
        const char *reasons[PL_MAX_REASONS];
        struct eg_transaction_event e = {
                .type = EG_TRANSACTION_FINISHED,
                .id = tx->id,
                .decision = eg_decision_to_string(tx->decision),
                .reasons = reasons,
                .n_reasons = tx->n_reasons,
        };

        for (size_t i = 0; i < tx->n_reasons; i++)
                reasons[i] = tx->reasons[i];
        switch (tx->decision) {
        case EG_DECISION_ACCEPT:
                p->counters.accepted++;
                break;
        case EG_DECISION_ALARM:
                p->counters.alarms++;
                p->counters.referred++;
                break;
        default:
                p->counters.referred++;
                break;
        }
        pl_emit(p, &e);
        pl_notify_changed(p);
}

static void act(struct eg_pipeline *p, struct eg_transaction *tx) {
        emit_finished(p, tx);
        if (p->state == EG_PIPELINE_EMERGENCY ||
            (p->lane && p->lane->mode == EG_LANE_MODE_EMERGENCY)) {
                /* The doors are open for everybody: nothing to guide, wait until clear. */
                pl_tx_finish(p, tx);
                return;
        }
        if (tx->decision == EG_DECISION_ACCEPT)
                pl_exit_start(p, tx);
        else
                pl_referral_start(p, tx);
}

static int keep_unwritten(struct eg_pipeline *p, struct eg_audit_record *r) {
        struct eg_audit_record **l = realloc(p->unwritten, sizeof(*l) * (p->n_unwritten + 1));

        if (!l)
                return -ENOMEM;
        p->unwritten = l;
        p->unwritten[p->n_unwritten++] = r;
        return 0;
}

static struct pl_audit_call *audit_call_new(struct eg_pipeline *p) {
        struct pl_audit_call *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->p = pl_ref(p);
        EG_LIST_APPEND(audit_calls, p->audit_calls, c);
        return c;
}

/* Take the call off the pipeline's list; the caller frees it and drops its references. */
static void audit_call_done(struct pl_audit_call *c) {
        EG_LIST_REMOVE(audit_calls, c->p->audit_calls, c);
}

static void on_written(int status, void *userdata) {
        struct pl_audit_call *c = userdata;
        struct eg_pipeline *p = c->p;
        struct eg_transaction *tx = c->tx;
        struct eg_audit_record *rebuilt = NULL;

        audit_call_done(c);
        free(c);
        if (status == 0) {
                tx->recorded = true;
                free(TAKE_PTR(tx->record));
                log_lane(LOG_INFO, 0, p->lane_name, "transaction %s recorded", tx->id);
        } else {
                log_lane(LOG_ERR, status, p->lane_name,
                         "transaction %s: the audit record cannot be written (%m): referring "
                         "the traveller and closing the lane until the trail is writable",
                         tx->id);
                p->audit_blocked = true;
                pl_tx_add_reason(tx, EG_REASON_LOG_WRITE);
                if (tx->decision == EG_DECISION_ACCEPT)
                        tx->decision = EG_DECISION_REFER;
                /* What happened is a referral with E_LOG_WRITE: keep that record for later. */
                free(TAKE_PTR(tx->record));
                if (pl_record_build(p, tx, &rebuilt) < 0 || keep_unwritten(p, rebuilt) < 0) {
                        log_lane(LOG_CRIT, ENOMEM, p->lane_name,
                                 "transaction %s: the record is lost (out of memory)", tx->id);
                        free(rebuilt);
                }
        }
        if (pl_is_current(p, tx) && tx->phase == PL_PHASE_RECORDING)
                act(p, tx);
        pl_tx_unref(tx);
        pl_unref(p);
}

static void record(struct eg_pipeline *p, struct eg_transaction *tx) {
        struct eg_manager *m = p->manager;
        struct pl_audit_call *c = NULL;
        int r;

        pl_tx_set_phase(p, tx, PL_PHASE_RECORDING);
        tx->end_usec = pl_now_realtime();
        free(TAKE_PTR(tx->record));
        r = pl_record_build(p, tx, &tx->record);
        if (r >= 0 && p->audit_blocked)
                r = -ENOSPC; /* the trail said it is not writable: keep order, queue behind */
        if (r >= 0 && !m->audit)
                r = -ENOTCONN;
        if (r >= 0) {
                c = audit_call_new(p);
                if (!c)
                        r = -ENOMEM;
        }
        if (r >= 0) {
                c->tx = pl_tx_ref(tx);
                r = eg_audit_write(m->audit, tx->record, on_written, c);
                if (r >= 0)
                        return;
                audit_call_done(c);
                pl_tx_unref(c->tx);
                pl_unref(c->p);
                free(c);
        }
        /* Same path as a failed write. */
        c = audit_call_new(p);
        if (!c) {
                log_lane(LOG_CRIT, ENOMEM, p->lane_name, "transaction %s: out of memory", tx->id);
                return;
        }
        c->tx = pl_tx_ref(tx);
        on_written(r, c);
}

/* ---- the trail is back ---- */

static void on_retry_written(int status, void *userdata) {
        struct pl_audit_call *c = userdata;
        struct eg_pipeline *p = c->p;

        audit_call_done(c);
        if (status == 0) {
                log_lane(LOG_NOTICE, 0, p->lane_name, "transaction %s recorded late",
                         c->r->transaction_id);
                free(c->r);
                memmove(p->unwritten, p->unwritten + 1,
                        sizeof(*p->unwritten) * (p->n_unwritten - 1));
                p->n_unwritten--;
        } else if (status == -EEXIST) {
                log_lane(LOG_WARNING, 0, p->lane_name, "transaction %s was recorded already",
                         c->r->transaction_id);
                free(c->r);
                memmove(p->unwritten, p->unwritten + 1,
                        sizeof(*p->unwritten) * (p->n_unwritten - 1));
                p->n_unwritten--;
        } else {
                log_lane(LOG_ERR, status, p->lane_name, "the audit trail failed again: %m");
                p->retrying = false;
                free(c);
                pl_unref(p);
                return;
        }
        free(c);
        p->retrying = false;
        pl_record_retry(p);
        pl_unref(p);
}

void pl_record_retry(struct eg_pipeline *p) {
        struct eg_manager *m = p->manager;
        struct pl_audit_call *c;

        if (!m->audit || !eg_audit_writable(m->audit) || p->retrying)
                return;
        if (p->n_unwritten == 0) {
                if (p->audit_blocked) {
                        log_lane(LOG_NOTICE, 0, p->lane_name,
                                 "every record is written: the lane reopens");
                        p->audit_blocked = false;
                        pl_kick(p);
                }
                return;
        }
        c = audit_call_new(p);
        if (!c)
                return;
        c->r = p->unwritten[0];
        p->retrying = true;
        if (eg_audit_write(m->audit, c->r, on_retry_written, c) < 0) {
                p->retrying = false;
                audit_call_done(c);
                pl_unref(p);
                free(c);
        }
}
