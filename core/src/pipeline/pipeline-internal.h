/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared between the pipeline's files: the lane's state machine (pipeline.c),
 * the transaction and its step records (transaction.c), one file per group
 * of steps (steps-*.c), the decision and its record (decision.c, record.c),
 * doors (doors.c), operator actions (operator.c), the audit trail's lane
 * events (lane-events.c).
 *
 * Lifetime: every asynchronous request the pipeline starts (an operation, a
 * chip session, a lookup, a timer) holds a reference on the pipeline and on
 * its transaction, and its answer is checked against the transaction's
 * current phase before it acts, so a late answer for an aborted step is
 * harmless.  A transaction ends (pl_tx_finish) when the lane is clear; its
 * memory goes when the last request has answered.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "audit/audit.h"
#include "config.h"
#include "eligibility.h"
#include "emrtd/chip-session.h"
#include "emrtd/mrz.h"
#include "list.h"
#include "operation.h"
#include "pipeline.h"
#include "registry/registry.h"

struct eg_device;
struct eg_member;

/* Where a transaction is; the lane's State follows from it (pl_phase_state). */
enum pl_phase {
        PL_PHASE_READING = 0, /* reading the printed MRZ */
        PL_PHASE_CHECKING, /* chip, registry and eligibility; background alongside */
        PL_PHASE_ENTRY_OPENING,
        PL_PHASE_WAIT_ENTER, /* entry door open, waiting for someone in the mantrap */
        PL_PHASE_ENTRY_SECURING, /* closing and locking the entry door behind them */
        PL_PHASE_COUNTING, /* reading the mantrap's count */
        PL_PHASE_VERIFYING, /* fingerprint and face */
        PL_PHASE_DECIDING, /* background check, operator confirmation */
        PL_PHASE_RECORDING, /* the audit record is being written */
        PL_PHASE_EXITING, /* accepted: the traveller leaves through the exit */
        PL_PHASE_REFERRING, /* refused: the traveller leaves the way they came */
        PL_PHASE_DONE,
};

/* Guidance message ids for indicators (docs/pipeline.md). */
enum pl_message {
        PL_MSG_NONE = 0,
        PL_MSG_PLACE_DOCUMENT = 1,
        PL_MSG_PLEASE_WAIT = 2,
        PL_MSG_ENTER = 3,
        PL_MSG_LOOK_AT_CAMERA = 4,
        PL_MSG_EXIT = 5,
        PL_MSG_SEE_OFFICER = 6,
        PL_MSG_LANE_CLOSED = 7,
        PL_MSG_EMERGENCY = 8,
        PL_MSG_ONE_PERSON = 9,
        PL_MSG_PLACE_FINGER_BASE = 20, /* + ISO/IEC 19794-2 finger position 1..10 */
};

#define PL_MAX_REASONS EG_AUDIT_MAX_REASONS
#define PL_MAX_FINGERS 10
#define PL_DOOR_TIMEOUT_MS 10000u /* a door movement that takes longer is a fault */
#define PL_PRESENCE_TIMEOUT_MS 2000u
#define PL_INDICATOR_TIMEOUT_MS 2000u
#define PL_DEVICE_GRACE_MS 5000u /* device deadline beyond a human-paced step's own timer */
#define PL_PROBE_INTERVAL_USEC (5ULL * 1000000ULL)

/* What the document reader said of the data page (steps-optical.c). */
struct pl_inspection {
        int status; /* 0, or the operation's negative errno (-EOPNOTSUPP: it cannot inspect) */
        bool model_known;
        uint32_t passed, failed, undetermined; /* EG_OPTICAL_BIT()s */
};

/* A step's verdict with a detail of its own making. */
struct pl_verdict {
        const char *step;
        enum eg_check_result result;
        const char *reason; /* NULL when successful */
        char detail[EG_CHECK_DETAIL_MAX];
};

