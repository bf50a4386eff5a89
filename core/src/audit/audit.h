/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audit trail: one durable record per transaction, written before the
 * exit door opens (BSI TR-03121-3 §4.11, TR-03135-1 §6).  Records hold ids,
 * each step's timing, result and reason, every comparison's score and
 * threshold, device ids, plugin and software versions and operator actions.
 * Personal data never in clear: the document number only as a keyed hash
 * (HMAC-SHA256 with a key kept 0600 in the state directory), no names, no
 * images, no templates.
 *
 * Writes go to SQLite (WAL, synchronous=FULL) on a worker thread; done()
 * reports success only after the record is on disk.  When a write fails
 * (disk full, I/O error) the trail is "not writable": the pipeline refers
 * the traveller and closes the lane; the trail probes periodically and tells
 * its listener when it is writable again.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "macro.h"

#define EG_AUDIT_ID_MAX 40
#define EG_AUDIT_MAX_STEPS 48
#define EG_AUDIT_MAX_REASONS 16
#define EG_AUDIT_MAX_OPERATOR_ACTIONS 16
#define EG_AUDIT_MAX_DEVICES 16

struct eg_audit_step {
        char step[32]; /* "document", "mrz", "chip-access", "fingerprint", ... */
        char result[16]; /* "successful", "failed", "undetermined", "not-supported", "aborted" */
        char reason[40]; /* reason code, "" when successful */
        uint64_t start_usec; /* CLOCK_REALTIME, µs */
        uint64_t end_usec;
        bool has_score;
        double score;
        double threshold;
        unsigned attempt; /* 1-based, for retried steps */
        char device[128]; /* device id that served the step, "" if none */
        uint32_t timeout_ms; /* the configured timeout, logged even if not triggered */
};

struct eg_audit_operator_action {
        uint64_t time_usec;
        char action[24]; /* "veto-accept", "veto-refer", "abort", "open-door", "mode" */
        char operator[64]; /* "uid 1000 (:1.42)" */
        char reason[256];
};

struct eg_audit_record {
        char transaction_id[EG_AUDIT_ID_MAX];
        char lane[64];
        uint64_t start_usec, end_usec;
        char decision[16]; /* "accept", "refer", "alarm" */
        char reasons[EG_AUDIT_MAX_REASONS][40];
        size_t n_reasons;
        char document_hash[65]; /* hex HMAC-SHA256 of issuing state + document number, "" if none */
        char issuing_state[4]; /* not personal on its own; kept for statistics */
        char member_id[40]; /* "" if none */
        struct eg_audit_step steps[EG_AUDIT_MAX_STEPS];
        size_t n_steps;
        struct eg_audit_operator_action actions[EG_AUDIT_MAX_OPERATOR_ACTIONS];
        size_t n_actions;
        char devices[EG_AUDIT_MAX_DEVICES][160]; /* "role=device-id plugin/version" */
        size_t n_devices;
        char software_version[32];
};

/*
 * A lane event: what the trail must hold besides the transactions' records.
 * An operator's action that no transaction's record takes (the lane was idle,
 * or the record was already written), an alarm that changed no decision (a
 * watchlist hit answered after the traveller was referred, a door forced
 * between travellers), an emergency input.  transaction_id names the
 * transaction it concerns, if any, so `egatectl audit show` can put the two
 * together.
 */
#define EG_AUDIT_EVENT_OPERATOR "operator"
#define EG_AUDIT_EVENT_ALARM "alarm"
#define EG_AUDIT_EVENT_EMERGENCY "emergency"

struct eg_audit_event {
        char lane[64];
        char transaction_id[EG_AUDIT_ID_MAX]; /* "" when it concerns no transaction */
        uint64_t time_usec; /* CLOCK_REALTIME, µs */
        char kind[16]; /* one of EG_AUDIT_EVENT_* */
        char action[24]; /* operator: "mode", "open-door", "abort", ...; alarm: its kind
                            ("watchlist-hit", "door-forced", ...); emergency: "input" */
        char reason[40]; /* a reason code (alarm), "" otherwise */
        char operator[64]; /* "uid 1000 (:1.42)" for operator events, "" otherwise */
        char detail[256]; /* the operator's reason, the alarm's detail, the input's device */
};

