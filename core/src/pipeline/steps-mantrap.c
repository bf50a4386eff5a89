/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Steps 13 and 14 (domain notes §9): the entry door opens, the traveller
 * walks in, the door closes and locks behind them, and the mantrap must hold
 * exactly one person before any biometric capture.
 *
 * Zones are the presence sensors' "approach" and "mantrap" (the names the
 * mock and docs/pipeline.md use).  Somebody joining the traveller after
 * they came in is tailgating; two people coming in together are
 * multi-person; both are silent alarms.  A traveller who takes the passport
 * and walks away from the open door (the approach zone empty, nobody inside,
 * for turn-back-ms) has turned back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "lane.h"
#include "log.h"
#include "manager.h"
#include "pipeline-internal.h"
#include "reasons.h"

#define ZONE_APPROACH "approach"
#define ZONE_MANTRAP "mantrap"

static void entry_secure(struct eg_pipeline *p, struct eg_transaction *tx);

static void fail_occupancy(struct eg_pipeline *p, struct eg_transaction *tx, const char *reason,
                           const char *detail) {
        pl_tx_step(tx, &(struct pl_step_info){
                               .step = "occupancy",
                               .result = EG_CHECK_FAILED,
                               .reason = reason,
                               .detail = detail,
                               .clock = &tx->entry_clock,
                               .timeout_ms = tx->policy.mantrap_timeout_ms,
                       });
        pl_tx_add_reason(tx, reason);
        if (eg_reason_is_alert(reason))
                pl_alarm(p, tx, reason,
                         streq(reason, EG_REASON_TAILGATING) ? "tailgating" : "multi-person",
                         detail);
        else
                pl_refer(p, tx, reason);
}

static void on_mantrap_timeout(struct eg_pipeline *p, struct eg_transaction *tx) {
        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_WAIT_ENTER)
                return;
        fail_occupancy(p, tx, EG_REASON_MANTRAP_TIMEOUT,
                       "nobody entered the mantrap within mantrap-timeout-ms");
}

static void on_turn_back(struct eg_pipeline *p, struct eg_transaction *tx) {
        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_WAIT_ENTER ||
            pl_zone_count(p, ZONE_MANTRAP) > 0)
                return;
        fail_occupancy(p, tx, EG_REASON_TURNED_BACK,
                       "the traveller took the document and walked away from the open door");
}

static void on_entry_open(struct eg_pipeline *p, struct eg_transaction *tx, int status,
                          const char *message) {
        struct eg_device *d;

        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_ENTRY_OPENING || status == -ECANCELED)
                return;
        if (status < 0) {
                pl_tx_step(tx, &(struct pl_step_info){
                                       .step = "entry-door",
                                       .result = EG_CHECK_FAILED,
                                       .reason = EG_REASON_ENTRY_DOOR_FAULT,
                                       .detail = message ? message : strerror(-status),
                                       .clock = &tx->entry_clock,
                                       .device = tx->devices[EG_ROLE_ENTRY_DOOR],
                                       .timeout_ms = PL_DOOR_TIMEOUT_MS,
                               });
                pl_tx_add_reason(tx, EG_REASON_ENTRY_DOOR_FAULT);
                pl_refer(p, tx, EG_REASON_ENTRY_DOOR_FAULT);
                /* Out of service until the door works again (a probe or its RECOVERED). */
                d = pl_role_device(p, tx, EG_ROLE_ENTRY_DOOR);
                if (d && d->state != EG_DEVICE_FAULTED)
                        eg_device_fault(d, "the entry door failed to open");
                return;
        }
        pl_tx_step(tx, &(struct pl_step_info){
                               .step = "entry-door",
                               .result = EG_CHECK_SUCCESSFUL,
                               .detail = "open",
                               .clock = &tx->entry_clock,
                               .device = tx->devices[EG_ROLE_ENTRY_DOOR],
                               .timeout_ms = PL_DOOR_TIMEOUT_MS,
                       });
        tx->entry_opened = true;
        pl_clock_now(&tx->entry_clock);
        pl_tx_set_phase(p, tx, PL_PHASE_WAIT_ENTER);
        (void) pl_timer_arm(tx, &tx->phase_timer, tx->policy.mantrap_timeout_ms,
                            on_mantrap_timeout);
        pl_mantrap_occupancy(p, tx);
}

