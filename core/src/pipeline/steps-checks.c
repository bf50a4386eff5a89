/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Steps 11 and 12 (domain notes §9), started together with the chip read and
 * the optical inspection as soon as the MRZ is known: the registry lookup and
 * the eligibility rules, and the background check.  The entry door opens once
 * the document, its optical security, the chip and eligibility passed; the background check may still be running
 * then, but it must have answered before the exit door opens (decision.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/background.h"
#include "deadline.h"
#include "lane.h"
#include "log.h"
#include "manager.h"
#include "pipeline-internal.h"
#include "reasons.h"

static void eligibility(struct eg_pipeline *p, struct eg_transaction *tx,
                        const struct eg_member *member) {
        struct eg_eligibility_document doc = {
                .issuing_state = tx->mrz.issuing_state,
                .document_number = tx->mrz.document_number,
                .birth_date = tx->mrz.birth_date,
                .expiry_date = tx->mrz.expiry_date,
        };
        struct eg_eligibility e;
        struct pl_clock clock;

        pl_clock_now(&clock);
        eg_eligibility_check(member, &doc, &tx->today, &tx->policy, &e);
        pl_tx_step_simple(tx, "eligibility", &clock, e.check.result, e.check.reason,
                          e.check.detail);
        for (size_t i = 0; i < e.n_reasons; i++)
                pl_tx_add_reason(tx, e.reasons[i]);
        tx->eligibility_done = true;
        tx->eligible = e.check.result == EG_CHECK_SUCCESSFUL;
        if (!tx->eligible)
                pl_refer(p, tx, e.check.reason);
        else
                pl_checks_progress(p, tx);
}

static void registry_unavailable(struct eg_pipeline *p, struct eg_transaction *tx,
                                 const char *detail) {
        pl_tx_step(tx, &(struct pl_step_info){
                               .step = "registry",
                               .result = EG_CHECK_UNDETERMINED,
                               .reason = EG_REASON_REGISTRY_UNAVAILABLE,
                               .detail = detail,
                               .clock = &tx->registry_clock,
                               .timeout_ms = tx->policy.registry_timeout_ms,
                       });
        pl_tx_add_reason(tx, EG_REASON_REGISTRY_UNAVAILABLE);
        tx->registry_done = true;
        pl_refer(p, tx, EG_REASON_REGISTRY_UNAVAILABLE);
}

/* ---- the holder lookup: only to word the referral of an unknown passport ---- */

struct holder_call {
        struct eg_pipeline *p;
        struct eg_transaction *tx;
        uint64_t request;
        bool answered;
        sd_event_source *timer;
};

static void holder_answer(struct holder_call *c, int status, struct eg_member *member) {
        struct eg_pipeline *p = c->p;
        struct eg_transaction *tx = c->tx;

        c->answered = true;
        c->timer = sd_event_source_disable_unref(c->timer);
        tx->registry_pending = false;
        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_CHECKING) {
                eg_member_free(member);
                return;
        }
        pl_tx_step(tx, &(struct pl_step_info){
                               .step = "registry",
                               .result = EG_CHECK_SUCCESSFUL,
                               .detail = status == 0 ? "no member holds this passport; a member "
                                                       "with another passport may be its holder"
                                                     : "no member holds this passport",
                               .clock = &tx->registry_clock,
                               .timeout_ms = tx->policy.registry_timeout_ms,
                       });
        tx->registry_done = true;
        if (status == 0 && member) {
                tx->member_by_holder = true;
                tx->member = member;
                eligibility(p, tx, member);
        } else {
                eg_member_free(member);
                eligibility(p, tx, NULL);
        }
}

static void on_holder(int status, struct eg_member *member, void *userdata) {
        struct holder_call *c = userdata;

        if (!c->answered)
                holder_answer(c, status, member);
        else
                eg_member_free(member);
        pl_tx_unref(c->tx);
        pl_unref(c->p);
        free(c);
}