/* The start of a step: wall clock for the record, monotonic for durations. */
struct pl_clock {
        uint64_t realtime_usec;
        uint64_t monotonic_usec;
};

struct eg_transaction {
        struct eg_pipeline *pipeline;
        unsigned n_refs;
        char id[EG_AUDIT_ID_MAX];
        enum pl_phase phase;
        struct pl_clock started;
        uint64_t end_usec;
        struct eg_policy policy; /* the lane's, as it was when the traveller arrived */
        struct eg_date today;

        /* The devices serving each single-device role, as the transaction began. */
        char *devices[EG_ROLE_MAX_];

        /* Document: personal data, wiped in pl_tx_unref(). */
        unsigned document_attempts;
        struct pl_clock document_clock;
        bool have_mrz;
        struct eg_mrz mrz;

        /* Checks running side by side once the MRZ is known. */
        eg_op_id inspection_op;
        bool inspected; /* the reader answered; document-model is recorded */
        struct pl_inspection inspection;
        struct pl_clock inspection_clock;
        bool optical_done, optical_ok; /* optical-security is recorded */
        struct eg_chip_session *chip;
        unsigned chip_attempts;
        bool chip_done, chip_ok;
        bool chip_authentic; /* chip-authenticity ended successful */
        struct pl_clock chip_clock;
        bool registry_pending, registry_done;
        uint64_t registry_request;
        struct pl_clock registry_clock;
        sd_event_source *registry_timer;
        struct eg_member *member; /* personal data: eg_member_free() wipes it */
        bool member_by_holder;
        bool eligibility_done, eligible;
        bool background_pending, background_done;
        uint64_t background_request;
        struct pl_clock background_clock;
        sd_event_source *background_timer;
        int background_verdict; /* enum eg_background_verdict, -1 until known */

        /* Mantrap. */
        struct pl_clock entry_clock;
        bool entry_opened; /* the entry door was opened for this traveller */
        bool entered; /* someone is (or was) in the mantrap */
        bool document_taken; /* the document left the reader with the entry door open */
        int64_t first_count; /* mantrap count when the traveller first appeared in it */
        unsigned pending_counts;
        int64_t counted;
        sd_event_source *phase_timer;
        sd_event_source *turn_back_timer;

        /* Biometrics: templates live in `member`, frames are closed at once. */
        int fingers[PL_MAX_FINGERS]; /* positions to offer, in the policy's order */
        size_t n_fingers;
        const struct eg_member_finger *templates[PL_MAX_FINGERS];
        unsigned fp_attempts;
        bool fp_done, fp_ok;
        eg_op_id fp_op;
        struct pl_clock fp_clock;
        sd_event_source *fp_timer;
        bool face_wanted;
        unsigned face_attempts;
        bool face_done, face_ok;
        eg_op_id face_op;
        uint64_t face_request;
        bool face_comparing;
        struct pl_clock face_clock;
        sd_event_source *face_timer;

        /* Decision. */
        enum eg_decision decision;
        bool decided; /* decision taken (recorded or being recorded) */
        bool recorded; /* the audit trail has it */
        bool awaiting_operator;
        bool failed; /* a mandatory step failed: refer at the decision */
        bool alarm;
        const char *alarm_reason;
        char reasons[PL_MAX_REASONS][40];
        size_t n_reasons;
        struct eg_audit_record *record; /* built at the decision, kept until written */

        /* Audit steps and operator actions, in order. */
        struct eg_audit_step steps[EG_AUDIT_MAX_STEPS];
        size_t n_steps;
        struct eg_audit_operator_action actions[EG_AUDIT_MAX_OPERATOR_ACTIONS];
        size_t n_actions;

        /* Leaving. */
        struct pl_clock exit_clock;
        bool inside_at_decision; /* the traveller was in the mantrap when it was decided */
        bool leave_done;
        unsigned doors_shutting; /* doors closing and locking behind the traveller */
        bool exit_intrusion; /* the mantrap held more than the traveller with the exit open */
};