void pl_mantrap_open_entry(struct eg_pipeline *p, struct eg_transaction *tx) {
        int r;

        pl_tx_set_phase(p, tx, PL_PHASE_ENTRY_OPENING);
        pl_indicate(p, EG_COLOUR_GREEN, EG_PATTERN_SLOW_FLASH, PL_MSG_ENTER);
        pl_clock_now(&tx->entry_clock);
        r = pl_door_open(p, tx, tx->devices[EG_ROLE_ENTRY_DOOR], on_entry_open);
        if (r < 0)
                on_entry_open(p, tx, r, "cannot command the entry door");
}

static void on_count(struct eg_pipeline *p, struct eg_transaction *tx, struct eg_op_outcome *o) {
        char detail[EG_CHECK_DETAIL_MAX];

        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_COUNTING)
                return;
        if (o->status == 0 && o->value > tx->counted)
                tx->counted = o->value;
        else if (o->status < 0)
                log_lane(LOG_WARNING, o->status, p->lane_name,
                         "transaction %s: presence read failed: %s", tx->id,
                         o->message ? o->message : strerror(-o->status));
        if (tx->pending_counts > 0 && --tx->pending_counts > 0)
                return;

        /* The events seen meanwhile count too: the higher number wins. */
        if (pl_zone_count(p, ZONE_MANTRAP) > tx->counted)
                tx->counted = pl_zone_count(p, ZONE_MANTRAP);
        if (tx->counted == 1 && tx->first_count <= 1) {
                pl_tx_step(tx, &(struct pl_step_info){
                                       .step = "occupancy",
                                       .result = EG_CHECK_SUCCESSFUL,
                                       .detail = "one person inside, entry door closed and locked",
                                       .clock = &tx->entry_clock,
                                       .timeout_ms = tx->policy.mantrap_timeout_ms,
                               });
                pl_biometric_start(p, tx);
                return;
        }
        if (tx->counted == 0) {
                fail_occupancy(p, tx, EG_REASON_TURNED_BACK, "nobody in the mantrap");
                return;
        }
        (void) snprintf(detail, sizeof(detail), "%lld people in the mantrap",
                        (long long) tx->counted);
        fail_occupancy(p, tx, tx->first_count >= 2 ? EG_REASON_MULTI_PERSON : EG_REASON_TAILGATING,
                       detail);
}

static void count(struct eg_pipeline *p, struct eg_transaction *tx) {
        struct eg_op_args args = {
                .size = sizeof(args),
                .kind = EG_OP_PRESENCE_READ,
                .zone = ZONE_MANTRAP,
        };

        pl_tx_set_phase(p, tx, PL_PHASE_COUNTING);
        tx->counted = 0;
        tx->pending_counts = 0;
        for (unsigned i = 0; p->lane && i < EG_LANE_MAX_MULTI; i++) {
                const char *id = p->lane->roles[EG_ROLE_PRESENCE_SENSOR][i];

                if (id &&
                    pl_op_start(p, tx, id, &args, PL_PRESENCE_TIMEOUT_MS, on_count, NULL) >= 0)
                        tx->pending_counts++;
        }
        if (tx->pending_counts == 0) {
                /* No sensor answers a read: rely on the count the events gave. */
                tx->pending_counts = 1;
                on_count(p, tx, &(struct eg_op_outcome){ .status = -ENODEV, .fd = -1 });
        }
}