static int on_holder_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        struct holder_call *c = userdata;
        struct eg_registry *r = c->p->manager->registry;

        /* The backend still answers once (after cancel); that answer is dropped then. */
        if (r && r->ops->cancel)
                r->ops->cancel(r->backend, c->request);
        holder_answer(c, -ETIMEDOUT, NULL);
        return 0;
}

/* True when the holder lookup runs and answers later. */
static bool holder_start(struct eg_pipeline *p, struct eg_transaction *tx) {
        struct eg_registry *r = p->manager->registry;
        struct holder_call *c;
        int k;

        if (!r || !r->ops->lookup_holder)
                return false;
        c = calloc(1, sizeof(*c));
        if (!c)
                return false;
        c->p = pl_ref(p);
        c->tx = pl_tx_ref(tx);
        k = sd_event_add_time_relative(
                p->manager->event, &c->timer, CLOCK_MONOTONIC,
                (uint64_t) tx->policy.registry_timeout_ms * 1000u,
                eg_deadline_accuracy_usec((uint64_t) tx->policy.registry_timeout_ms * 1000u),
                on_holder_timeout, c);
        if (k >= 0)
                k = r->ops->lookup_holder(r->backend, tx->mrz.issuing_state, &tx->mrz.birth_date,
                                          on_holder, c, &c->request);
        if (k < 0) {
                c->timer = sd_event_source_disable_unref(c->timer);
                pl_tx_unref(c->tx);
                pl_unref(c->p);
                free(c);
                return false;
        }
        tx->registry_pending = true;
        return true;
}

/* ---- the lookup by passport ---- */

struct registry_call {
        struct eg_pipeline *p;
        struct eg_transaction *tx;
};

/* No member holds the passport: the holder lookup may still word the referral. */
static void no_member_holds_it(struct eg_pipeline *p, struct eg_transaction *tx) {
        if (holder_start(p, tx))
                return;
        pl_tx_step(tx, &(struct pl_step_info){
                               .step = "registry",
                               .result = EG_CHECK_SUCCESSFUL,
                               .detail = "no member holds this passport",
                               .clock = &tx->registry_clock,
                               .timeout_ms = tx->policy.registry_timeout_ms,
                       });
        tx->registry_done = true;
        eligibility(p, tx, NULL);
}

static void on_registry(int status, struct eg_member *member, void *userdata) {
        struct registry_call *c = userdata;
        struct eg_pipeline *p = c->p;
        struct eg_transaction *tx = c->tx;
        _cleanup_(eg_member_freep) struct eg_member *m = member;

        free(c);
        tx->registry_pending = false;
        pl_timer_disarm(&tx->registry_timer);
        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_CHECKING)
                goto finish;

        if (status == -ECANCELED || status == -ETIMEDOUT) {
                registry_unavailable(p, tx, "no answer within registry-timeout-ms");
                goto finish;
        }
        if (status == -ENOENT) {
                no_member_holds_it(p, tx);
                goto finish;
        }
        if (status < 0) {
                registry_unavailable(p, tx, strerror(-status));
                goto finish;
        }
        pl_tx_step(tx, &(struct pl_step_info){
                               .step = "registry",
                               .result = EG_CHECK_SUCCESSFUL,
                               .detail = "member found",
                               .clock = &tx->registry_clock,
                               .timeout_ms = tx->policy.registry_timeout_ms,
                       });
        tx->registry_done = true;
        tx->member = TAKE_PTR(m);
        eligibility(p, tx, tx->member);
finish:
        pl_tx_unref(tx);
        pl_unref(p);
}

static void on_registry_deadline(struct eg_pipeline *p, struct eg_transaction *tx) {
        /* The answer comes back -ECANCELED and is taken as "unavailable". */
        if (tx->registry_pending && p->manager->registry)
                eg_registry_cancel(p->manager->registry, tx->registry_request);
}