/*
 * An audit request in flight: a transaction's record (tx set) or the retry of
 * an unwritten one (r set, owned by p->unwritten).  The trail never answers
 * once the manager is freed, so eg_pipelines_free() drops what is left here.
 */
struct pl_audit_call {
        struct eg_pipeline *p;
        struct eg_transaction *tx;
        struct eg_audit_record *r;
        EG_LIST_FIELDS(struct pl_audit_call, audit_calls);
};

/*
 * A background check in flight.  It may outlive its transaction: a hit that
 * answers after the traveller left still raises the silent alarm, so
 * pl_tx_finish() leaves it running (its deadline too).  The background
 * backend never answers once the manager is freed, so eg_pipelines_free()
 * drops what is left here.
 */
struct pl_background_call {
        struct eg_pipeline *p;
        struct eg_transaction *tx;
        EG_LIST_FIELDS(struct pl_background_call, background_calls);
};

struct eg_pipeline {
        struct eg_manager *manager;
        struct pl_audit_call *audit_calls;
        struct pl_background_call *background_calls;
        char *lane_name;
        struct eg_lane *lane; /* NULL once the lane is gone (retired) */
        unsigned n_refs;
        bool retired;

        enum eg_pipeline_state state;
        struct eg_transaction *tx;
        struct eg_pipeline_counters counters;

        /* The next transaction waits for this document to be taken off the reader. */
        bool need_document_removal;
        bool audit_blocked; /* a record could not be written: closed until writable */
        struct eg_audit_record **unwritten; /* records to write once the trail is back */
        size_t n_unwritten;
        bool retrying; /* one of them is being written */
        unsigned n_securing; /* doors being closed and locked outside a transaction */
        bool emergency_doors_open;

        sd_event_source *kick; /* re-evaluate from the loop (start a transaction, ...) */
        sd_event_source *probe_timer; /* faulted doors, sensors, indicators */
        enum pl_message last_message;
        int last_colour;

        EG_LIST_FIELDS(struct eg_pipeline, pipelines);
};

/* ---- pipeline.c ---- */
struct eg_pipeline *pl_ref(struct eg_pipeline *p);
void pl_unref(struct eg_pipeline *p);
/* Re-evaluate the lane's state from the loop (never from inside a callback chain). */
void pl_kick(struct eg_pipeline *p);
void pl_set_state(struct eg_pipeline *p, enum eg_pipeline_state s);
void pl_emit(struct eg_pipeline *p, const struct eg_transaction_event *e);
void pl_notify_changed(struct eg_pipeline *p);
bool pl_is_current(const struct eg_pipeline *p, const struct eg_transaction *tx);
/* Light and message on every indicator of the lane. */
void pl_indicate(struct eg_pipeline *p, enum eg_indicator_colour colour,
                 enum eg_indicator_pattern pattern, enum pl_message message);
/* The mantrap / approach count: the highest any presence sensor of the lane reports. */
int64_t pl_zone_count(struct eg_pipeline *p, const char *zone);
/* Nobody in the mantrap, as a presence sensor that serves counts it.  A lane whose sensors
 * are gone or faulted counts 0 whoever is inside: that is not empty. */
bool pl_mantrap_seen_empty(struct eg_pipeline *p);
bool pl_document_present(struct eg_pipeline *p);
struct eg_device *pl_role_device(struct eg_pipeline *p, struct eg_transaction *tx,
                                 enum eg_lane_role role);
void pl_start_transaction(struct eg_pipeline *p);
/* Back to idle (or closed, out of service): doors secured, indicator set. */
void pl_return_to_rest(struct eg_pipeline *p);

/* Operations with pipeline and transaction references (tx may be NULL). */
typedef void (*pl_op_fn)(struct eg_pipeline *p, struct eg_transaction *tx, struct eg_op_outcome *o);
int pl_op_start(struct eg_pipeline *p, struct eg_transaction *tx, const char *device_id,
                const struct eg_op_args *args, uint32_t timeout_ms, pl_op_fn fn, eg_op_id *ret_id);

