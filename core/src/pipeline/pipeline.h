/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pass-through pipeline: one explicit state machine per lane
 * (docs/pipeline.md).  It is driven only by device events (a manager
 * listener), operation outcomes, registry / background / audit / chip
 * callbacks and sd-event timers; nothing in it blocks the loop.
 *
 * One traveller at a time: a transaction starts when a document is placed on
 * the lane's reader and ends when the lane is clear again.  Its decision
 * (accept, refer or alarm) is written to the audit trail before any door
 * acts on it; the exit door opens only on accept, with exactly one person in
 * the mantrap and the entry door closed and locked.
 *
 * Observers (the D-Bus layer) hear about states, transactions, steps and
 * alarms through struct eg_manager_listener (pipeline_changed,
 * transaction_event).  Signals and observers carry ids, step names, results
 * and reason codes only, never personal data.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct eg_manager;
struct eg_lane;
struct eg_pipeline;

enum eg_pipeline_state {
        EG_PIPELINE_IDLE = 0, /* ready for the next traveller */
        EG_PIPELINE_READING_DOCUMENT, /* reading the printed MRZ */
        EG_PIPELINE_CHECKING, /* chip, registry, eligibility, background */
        EG_PIPELINE_ENTERING, /* entry door open, waiting for one person inside */
        EG_PIPELINE_VERIFYING, /* fingerprint and face */
        EG_PIPELINE_DECIDING, /* background check, operator, audit record */
        EG_PIPELINE_EXITING, /* accepted: exit door open until the traveller is out */
        EG_PIPELINE_REFERRING, /* refused: back the way they came, or to the officer */
        EG_PIPELINE_CLOSED, /* mode closed or manual, or the audit trail not writable */
        EG_PIPELINE_EMERGENCY, /* every door open */
        EG_PIPELINE_OUT_OF_SERVICE, /* a required device is missing or faulted */
        EG_PIPELINE_STATE_MAX_,
};

/* "idle", "reading-document", ... */
const char *eg_pipeline_state_to_string(enum eg_pipeline_state s);

enum eg_decision {
        EG_DECISION_NONE = 0,
        EG_DECISION_ACCEPT,
        EG_DECISION_REFER,
        EG_DECISION_ALARM,
};

const char *eg_decision_to_string(enum eg_decision d); /* "", "accept", "refer", "alarm" */

struct eg_pipeline_counters {
        uint64_t transactions, accepted, referred, alarms;
};

enum eg_transaction_event_type {
        EG_TRANSACTION_STARTED = 0,
        EG_TRANSACTION_STEP_FINISHED,
        EG_TRANSACTION_FINISHED,
        EG_TRANSACTION_ALARM,
};

/* What observers hear.  Strings live until the callback returns. */
struct eg_transaction_event {
        enum eg_transaction_event_type type;
        const char *id;
        /* STEP_FINISHED */
        const char *step;
        const char *result; /* "successful", "failed", ... */
        const char *reason; /* "" when none */
        uint64_t duration_usec;
        /* FINISHED */
        const char *decision;
        const char *const *reasons;
        size_t n_reasons;
        /* ALARM */
        const char *alarm_kind; /* e.g. "tailgating", "watchlist-hit" */
        const char *alarm_detail; /* ids and codes only */
};

/* Create, rebind or retire pipelines after the lanes were (re)built.  A lane
 * that went away with a transaction running has it aborted and audited. */
int eg_pipelines_sync(struct eg_manager *m);
/* Start watching the manager (once, before the first sync). */
int eg_pipelines_init(struct eg_manager *m);
void eg_pipelines_free(struct eg_manager *m);
/* Something every lane depends on changed (the registry finished loading): look again. */
void eg_pipelines_refresh(struct eg_manager *m);
/* AUDIT: m->audit opened after the start (it would not at first): the pipelines follow its
 * writability from now on, write the records they kept, and open their lanes. */
void eg_pipelines_audit_opened(struct eg_manager *m);

struct eg_pipeline *eg_pipeline_find(struct eg_manager *m, const char *lane_name);
const char *eg_pipeline_lane_name(const struct eg_pipeline *p);
enum eg_pipeline_state eg_pipeline_state(const struct eg_pipeline *p);
/* "" when there is no transaction. */
const char *eg_pipeline_transaction_id(const struct eg_pipeline *p);
const struct eg_pipeline_counters *eg_pipeline_counters(const struct eg_pipeline *p);

/*
 * Operator actions (operator.c).  `operator` describes the caller ("uid 1000
 * (:1.42)") and `reason` is what they typed; both go into the audit record
 * and the log.
 *
 * eg_pipeline_decide(): "refer" (accept = false) vetoes the running
 * transaction at any time before its decision is recorded; "accept" confirms
 * a decision that waits for the operator (policy operator-confirmation) and
 * overrides a referral that waits likewise.  -ENOENT: no transaction;
 * -EBUSY: nothing waits for the operator (accept) or the decision is
 * already recorded.
 * eg_pipeline_abort(): before the decision, refers the traveller
 * (E_OPERATOR_ABORT); after it, stops waiting for the traveller to leave and
 * secures the doors.  -ENOENT: no transaction.
 */
int eg_pipeline_decide(struct eg_pipeline *p, bool accept, const char *operator,
                       const char * reason);
int eg_pipeline_abort(struct eg_pipeline *p, const char *operator, const char * reason);
/* Record an operator's door override or mode change in the running transaction, if any. */
void eg_pipeline_note_operator(struct eg_pipeline *p, const char *action, const char *operator,
                               const char * reason);
