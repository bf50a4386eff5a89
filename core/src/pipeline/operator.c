/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What operators do to a running lane (pipeline.h), each logged with who
 * and why and recorded in the transaction's audit record (or, when no
 * record takes it, as a lane event of the audit trail); and the
 * emergency input, which opens every door of the lane at once.
 */
#include <errno.h>
#include <string.h>

#include "device.h"
#include "lane.h"
#include "log.h"
#include "manager.h"
#include "pipeline-internal.h"
#include "reasons.h"

int eg_pipeline_decide(struct eg_pipeline *p, bool accept, const char *operator,
                       const char * reason) {
        struct eg_transaction *tx = p->tx;
        const char *action;

        if (!tx)
                return -ENOENT;
        if (tx->awaiting_operator) {
                bool agrees = accept == (tx->decision == EG_DECISION_ACCEPT);

                action = agrees ? "confirm" : accept ? "veto-accept" : "veto-refer";
                log_lane(LOG_NOTICE, 0, p->lane_name, "transaction %s: %s by %s: %s", tx->id,
                         action, strna(operator), strna(reason));
                pl_tx_add_action(tx, action, operator, reason);
                pl_decision_confirmed(p, tx, accept);
                return 0;
        }
        if (accept || tx->decided)
                return -EBUSY;

        log_lane(LOG_NOTICE, 0, p->lane_name, "transaction %s: veto-refer by %s: %s", tx->id,
                 strna(operator), strna(reason));
        pl_tx_add_action(tx, "veto-refer", operator, reason);
        pl_tx_add_reason(tx, EG_REASON_OPERATOR_VETO);
        pl_refer(p, tx, EG_REASON_OPERATOR_VETO);
        return 0;
}

int eg_pipeline_abort(struct eg_pipeline *p, const char *operator, const char * reason) {
        struct eg_transaction *tx = p->tx;

        if (!tx)
                return -ENOENT;
        log_lane(LOG_NOTICE, 0, p->lane_name, "transaction %s: abort by %s: %s", tx->id,
                 strna(operator), strna(reason));
        if (tx->awaiting_operator) {
                pl_tx_add_action(tx, "abort", operator, reason);
                pl_tx_add_reason(tx, EG_REASON_OPERATOR_ABORT);
                if (tx->decision == EG_DECISION_ACCEPT)
                        tx->decision = EG_DECISION_REFER;
                pl_decision_confirmed(p, tx, false);
                return 0;
        }
        if (!tx->decided) {
                pl_tx_add_action(tx, "abort", operator, reason);
                pl_tx_add_reason(tx, EG_REASON_OPERATOR_ABORT);
                pl_refer(p, tx, EG_REASON_OPERATOR_ABORT);
                return 0;
        }
        if (!tx->recorded)
                return -EBUSY; /* the record is being written: a moment later */
        /* Decided and recorded: stop waiting for the traveller; the rest state secures
         * the doors (the officer has taken over).  The record is written: a lane event. */
        pl_event_operator(p, tx, "abort", operator, reason);
        pl_tx_finish(p, tx);
        return 0;
}

void eg_pipeline_note_operator(struct eg_pipeline *p, const char *action, const char *operator,
                               const char * reason) {
        struct eg_transaction *tx = p->tx;

        log_lane(LOG_NOTICE, 0, p->lane_name, "%s by %s: %s%s%s", action, strna(operator),
                 strna(reason), tx ? " during transaction " : "", tx ? tx->id : "");
        if (tx && !tx->recorded && tx->phase != PL_PHASE_RECORDING)
                pl_tx_add_action(tx, action, operator, reason);
        else
                pl_event_operator(p, tx, action, operator, reason);
}

static void on_emergency_door(struct eg_pipeline *p, struct eg_transaction *tx, int status,
                              const char *message) {
        if (status < 0 && status != -ECANCELED)
                log_lane(LOG_CRIT, status, p->lane_name, "emergency: a door did not open: %s",
                         message ? message : strerror(-status));
}

void pl_emergency_begin(struct eg_pipeline *p, const char *device_id) {
        struct eg_transaction *tx = p->tx;

        if (p->emergency_doors_open || !p->lane)
                return;
        p->emergency_doors_open = true;
        log_lane(LOG_CRIT, 0, p->lane_name, "emergency input%s%s: opening every door",
                 device_id ? " on " : "", device_id ? device_id : "");
        pl_event_emergency(p, tx, device_id);
        if (p->lane->mode != EG_LANE_MODE_EMERGENCY)
                (void) eg_lane_set_mode(p->lane, EG_LANE_MODE_EMERGENCY, "emergency input");
        pl_set_state(p, EG_PIPELINE_EMERGENCY);
        pl_indicate(p, EG_COLOUR_YELLOW, EG_PATTERN_FAST_FLASH, PL_MSG_EMERGENCY);

        /* People first: the doors open before anything is written (a door command under
         * way, such as the entry door closing behind a traveller, gives way: doors.c). */
        for (unsigned role = EG_ROLE_ENTRY_DOOR; role <= EG_ROLE_EXIT_DOOR; role++) {
                struct eg_device *d = pl_role_device(p, NULL, role);

                if (d)
                        (void) pl_door_open(p, NULL, d->id, on_emergency_door);
        }

        if (!tx)
                return;
        if (!tx->decided) {
                pl_tx_add_reason(tx, EG_REASON_EMERGENCY);
                pl_refer(p, tx, EG_REASON_EMERGENCY);
        } else if (tx->recorded)
                pl_tx_finish(p, tx);
        /* Recording: act() sees the emergency and ends the transaction. */
}