struct eg_audit;

/* Open (creating 0600 files) in `state_dir`.  The key is created on first use. */
int eg_audit_open(sd_event *e, const char *state_dir, struct eg_audit **ret);
struct eg_audit *eg_audit_free(struct eg_audit *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct eg_audit *, eg_audit_free)

/* Keyed hash of a document (issuing state + number) into hex[65]. */
int eg_audit_document_hash(struct eg_audit *a, const char *issuing_state,
                           const char *document_number, char hex[static 65]);

/* Write durably; done(0) after fsync, done(-errno) on failure.  From the loop, once. */
typedef void (*eg_audit_done_fn)(int status, void *userdata);
int eg_audit_write(struct eg_audit *a, const struct eg_audit_record *r, eg_audit_done_fn done,
                   void *userdata);

bool eg_audit_writable(const struct eg_audit *a);
/* Called from the loop when writability changes. */
void eg_audit_set_listener(struct eg_audit *a, void (*fn)(bool writable, void *userdata),
                           void *userdata);

/* Reading back, for org.egate.EGate1.Audit and egatectl audit (worker thread, async). */
typedef void (*eg_audit_rows_fn)(int status, char **json_records, size_t n, void *userdata);
int eg_audit_list(struct eg_audit *a, uint64_t since_usec, uint64_t until_usec, size_t limit,
                  eg_audit_rows_fn done, void *userdata);
int eg_audit_get(struct eg_audit *a, const char *transaction_id, eg_audit_rows_fn done,
                 void *userdata);

/*
 * Compatible extensions (AUDIT helper); the contract above is unchanged.
 *
 * Callbacks: every eg_audit_* call that returns 0 calls its callback exactly
 * once, from the loop, never from inside the call itself (unless cancelled,
 * or the trail is freed first).  A call that
 * returns < 0 never calls it.  eg_audit_write() returns -EINVAL for a record
 * eg_audit_record_check() refuses (a caller bug: writability is not
 * affected); done(-errno) means the store failed (disk full: -ENOSPC, I/O
 * error: -EIO, ...) and the trail is now not writable, done(-EEXIST) that the
 * transaction id is already recorded.  A failed record is never retried or
 * dropped silently: the caller owns it, refers the traveller and keeps the
 * lane closed until the listener reports the trail writable again.
 *
 * eg_audit_rows_fn: json_records (one JSON document per record, docs/audit.md)
 * belong to the trail and live until the callback returns.  list returns the
 * newest `limit` records that started in [since_usec, until_usec) (until 0: no
 * bound), oldest first; limit 0 means EG_AUDIT_LIST_DEFAULT, more than
 * EG_AUDIT_LIST_MAX is cut to it.  get returns 0 or 1 records.
 *
 * eg_audit_free() waits for queued writes to reach the disk, drops every
 * other queued request and calls no callback: callers free their own
 * contexts of requests still in flight.  Calling it from a callback is
 * allowed (it takes effect when the callback returns).
 */
#define EG_AUDIT_LIST_DEFAULT 100
#define EG_AUDIT_LIST_MAX 10000
#define EG_AUDIT_PROBE_INTERVAL_USEC (5ULL * 1000000ULL)

/*
 * Never call back userdata's pending callbacks (write, list, get, export):
 * for a caller that goes away with requests in flight (a lane removed by a
 * reload).  Cancelled writes still reach the disk and still count for
 * writability; only the callback is dropped.
 */
void eg_audit_cancel(struct eg_audit *a, void *userdata);

/* Further watchers of writability besides the one of eg_audit_set_listener() (the pipeline's):
 * the D-Bus layer emits Writable changes.  Adding a pair already there is a no-op. */
