/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A transaction: one traveller's way through the lane, its ids, steps,
 * reasons and operator actions, and the personal data it holds while it
 * runs (MRZ, the registry record with its templates), wiped at its end.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-id128.h>
#include <time.h>

#include "backend/background.h"
#include "face-matcher.h"
#include "lane.h"
#include "log.h"
#include "manager.h"
#include "pipeline-internal.h"

uint64_t pl_now_monotonic(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

uint64_t pl_now_realtime(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

void pl_clock_now(struct pl_clock *c) {
        c->realtime_usec = pl_now_realtime();
        c->monotonic_usec = pl_now_monotonic();
}

static void today_local(struct eg_date *d) {
        time_t now = time(NULL);
        struct tm tm;

        /* The day of passage is the gate's local calendar day. */
        (void) localtime_r(&now, &tm);
        *d = (struct eg_date){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
}

int pl_tx_new(struct eg_pipeline *p, struct eg_transaction **ret) {
        struct eg_transaction *tx;
        sd_id128_t id;
        int r;

        tx = calloc(1, sizeof(*tx));
        if (!tx)
                return -ENOMEM;
        tx->pipeline = pl_ref(p);
        tx->n_refs = 1;
        tx->background_verdict = -1;
        tx->first_count = -1;
        r = sd_id128_randomize(&id);
        if (r >= 0)
                r = eg_policy_copy(&p->lane->policy, &tx->policy);
        for (unsigned role = 0; r >= 0 && role < EG_ROLE_MAX_; role++)
                if (p->lane->roles[role][0])
                        r = free_and_strdup(&tx->devices[role], p->lane->roles[role][0]);
        if (r < 0) {
                pl_tx_unref(tx);
                return r;
        }
        (void) sd_id128_to_string(id, tx->id);
        pl_clock_now(&tx->started);
        today_local(&tx->today);
        tx->phase = PL_PHASE_READING;
        *ret = tx;
        return 0;
}

struct eg_transaction *pl_tx_ref(struct eg_transaction *tx) {
        tx->n_refs++;
        return tx;
}

void pl_tx_discard_personal_data(struct eg_transaction *tx) {
        eg_mrz_wipe(&tx->mrz);
        tx->have_mrz = false;
        for (size_t i = 0; i < PL_MAX_FINGERS; i++)
                tx->templates[i] = NULL;
        eg_member_free(tx->member);
        tx->member = NULL;
}

void pl_tx_unref(struct eg_transaction *tx) {
        struct eg_pipeline *p;

        if (!tx || --tx->n_refs > 0)
                return;
        pl_timer_disarm(&tx->phase_timer);
        pl_timer_disarm(&tx->turn_back_timer);
        pl_timer_disarm(&tx->background_timer);
        pl_timer_disarm(&tx->registry_timer);
        pl_timer_disarm(&tx->fp_timer);
        pl_timer_disarm(&tx->face_timer);
        pl_tx_discard_personal_data(tx);
        eg_policy_done(&tx->policy);
        for (unsigned role = 0; role < EG_ROLE_MAX_; role++)
                free(tx->devices[role]);
        free(tx->record);
        p = tx->pipeline;
        free(tx);
        if (p)
                pl_unref(p);
}

static enum eg_pipeline_state phase_state(enum pl_phase phase) {
        switch (phase) {
        case PL_PHASE_READING:
                return EG_PIPELINE_READING_DOCUMENT;
        case PL_PHASE_CHECKING:
                return EG_PIPELINE_CHECKING;
        case PL_PHASE_ENTRY_OPENING:
        case PL_PHASE_WAIT_ENTER:
        case PL_PHASE_ENTRY_SECURING:
        case PL_PHASE_COUNTING:
                return EG_PIPELINE_ENTERING;
        case PL_PHASE_VERIFYING:
                return EG_PIPELINE_VERIFYING;
        case PL_PHASE_DECIDING:
        case PL_PHASE_RECORDING:
                return EG_PIPELINE_DECIDING;
        case PL_PHASE_EXITING:
                return EG_PIPELINE_EXITING;
        case PL_PHASE_REFERRING:
        default:
                return EG_PIPELINE_REFERRING;
        }
}

void pl_tx_set_phase(struct eg_pipeline *p, struct eg_transaction *tx, enum pl_phase phase) {
        tx->phase = phase;
        if (pl_is_current(p, tx) && phase != PL_PHASE_DONE && p->state != EG_PIPELINE_EMERGENCY)
                pl_set_state(p, phase_state(phase));
}

static void copy_string(char *dst, size_t size, const char *src) {
        (void) snprintf(dst, size, "%s", src ? src : "");
}

void pl_tx_step(struct eg_transaction *tx, const struct pl_step_info *s) {
        struct eg_pipeline *p = tx->pipeline;
        struct pl_clock now;
        uint64_t duration;
        struct eg_transaction_event e = { .type = EG_TRANSACTION_STEP_FINISHED };
        char attempt[24] = "";

        pl_clock_now(&now);
        duration = s->clock && s->clock->monotonic_usec
                           ? now.monotonic_usec - s->clock->monotonic_usec
                           : 0;
        if (tx->n_steps < EG_AUDIT_MAX_STEPS) {
                struct eg_audit_step *a = &tx->steps[tx->n_steps++];

                *a = (struct eg_audit_step){
                        .start_usec = s->clock && s->clock->realtime_usec ? s->clock->realtime_usec
                                                                          : now.realtime_usec,
                        .end_usec = now.realtime_usec,
                        .has_score = s->has_score,
                        .score = s->score,
                        .threshold = s->threshold,
                        .attempt = s->attempt ? s->attempt : 1,
                        .timeout_ms = s->timeout_ms,
                };
                copy_string(a->step, sizeof(a->step), s->step);
                copy_string(a->result, sizeof(a->result), eg_check_result_to_string(s->result));
                copy_string(a->reason, sizeof(a->reason), s->reason);
                copy_string(a->device, sizeof(a->device), s->device);
        } else
                log_lane(LOG_WARNING, 0, p->lane_name,
                         "transaction %s: more than %d steps, %s not recorded", tx->id,
                         EG_AUDIT_MAX_STEPS, s->step);

        if (s->attempt > 1)
                (void) snprintf(attempt, sizeof(attempt), " attempt %u", s->attempt);
        log_lane(s->result == EG_CHECK_SUCCESSFUL ? LOG_INFO : LOG_NOTICE, 0, p->lane_name,
                 "transaction %s: %s%s %s%s%s%s%s (%" PRIu64 " ms)", tx->id, s->step, attempt,
                 eg_check_result_to_string(s->result), s->reason ? " " : "",
                 s->reason ? s->reason : "", s->detail && s->detail[0] ? ": " : "",
                 s->detail ? s->detail : "", duration / 1000);

        e.id = tx->id;
        e.step = s->step;
        e.result = eg_check_result_to_string(s->result);
        e.reason = s->reason ? s->reason : "";
        e.duration_usec = duration;
        pl_emit(p, &e);
}

void pl_tx_step_simple(struct eg_transaction *tx, const char *step, const struct pl_clock *clock,
                       enum eg_check_result result, const char *reason, const char *detail) {
        pl_tx_step(tx, &(struct pl_step_info){
                               .step = step,
                               .result = result,
                               .reason = reason,
                               .detail = detail,
                               .clock = clock,
                       });
}

bool pl_tx_has_reason(const struct eg_transaction *tx, const char *reason) {
        for (size_t i = 0; i < tx->n_reasons; i++)
                if (streq(tx->reasons[i], reason))
                        return true;
        return false;
}

void pl_tx_add_reason(struct eg_transaction *tx, const char *reason) {
        if (!reason || pl_tx_has_reason(tx, reason))
                return;
        if (tx->n_reasons >= PL_MAX_REASONS) {
                log_lane(LOG_WARNING, 0, tx->pipeline->lane_name,
                         "transaction %s: more than %d reasons, %s not recorded", tx->id,
                         PL_MAX_REASONS, reason);
                return;
        }
        copy_string(tx->reasons[tx->n_reasons++], sizeof(tx->reasons[0]), reason);
}

void pl_tx_add_action(struct eg_transaction *tx, const char *action, const char *operator,
                      const char * reason) {
        struct eg_audit_operator_action *a;

        if (tx->n_actions >= EG_AUDIT_MAX_OPERATOR_ACTIONS) {
                /* The record is full; the trail still takes the action, beside it. */
                pl_event_operator(tx->pipeline, tx, action, operator, reason);
                return;
        }
        a = &tx->actions[tx->n_actions++];
        a->time_usec = pl_now_realtime();
        copy_string(a->action, sizeof(a->action), action);
        copy_string(a->operator, sizeof(a->operator), operator);
        copy_string(a->reason, sizeof(a->reason), reason);
}

void pl_tx_cancel_all(struct eg_transaction *tx) {
        struct eg_pipeline *p = tx->pipeline;
        struct eg_manager *m = p->manager;

        pl_timer_disarm(&tx->phase_timer);
        pl_timer_disarm(&tx->turn_back_timer);
        pl_timer_disarm(&tx->registry_timer);
        pl_timer_disarm(&tx->fp_timer);
        pl_timer_disarm(&tx->face_timer);
        if (tx->chip)
                eg_chip_session_cancel(tx->chip);
        if (tx->registry_pending && m->registry)
                eg_registry_cancel(m->registry, tx->registry_request);
        if (tx->inspection_op)
                (void) eg_operation_cancel(m, tx->inspection_op);
        if (tx->fp_op)
                (void) eg_operation_cancel(m, tx->fp_op);
        if (tx->face_op)
                (void) eg_operation_cancel(m, tx->face_op);
        if (tx->face_comparing && m->face_matcher && m->face_matcher->ops->cancel)
                m->face_matcher->ops->cancel(m->face_matcher->matcher, tx->face_request);
}

void pl_tx_finish(struct eg_pipeline *p, struct eg_transaction *tx) {
        if (!pl_is_current(p, tx))
                return;
        log_lane(LOG_INFO, 0, p->lane_name, "transaction %s ended; the lane is clear", tx->id);
        tx->phase = PL_PHASE_DONE;
        pl_tx_cancel_all(tx);
        /* A background check still running goes on, to its deadline: a hit must reach the
         * operator even after the traveller left (steps-checks.c, late_background_hit()). */
        pl_tx_discard_personal_data(tx);
        p->tx = NULL;
        pl_notify_changed(p);
        pl_tx_unref(tx);
        pl_kick(p);
}