/* One-shot timers owned by the transaction. */
typedef void (*pl_timer_fn)(struct eg_pipeline *p, struct eg_transaction *tx);
int pl_timer_arm(struct eg_transaction *tx, sd_event_source **slot, uint64_t msec, pl_timer_fn fn);
void pl_timer_disarm(sd_event_source **slot);

/* ---- transaction.c ---- */
int pl_tx_new(struct eg_pipeline *p, struct eg_transaction **ret);
/* Move on to `phase`; the lane's State follows. */
void pl_tx_set_phase(struct eg_pipeline *p, struct eg_transaction *tx, enum pl_phase phase);
struct eg_transaction *pl_tx_ref(struct eg_transaction *tx);
void pl_tx_unref(struct eg_transaction *tx);
void pl_clock_now(struct pl_clock *c);
uint64_t pl_now_monotonic(void);
uint64_t pl_now_realtime(void);
/* Record a finished step (audit + StepFinished).  score < 0: none. */
struct pl_step_info {
        const char *step;
        enum eg_check_result result;
        const char *reason; /* NULL when successful */
        const char *detail; /* for the log; never personal data */
        const struct pl_clock *clock;
        unsigned attempt;
        const char *device;
        uint32_t timeout_ms;
        bool has_score;
        double score, threshold;
};
void pl_tx_step(struct eg_transaction *tx, const struct pl_step_info *s);
/* Shorthand: result, reason and detail with the device and timeout left out. */
void pl_tx_step_simple(struct eg_transaction *tx, const char *step, const struct pl_clock *clock,
                       enum eg_check_result result, const char *reason, const char *detail);
void pl_tx_add_reason(struct eg_transaction *tx, const char *reason);
bool pl_tx_has_reason(const struct eg_transaction *tx, const char *reason);
void pl_tx_add_action(struct eg_transaction *tx, const char *action, const char *operator,
                      const char * reason);
/* Cancel every request of the transaction still in flight (their answers come back, ignored). */
void pl_tx_cancel_all(struct eg_transaction *tx);
/* Wipe biometric and document data now (the end of the transaction). */
void pl_tx_discard_personal_data(struct eg_transaction *tx);
/* The lane is clear: counters, signals done, back to rest. */
void pl_tx_finish(struct eg_pipeline *p, struct eg_transaction *tx);

/* ---- steps-document.c ---- */
void pl_document_start(struct eg_pipeline *p, struct eg_transaction *tx);
void pl_document_removed(struct eg_pipeline *p, struct eg_transaction *tx);

/* ---- steps-chip.c ---- */
void pl_chip_start(struct eg_pipeline *p, struct eg_transaction *tx);
/*
 * The chip's result against the policy and the printed MRZ (pure; tests).
 * Fills up to 5 steps into `steps` (access, read, passive-authentication,
 * chip-authenticity, mrz-chip-match, each only when reached) and returns
 * true when the chip lets the traveller go on.  *ret_reason: the reason for
 * refusing, NULL when none.
 */
struct pl_chip_step {
        const char *step;
        enum eg_check_result result;
        const char *reason;
        const char *detail;
};
bool pl_chip_evaluate(const struct eg_chip_read_result *r, const struct eg_mrz *printed,
                      const struct eg_policy *policy, struct pl_chip_step steps[static 5],
                      size_t *ret_n, const char **ret_reason);

/* ---- steps-optical.c: document model and optical security (step 4) ---- */
void pl_optical_start(struct eg_pipeline *p, struct eg_transaction *tx);
/*
 * True once optical-security is recorded and lets the traveller on; judges it
 * when the reader and the chip have both answered (the chip's authenticity
 * weighs it).  False while waiting, or when it referred.
 */