typedef void (*eg_audit_listener_fn)(bool writable, void *userdata);
int eg_audit_add_listener(struct eg_audit *a, eg_audit_listener_fn fn, void *userdata);
void eg_audit_remove_listener(struct eg_audit *a, eg_audit_listener_fn fn, void *userdata);

/*
 * Lane events.  eg_audit_write_event() checks ev (-EINVAL, as for records)
 * and queues it; it is written durably, in the order submitted.  There is no
 * callback: an event the disk refused is kept (up to
 * EG_AUDIT_MAX_PENDING_EVENTS; beyond that the oldest is dropped and logged
 * at LOG_CRIT) and written when the trail is writable again, so the caller
 * cannot lose it and need not wait for it: an operator's door command must not
 * depend on the disk.  A refusal makes the trail not writable like a failed
 * record (the lanes close).  eg_audit_free() writes queued events and tries the
 * kept ones once more; each still not written is logged and counted.
 *
 * eg_audit_list_events(): the newest `limit` events (0: EG_AUDIT_LIST_DEFAULT,
 * at most EG_AUDIT_LIST_MAX) with time in [since_usec, until_usec) (until 0: no
 * bound), oldest first, those of transaction_id only when it is not NULL or
 * "".  Rows are JSON documents (docs/audit.md, "Lane events").
 */
#define EG_AUDIT_MAX_PENDING_EVENTS 256
int eg_audit_write_event(struct eg_audit *a, const struct eg_audit_event *ev);
int eg_audit_list_events(struct eg_audit *a, uint64_t since_usec, uint64_t until_usec, size_t limit,
                         const char *transaction_id, eg_audit_rows_fn done, void *userdata);
/* The guard for events, as eg_audit_record_check() for records. */
int eg_audit_event_check(const struct eg_audit_event *ev, const char **ret_field);

/* How often a trail that is not writable tries a probe write (tests shorten it). */
void eg_audit_set_probe_interval(struct eg_audit *a, uint64_t usec);

/*
 * Write the records that started in [since_usec, until_usec) (until 0: no
 * bound) as JSON lines, in the order they were written, to fd: a pipe or a
 * regular file open for writing (-EBADF/-EINVAL otherwise; -EPIPE when
 * nobody reads the pipe).  fd is duplicated; the caller keeps its own.  A pipe is written without blocking: a reader that stops reading
 * holds neither the loop nor the writes, and after EG_AUDIT_EXPORT_STALL_USEC
 * without progress the export ends with -ETIMEDOUT; a reader that goes away
 * ends it with -EPIPE.  done gets the number of records written.
 */
#define EG_AUDIT_EXPORT_STALL_USEC (30ULL * 1000000ULL)
typedef void (*eg_audit_export_fn)(int status, uint64_t count, void *userdata);
int eg_audit_export(struct eg_audit *a, int fd, uint64_t since_usec, uint64_t until_usec,
                    eg_audit_export_fn done, void *userdata);
/* The same for the lane events with a time in [since_usec, until_usec): each line is an event's
 * JSON (docs/audit.md, "Lane events"), in the order written; done gets the number of events.
 * Records and events never share an export, so a consumer of either reads one kind of line. */
int eg_audit_export_events(struct eg_audit *a, int fd, uint64_t since_usec, uint64_t until_usec,
                           eg_audit_export_fn done, void *userdata);
/* The stall timeout (tests shorten it). */
void eg_audit_set_export_stall(struct eg_audit *a, uint64_t usec);

/*
 * The guard against personal data in a record (docs/audit.md lists the
 * rules): ids and codes from conservative character sets, fixed vocabularies
 * for decision and result, hex for the hash.  Returns 0, or -EINVAL and the
 * name of the first offending field in *ret_field (never its content).
 */
int eg_audit_record_check(const struct eg_audit_record *r, const char **ret_field);
/* Operator-typed text (an action's reason): printable UTF-8 with nothing that looks like an MRZ,
 * a document number or a date of birth.  For the D-Bus layer, to refuse such a reason at the
 * call rather than lose the transaction's record to eg_audit_write()'s check later. */
bool eg_audit_text_is_clean(const char *s);