static void registry_start(struct eg_pipeline *p, struct eg_transaction *tx) {
        struct registry_call *c;
        int r = -ENOTCONN;

        pl_clock_now(&tx->registry_clock);
        c = calloc(1, sizeof(*c));
        if (!c) {
                registry_unavailable(p, tx, "out of memory");
                return;
        }
        c->p = pl_ref(p);
        c->tx = pl_tx_ref(tx);
        if (p->manager->registry)
                r = eg_registry_lookup(p->manager->registry, tx->mrz.issuing_state,
                                       tx->mrz.document_number, on_registry, c,
                                       &tx->registry_request);
        if (r < 0) {
                pl_tx_unref(c->tx);
                pl_unref(c->p);
                free(c);
                /* A valid MRZ number the registry refuses as a question (inner '<' fillers,
                 * which no registered passport may have) is held by nobody: the registry
                 * did answer, and "unavailable" would send the operator after an outage. */
                if (r == -EINVAL)
                        no_member_holds_it(p, tx);
                else
                        registry_unavailable(
                                p, tx, p->manager->registry ? strerror(-r) : "no registry is open");
                return;
        }
        tx->registry_pending = true;
        (void) pl_timer_arm(tx, &tx->registry_timer, tx->policy.registry_timeout_ms,
                            on_registry_deadline);
}

/* ---- background ---- */

static void background_verdict(struct eg_pipeline *p, struct eg_transaction *tx,
                               enum eg_background_verdict v, const char *detail) {
        const char *reason = NULL;
        enum eg_check_result result = EG_CHECK_SUCCESSFUL;

        tx->background_pending = false;
        tx->background_done = true;
        tx->background_verdict = (int) v;
        pl_timer_disarm(&tx->background_timer);
        switch (v) {
        case EG_BACKGROUND_CLEAR:
                break;
        case EG_BACKGROUND_WATCHLIST_HIT:
                reason = EG_REASON_WATCHLIST_HIT;
                result = EG_CHECK_FAILED;
                break;
        case EG_BACKGROUND_LOST_STOLEN:
                reason = EG_REASON_LOST_STOLEN_DOC;
                result = EG_CHECK_FAILED;
                break;
        case EG_BACKGROUND_NOT_SUPPORTED:
                reason = EG_REASON_BACKGROUND_NONE;
                result = EG_CHECK_NOT_SUPPORTED;
                break;
        default:
                reason = EG_REASON_BACKEND_UNAVAILABLE;
                result = EG_CHECK_UNDETERMINED;
                break;
        }
        pl_tx_step(tx, &(struct pl_step_info){
                               .step = "background",
                               .result = result,
                               .reason = reason,
                               .detail = detail ? detail : eg_background_verdict_to_string(v),
                               .clock = &tx->background_clock,
                               .timeout_ms = tx->policy.background_timeout_ms,
                       });
        if (!reason)
                goto progress;
        pl_tx_add_reason(tx, reason);
        if (result == EG_CHECK_FAILED) {
                /* Silent: the operator hears it, the traveller sees a plain referral. */
                pl_alarm(p, tx, reason,
                         v == EG_BACKGROUND_WATCHLIST_HIT ? "watchlist-hit"
                                                          : "lost-stolen-document",
                         reason);
                return;
        }
        if (tx->policy.background_unavailable == EG_BACKEND_FALLBACK_REFER && !tx->decided) {
                pl_refer(p, tx, reason);
                return;
        }
progress:
        if (tx->phase == PL_PHASE_CHECKING)
                pl_checks_progress(p, tx);
        else if (tx->phase == PL_PHASE_DECIDING)
                pl_decide(p, tx);
}

/*
 * A hit that comes after the traveller was referred for something else (or has
 * left the lane) changes no decision, but the officer receiving the traveller
 * must still hear it: the silent alarm goes out, and into the record if it is
 * not written yet.
 */
static void late_background_hit(struct eg_pipeline *p, struct eg_transaction *tx,
                                enum eg_background_verdict v) {
        bool watchlist = v == EG_BACKGROUND_WATCHLIST_HIT;
        const char *reason = watchlist ? EG_REASON_WATCHLIST_HIT : EG_REASON_LOST_STOLEN_DOC;

        if (!tx->recorded)
                pl_tx_step(tx, &(struct pl_step_info){
                                       .step = "background",
                                       .result = EG_CHECK_FAILED,
                                       .reason = reason,
                                       .detail = "answered after the decision",
                                       .clock = &tx->background_clock,
                                       .timeout_ms = tx->policy.background_timeout_ms,
                               });
        pl_alarm(p, tx, reason, watchlist ? "watchlist-hit" : "lost-stolen-document",
                 "background check hit after the decision");
}