bool pl_optical_settled(struct eg_pipeline *p, struct eg_transaction *tx);
/* The two steps' rules (pure; tests).  True when the traveller may go on. */
bool pl_document_model_evaluate(const struct pl_inspection *in, const struct eg_policy *policy,
                                struct pl_verdict *ret);
bool pl_optical_evaluate(const struct pl_inspection *in, bool chip_authentic,
                         const struct eg_policy *policy, struct pl_verdict *ret);

/* ---- steps-checks.c: registry, eligibility, background ---- */
void pl_checks_start(struct eg_pipeline *p, struct eg_transaction *tx);
void pl_checks_progress(struct eg_pipeline *p, struct eg_transaction *tx);
void pl_background_start(struct eg_pipeline *p, struct eg_transaction *tx);

/* ---- steps-mantrap.c ---- */
void pl_mantrap_open_entry(struct eg_pipeline *p, struct eg_transaction *tx);
void pl_mantrap_occupancy(struct eg_pipeline *p, struct eg_transaction *tx);

/* ---- steps-biometric.c ---- */
void pl_biometric_start(struct eg_pipeline *p, struct eg_transaction *tx);

/* ---- decision.c ---- */
/* A mandatory step failed: refer with `reason` (and stop what is still running). */
void pl_refer(struct eg_pipeline *p, struct eg_transaction *tx, const char *reason);
/* A silent alarm: Lane.Alarm now, decision "alarm". */
void pl_alarm(struct eg_pipeline *p, struct eg_transaction *tx, const char *reason,
              const char *kind, const char *detail);
/* Every check has answered: decide (waits for the background check or the operator). */
void pl_decide(struct eg_pipeline *p, struct eg_transaction *tx);
/* What an accept of tx would lack ("the fingerprint match", ...), or NULL: every check it
 * rests on has its positive result (decision.c). */
const char *pl_accept_missing_evidence(const struct eg_transaction *tx);
/* The operator answered a decision that waited for them. */
void pl_decision_confirmed(struct eg_pipeline *p, struct eg_transaction *tx, bool accept);
void pl_record_retry(struct eg_pipeline *p);

/* ---- steps-exit.c ---- */
void pl_exit_start(struct eg_pipeline *p, struct eg_transaction *tx);
void pl_referral_start(struct eg_pipeline *p, struct eg_transaction *tx);
void pl_leave_occupancy(struct eg_pipeline *p, struct eg_transaction *tx);

/* ---- doors.c ---- */
typedef void (*pl_door_fn)(struct eg_pipeline *p, struct eg_transaction *tx, int status,
                           const char *message);
/* Open; or close if needed, then lock if needed.  fn may be NULL. */
int pl_door_open(struct eg_pipeline *p, struct eg_transaction *tx, const char *device_id,
                 pl_door_fn fn);
int pl_door_secure(struct eg_pipeline *p, struct eg_transaction *tx, const char *device_id,
                   pl_door_fn fn);
bool pl_door_is_secured(struct eg_pipeline *p, const char *device_id);

/* ---- record.c ---- */
int pl_record_build(struct eg_pipeline *p, struct eg_transaction *tx, struct eg_audit_record **ret);

/* ---- lane-events.c: the audit trail's lane events (tx may be NULL) ---- */
/* An operator's action that no transaction's record takes. */
void pl_event_operator(struct eg_pipeline *p, const struct eg_transaction *tx, const char *action,
                       const char *operator, const char * reason);
/* An alarm that did not decide the transaction (after the decision, or between travellers). */
void pl_event_alarm(struct eg_pipeline *p, const struct eg_transaction *tx, const char *kind,
                    const char *reason, const char *detail);
void pl_event_emergency(struct eg_pipeline *p, const struct eg_transaction *tx,
                        const char *device_id);

/* ---- operator.c ---- */
/* Every door open, mode emergency, a running transaction referred (E_EMERGENCY).  The lane
 * leaves it when an operator sets another mode (pl_return_to_rest secures the doors). */
void pl_emergency_begin(struct eg_pipeline *p, const char *device_id);