static void on_entry_secured(struct eg_pipeline *p, struct eg_transaction *tx, int status,
                             const char *message) {
        struct eg_device *d;

        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_ENTRY_SECURING || status == -ECANCELED)
                return;
        if (status < 0) {
                pl_tx_step(tx, &(struct pl_step_info){
                                       .step = "entry-door",
                                       .result = EG_CHECK_FAILED,
                                       .reason = EG_REASON_ENTRY_DOOR_NOT_CLOSED,
                                       .detail = message ? message : strerror(-status),
                                       .clock = &tx->entry_clock,
                                       .device = tx->devices[EG_ROLE_ENTRY_DOOR],
                                       .timeout_ms = PL_DOOR_TIMEOUT_MS,
                               });
                pl_tx_add_reason(tx, EG_REASON_ENTRY_DOOR_NOT_CLOSED);
                pl_refer(p, tx, EG_REASON_ENTRY_DOOR_NOT_CLOSED);
                d = pl_role_device(p, tx, EG_ROLE_ENTRY_DOOR);
                if (d && d->state != EG_DEVICE_FAULTED)
                        eg_device_fault(d, "the entry door failed to close and lock");
                return;
        }
        pl_tx_step(tx, &(struct pl_step_info){
                               .step = "entry-door",
                               .result = EG_CHECK_SUCCESSFUL,
                               .detail = "closed and locked",
                               .clock = &tx->entry_clock,
                               .device = tx->devices[EG_ROLE_ENTRY_DOOR],
                               .timeout_ms = PL_DOOR_TIMEOUT_MS,
                       });
        count(p, tx);
}

static void entry_secure(struct eg_pipeline *p, struct eg_transaction *tx) {
        int r;

        pl_timer_disarm(&tx->phase_timer);
        pl_timer_disarm(&tx->turn_back_timer);
        pl_tx_set_phase(p, tx, PL_PHASE_ENTRY_SECURING);
        pl_indicate(p, EG_COLOUR_WHITE, EG_PATTERN_STEADY, PL_MSG_PLEASE_WAIT);
        pl_clock_now(&tx->entry_clock);
        r = pl_door_secure(p, tx, tx->devices[EG_ROLE_ENTRY_DOOR], on_entry_secured);
        if (r == 1)
                count(p, tx);
        else if (r < 0)
                on_entry_secured(p, tx, r, "cannot command the entry door");
}

void pl_mantrap_occupancy(struct eg_pipeline *p, struct eg_transaction *tx) {
        int64_t inside = pl_zone_count(p, ZONE_MANTRAP);
        char detail[EG_CHECK_DETAIL_MAX];

        if (!pl_is_current(p, tx) || tx->decided)
                return;
        switch (tx->phase) {
        case PL_PHASE_WAIT_ENTER:
                if (inside >= 1) {
                        tx->entered = true;
                        tx->first_count = inside;
                        entry_secure(p, tx);
                        return;
                }
                if (!pl_document_present(p))
                        tx->document_taken = true;
                else if (tx->document_taken) {
                        /* A document again, nobody inside: the next traveller stepped up. */
                        fail_occupancy(p, tx, EG_REASON_TURNED_BACK,
                                       "the traveller took the document and walked away; the "
                                       "next one stepped up");
                        return;
                }
                /* Once they took the document and the approach emptied, somebody else
                 * stepping up does not make them come back: the grace runs out. */
                if (tx->document_taken && pl_zone_count(p, ZONE_APPROACH) == 0 &&
                    !tx->turn_back_timer)
                        (void) pl_timer_arm(tx, &tx->turn_back_timer, tx->policy.turn_back_ms,
                                            on_turn_back);
                return;

        case PL_PHASE_ENTRY_SECURING:
        case PL_PHASE_COUNTING:
        case PL_PHASE_VERIFYING:
        case PL_PHASE_DECIDING:
                if (tx->first_count >= 0 && inside > tx->first_count) {
                        (void) snprintf(detail, sizeof(detail),
                                        "%lld people in the mantrap after the traveller entered",
                                        (long long) inside);
                        fail_occupancy(p, tx, EG_REASON_TAILGATING, detail);
                }
                return;

        default:
                return;
        }
}