static void on_background(enum eg_background_verdict v, void *userdata) {
        struct pl_background_call *c = userdata;
        struct eg_pipeline *p = c->p;
        struct eg_transaction *tx = c->tx;

        EG_LIST_REMOVE(background_calls, p->background_calls, c);
        free(c);
        if (pl_is_current(p, tx) && tx->background_pending && !tx->decided)
                background_verdict(p, tx, v, NULL);
        else {
                tx->background_pending = false;
                pl_timer_disarm(&tx->background_timer);
                if (v == EG_BACKGROUND_WATCHLIST_HIT || v == EG_BACKGROUND_LOST_STOLEN)
                        late_background_hit(p, tx, v);
        }
        pl_tx_unref(tx);
        pl_unref(p);
}

static void on_background_deadline(struct eg_pipeline *p, struct eg_transaction *tx) {
        if (!tx->background_pending)
                return;
        if (p->manager->background)
                eg_background_cancel(p->manager->background, tx->background_request);
        if (pl_is_current(p, tx) && !tx->decided)
                background_verdict(p, tx, EG_BACKGROUND_UNAVAILABLE,
                                   "no answer within background-timeout-ms");
}

void pl_background_start(struct eg_pipeline *p, struct eg_transaction *tx) {
        struct eg_background_query q = {
                .issuing_state = tx->mrz.issuing_state,
                .document_number = tx->mrz.document_number,
                .nationality = tx->mrz.nationality,
                .birth_year = tx->mrz.birth_date.year,
                .birth_month = tx->mrz.birth_date.month,
                .birth_day = tx->mrz.birth_date.day,
        };
        struct pl_background_call *c;
        int r = -ENOTCONN;

        pl_clock_now(&tx->background_clock);
        c = calloc(1, sizeof(*c));
        if (c) {
                c->p = pl_ref(p);
                c->tx = pl_tx_ref(tx);
                if (p->manager->background)
                        r = eg_background_check(p->manager->background, &q, on_background, c,
                                                &tx->background_request);
                if (r < 0) {
                        pl_tx_unref(c->tx);
                        pl_unref(c->p);
                        free(c);
                } else
                        EG_LIST_APPEND(background_calls, p->background_calls, c);
        }
        if (!c || r < 0) {
                background_verdict(p, tx,
                                   p->manager->background ? EG_BACKGROUND_UNAVAILABLE
                                                          : EG_BACKGROUND_NOT_SUPPORTED,
                                   p->manager->background ? "the background check refused"
                                                          : "no background check configured");
                return;
        }
        tx->background_pending = true;
        (void) pl_timer_arm(tx, &tx->background_timer, tx->policy.background_timeout_ms,
                            on_background_deadline);
}

/* ---- together ---- */

void pl_checks_start(struct eg_pipeline *p, struct eg_transaction *tx) {
        pl_tx_set_phase(p, tx, PL_PHASE_CHECKING);
        /* All at once (TR-03135-1 §4.2: the chip as soon as the MRZ is known, beside the
         * optical checks). */
        pl_chip_start(p, tx);
        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_CHECKING)
                return;
        pl_optical_start(p, tx);
        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_CHECKING)
                return;
        registry_start(p, tx);
        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_CHECKING)
                return;
        pl_background_start(p, tx);
}

void pl_checks_progress(struct eg_pipeline *p, struct eg_transaction *tx) {
        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_CHECKING || tx->decided)
                return;
        if (!tx->chip_done || !tx->eligibility_done)
                return;
        if (!tx->chip_ok || !tx->eligible)
                return; /* the refusal is under way */
        if (!pl_optical_settled(p, tx))
                return; /* the reader has not answered, or it referred */
        pl_mantrap_open_entry(p, tx);
}
