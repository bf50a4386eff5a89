/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside the audit trail: requests ("jobs") travel from the loop to one
 * worker thread, which does all SQLite work and every write to an export's
 * file descriptor, and back to the loop through an eventfd (the pattern of
 * post-queue.c).  The loop never waits for the disk.
 */
#pragma once

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <systemd/sd-event.h>

#include "audit/audit-key.h"
#include "audit/audit-store.h"
#include "audit/audit.h"
#include "list.h"

enum eg_audit_job_kind {
        EG_AUDIT_JOB_WRITE,
        EG_AUDIT_JOB_PROBE,
        EG_AUDIT_JOB_LIST,
        EG_AUDIT_JOB_GET,
        EG_AUDIT_JOB_EXPORT,
        EG_AUDIT_JOB_EVENT,
        EG_AUDIT_JOB_LIST_EVENTS,
};

struct eg_audit_export_state;

struct eg_audit_job {
        enum eg_audit_job_kind kind;
        /* In. */
        struct eg_audit_columns columns; /* WRITE; GET, LIST_EVENTS: transaction_id */
        struct eg_audit_event event; /* EVENT */
        char *json; /* WRITE, EVENT */
        uint64_t since_usec, until_usec; /* LIST, LIST_EVENTS, EXPORT */
        size_t limit; /* LIST, LIST_EVENTS */
        int fd; /* EXPORT: ours (a duplicate), non-blocking if a pipe */
        enum eg_audit_store_table table; /* EXPORT: records or lane events */
        /* Out. */
        int status;
        char **rows; /* LIST, GET */
        size_t n_rows;
        uint64_t count; /* EXPORT: rows written */
        struct eg_audit_export_state *export; /* worker only */
        /* Back to the caller, from the loop. */
        eg_audit_done_fn done;
        eg_audit_rows_fn rows_done;
        eg_audit_export_fn export_done;
        void *userdata;
        EG_LIST_FIELDS(struct eg_audit_job, jobs);
        bool spooled; /* EVENT: in the spool (worker thread; the loop reads it after the join) */
        /* Loop thread only: every job between submission and dispatch, for eg_audit_cancel(). */
        bool cancelled;
        EG_LIST_FIELDS(struct eg_audit_job, inflight);
};

struct eg_audit_worker {
        pthread_t thread;
        bool started;
        pthread_mutex_t lock;
        pthread_cond_t opened_cond;
        bool opened; /* the thread has tried to open the database */
        int open_status; /* ... with this result */
        bool stop;
        struct eg_audit_job *queue; /* loop -> worker, under lock */
        struct eg_audit_job *finished; /* worker -> loop, under lock */
        int wake_fd; /* eventfd the worker polls */
        int done_fd; /* eventfd the loop watches */
        uint64_t export_stall_usec; /* atomic: tests change it while the worker runs */
        bool sync_ready; /* lock and opened_cond initialised */
        char *db_path;
        char *spool_path; /* records the trail could not take (audit-spool.h) */
        char key_check[65]; /* eg_audit_key_check() of the trail's key */
        /* Worker thread only. */
        sqlite3 *db;
        char **spooled; /* transaction ids put in the spool since the trail opened */
        struct eg_audit_store_writer writer;
        struct eg_audit_job *exports; /* in progress */
};

#define EG_AUDIT_MAX_LISTENERS 4

struct eg_audit {
        sd_event *event;
        char *state_dir;
        uint8_t key[EG_AUDIT_KEY_SIZE];
        struct eg_audit_worker worker;
        struct eg_audit_job *inflight; /* submitted, not yet dispatched */
        struct eg_audit_job *pending_events; /* refused by the disk, oldest first: written again
                                                when the trail is writable */
        size_t n_pending_events;
        sd_event_source *done_source;
        sd_event_source *probe_timer;
        uint64_t probe_interval_usec;
        bool probing; /* a probe is queued or running */
        bool writable;
        bool damaged; /* a write found the database corrupt: not writable until a restart */
        struct {
                eg_audit_listener_fn fn;
                void *userdata;
        } listeners[EG_AUDIT_MAX_LISTENERS]; /* [0]: eg_audit_set_listener()'s */
        unsigned dispatching;
        bool free_requested;
};

/* audit-worker.c */
int eg_audit_worker_start(struct eg_audit_worker *w, const char *db_path, const char *key_check);
/* Runs the queued writes and lane events, drops the rest, joins the thread.  Returns the
 * finished jobs the loop has not taken (the caller owns them): a lane event among them may have
 * failed, and must not go unsaid. */
struct eg_audit_job *eg_audit_worker_stop(struct eg_audit_worker *w);
void eg_audit_worker_submit(struct eg_audit_worker *w, struct eg_audit_job *j);
/* The finished jobs, oldest first; the caller owns them. */
struct eg_audit_job *eg_audit_worker_take_finished(struct eg_audit_worker *w);
void eg_audit_job_free(struct eg_audit_job *j);

/* audit-export.c (worker thread) */
/* Start an export: 1 when finished at once (status set), 0 when it waits for its fd. */
int eg_audit_export_begin(struct eg_audit_worker *w, struct eg_audit_job *j, uint64_t now_usec);
/* Write what the fd takes, fetch more rows as needed: 1 when finished, 0 when waiting. */
int eg_audit_export_pump(struct eg_audit_worker *w, struct eg_audit_job *j, uint64_t now_usec);
/* When the export gives up unless the fd takes something (CLOCK_MONOTONIC µs). */
uint64_t eg_audit_export_deadline(const struct eg_audit_worker *w, const struct eg_audit_job *j);
void eg_audit_export_state_free(struct eg_audit_export_state *s);
