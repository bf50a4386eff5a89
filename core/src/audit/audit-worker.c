/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audit trail's worker thread: the only thread that touches SQLite.  It
 * waits in poll() on its wake-up eventfd and on the file descriptors of
 * exports in progress, runs queued jobs in order (writes are never held up
 * by an export: an export writes only what its fd takes without blocking,
 * a bounded amount at a time), and posts each finished job to the loop.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>

#include "audit/audit-internal.h"
#include "audit/audit-spool.h"
#include "log.h"

#define MAX_EXPORTS 16
/* Records committed together at most: bounds the arrays below, and how long the first of a
 * group waits for the last to be inserted (a few hundred µs). */
#define MAX_GROUP 32

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;

        (void) clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

void eg_audit_job_free(struct eg_audit_job *j) {
        if (!j)
                return;
        free(j->json);
        strv_free(j->rows);
        closep(&j->fd);
        eg_audit_export_state_free(j->export);
        free(j);
}

static void wake(int fd) {
        static const uint64_t one = 1;

        /* Only a saturated counter fails, and then the reader is due to wake anyway. */
        if (write(fd, &one, sizeof(one)) < 0) {
        }
}

static void post_finished(struct eg_audit_worker *w, struct eg_audit_job *j) {
        pthread_mutex_lock(&w->lock);
        EG_LIST_APPEND(jobs, w->finished, j);
        wake(w->done_fd);
        pthread_mutex_unlock(&w->lock);
}

static void spool_record(struct eg_audit_worker *w, const struct eg_audit_job *j) {
        const struct eg_audit_columns *c = &j->columns;
        struct eg_audit_spool_entry e = { .record = *c, .json = j->json };
        int r;

        /* The lane writes a refused record again each time the trail may take it; one line
         * is enough, and a second would eat the room kept for other lanes' records. */
        if (strv_contains(w->spooled, c->transaction_id))
                return;
        r = eg_audit_spool_append(w->spool_path, &e);
        if (r >= 0 && strv_extend(&w->spooled, c->transaction_id) < 0)
                log_oom(); /* only a retry's line more */
        if (r < 0)
                log_error_errno(r,
                                "audit trail: record %s cannot be kept in the spool either: "
                                "%m; it lives in memory only until the trail takes it",
                                c->transaction_id);
        else
                log_warning("audit trail: record %s kept in the spool until the trail takes it",
                            c->transaction_id);
}

/* A refused lane event, once: the loop keeps the job and submits it again. */
static void spool_event(struct eg_audit_worker *w, struct eg_audit_job *j) {
        struct eg_audit_spool_entry e = { .is_event = true, .event = j->event, .json = j->json };
        int r;

        if (j->spooled)
                return;
        r = eg_audit_spool_append(w->spool_path, &e);
        if (r < 0) {
                log_error_errno(r,
                                "audit trail: lane event (%s %s on lane %s) cannot be kept in "
                                "the spool either: %m",
                                j->event.kind, j->event.action, j->event.lane);
                return;
        }
        j->spooled = true;
}

static void run_job(struct eg_audit_worker *w, struct eg_audit_job *j) {
        switch (j->kind) {
        case EG_AUDIT_JOB_WRITE:
                break; /* in groups: write_group() */
        case EG_AUDIT_JOB_EVENT:
                j->status = eg_audit_store_insert_event(w->db, &w->writer, &j->event, j->json,
                                                        now_usec(CLOCK_REALTIME));
                if (j->status < 0 && j->status != -EINVAL)
                        spool_event(w, j);
                break;
        case EG_AUDIT_JOB_LIST_EVENTS:
                j->status =
                        eg_audit_store_list_events(w->db, j->since_usec, j->until_usec, j->limit,
                                                   j->columns.transaction_id, &j->rows, &j->n_rows);
                break;
        case EG_AUDIT_JOB_PROBE:
                j->status = eg_audit_store_heartbeat(w->db, now_usec(CLOCK_REALTIME));
                break;
        case EG_AUDIT_JOB_LIST:
                j->status = eg_audit_store_list(w->db, j->since_usec, j->until_usec, j->limit,
                                                &j->rows, &j->n_rows);
                break;
        case EG_AUDIT_JOB_GET:
                j->status =
                        eg_audit_store_get(w->db, j->columns.transaction_id, &j->rows, &j->n_rows);
                break;
        case EG_AUDIT_JOB_EXPORT:
                break; /* started by the caller of run_job's loop */
        }
}

/*
 * Take the run of writes at the head of *batch (at most MAX_GROUP) and commit
 * them together: what queued while the last sync ran shares the next one.
 * Each write is posted back only after the commit, with its own status.
 */
static void write_group(struct eg_audit_worker *w, struct eg_audit_job **batch) {
        struct eg_audit_job *group[MAX_GROUP];
        const struct eg_audit_columns *columns[MAX_GROUP];
        const char *json[MAX_GROUP];
        int status[MAX_GROUP];
        size_t n = 0;

        while (*batch && (*batch)->kind == EG_AUDIT_JOB_WRITE && n < MAX_GROUP) {
                struct eg_audit_job *j = *batch;

                EG_LIST_REMOVE(jobs, *batch, j);
                group[n] = j;
                columns[n] = &j->columns;
                json[n] = j->json;
                n++;
        }
        (void) eg_audit_store_insert_group(w->db, &w->writer, n, columns, json,
                                           now_usec(CLOCK_REALTIME), status);
        for (size_t i = 0; i < n; i++) {
                group[i]->status = status[i];
                /* The trail could not take it: on disk beside it until it can (audit-spool.h).
                 * A duplicate or a refused record is the caller's bug, not the disk's. */
                if (status[i] < 0 && status[i] != -EEXIST && status[i] != -EINVAL)
                        spool_record(w, group[i]);
                post_finished(w, group[i]);
        }
}

static void start_or_run(struct eg_audit_worker *w, struct eg_audit_job *j, size_t *n_exports) {
        if (j->kind != EG_AUDIT_JOB_EXPORT) {
                run_job(w, j);
                post_finished(w, j);
                return;
        }
        if (*n_exports >= MAX_EXPORTS) {
                j->status = -EBUSY;
                post_finished(w, j);
                return;
        }
        if (eg_audit_export_begin(w, j, now_usec(CLOCK_MONOTONIC)) > 0) {
                post_finished(w, j);
                return;
        }
        EG_LIST_APPEND(jobs, w->exports, j);
        (*n_exports)++;
}

/* Write what each export's fd takes; post the exports that are done. */
static void pump_exports(struct eg_audit_worker *w, size_t *n_exports) {
        struct eg_audit_job *j, *next;

        EG_LIST_FOREACH_SAFE (jobs, j, next, w->exports)
                if (eg_audit_export_pump(w, j, now_usec(CLOCK_MONOTONIC)) > 0) {
                        EG_LIST_REMOVE(jobs, w->exports, j);
                        (*n_exports)--;
                        post_finished(w, j);
                }
}

static int poll_timeout_ms(struct eg_audit_worker *w) {
        uint64_t now = now_usec(CLOCK_MONOTONIC), first = UINT64_MAX;
        struct eg_audit_job *j;

        EG_LIST_FOREACH (jobs, j, w->exports) {
                uint64_t d = eg_audit_export_deadline(w, j);
                if (d < first)
                        first = d;
        }
        if (first == UINT64_MAX)
                return -1;
        if (first <= now)
                return 0;
        return (first - now) / 1000u + 1 > INT_MAX ? INT_MAX : (int) ((first - now) / 1000u + 1);
}

static void wait_for_work(struct eg_audit_worker *w) {
        struct pollfd fds[1 + MAX_EXPORTS];
        struct eg_audit_job *j;
        nfds_t n = 0;
        uint64_t counter;

        fds[n++] = (struct pollfd){ .fd = w->wake_fd, .events = POLLIN };
        EG_LIST_FOREACH (jobs, j, w->exports)
                if (n < ELEMENTSOF(fds))
                        fds[n++] = (struct pollfd){ .fd = j->fd, .events = POLLOUT };
        if (poll(fds, n, poll_timeout_ms(w)) < 0 && errno != EINTR)
                log_warning_errno(errno, "audit trail: poll failed: %m");
        if (fds[0].revents & POLLIN)
                (void) read(w->wake_fd, &counter, sizeof(counter));
}

static void *worker_main(void *userdata) {
        struct eg_audit_worker *w = userdata;
        size_t n_exports = 0;
        int r;

        r = eg_audit_store_open(w->db_path, &w->db);
        if (r >= 0) {
                r = eg_audit_store_check_key(w->db, w->db_path, w->key_check);
                if (r < 0) {
                        sqlite3_close(w->db);
                        w->db = NULL;
                }
        }
        pthread_mutex_lock(&w->lock);
        w->opened = true;
        w->open_status = r;
        pthread_cond_signal(&w->opened_cond);
        pthread_mutex_unlock(&w->lock);
        if (r < 0)
                return NULL;
        /* What an earlier run could not write, first (the loop is not waiting for it). */
        (void) eg_audit_spool_import(w->db, &w->writer, w->spool_path, now_usec(CLOCK_REALTIME));
        r = eg_audit_spool_reserve(w->spool_path);
        if (r < 0)
                log_warning_errno(r,
                                  "audit trail: cannot keep room in %s for records a full disk "
                                  "refuses: %m; such a record would live in memory only",
                                  w->spool_path);

        for (;;) {
                struct eg_audit_job *batch, *j;
                bool stop;

                pthread_mutex_lock(&w->lock);
                batch = TAKE_PTR(w->queue);
                stop = w->stop;
                pthread_mutex_unlock(&w->lock);

                while ((j = batch)) {
                        if (j->kind == EG_AUDIT_JOB_WRITE) {
                                write_group(w, &batch);
                                continue;
                        }
                        EG_LIST_REMOVE(jobs, batch, j);
                        /* Stopping: what was promised durable still is; the rest is dropped. */
                        if (stop && j->kind != EG_AUDIT_JOB_EVENT) {
                                eg_audit_job_free(j);
                                continue;
                        }
                        start_or_run(w, j, &n_exports);
                }
                if (stop)
                        break;
                pump_exports(w, &n_exports);
                wait_for_work(w);
        }

        while (w->exports) {
                struct eg_audit_job *j = w->exports;

                EG_LIST_REMOVE(jobs, w->exports, j);
                eg_audit_job_free(j);
        }
        eg_audit_store_writer_clear(&w->writer);
        strv_free(w->spooled);
        w->spooled = NULL;
        sqlite3_close(w->db);
        w->db = NULL;
        return NULL;
}

int eg_audit_worker_start(struct eg_audit_worker *w, const char *db_path, const char *key_check) {
        sigset_t all, saved;
        int r;

        if (strlen(key_check) >= sizeof(w->key_check))
                return -EINVAL;
        strcpy(w->key_check, key_check);

        w->wake_fd = w->done_fd = -1;
        if (w->export_stall_usec == 0)
                w->export_stall_usec = EG_AUDIT_EXPORT_STALL_USEC;
        w->db_path = strdup(db_path);
        if (!w->db_path || asprintf(&w->spool_path, "%s%s", db_path, EG_AUDIT_SPOOL_SUFFIX) < 0) {
                w->spool_path = NULL;
                return -ENOMEM;
        }
        r = pthread_mutex_init(&w->lock, NULL);
        if (r != 0)
                return -r;
        r = pthread_cond_init(&w->opened_cond, NULL);
        if (r != 0) {
                pthread_mutex_destroy(&w->lock);
                return -r;
        }
        w->sync_ready = true;
        w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        w->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->wake_fd < 0 || w->done_fd < 0)
                return -errno;

        /* Signals are the loop thread's business (signalfd); the worker takes none, and a
         * write to a pipe whose reader left leaves a SIGPIPE pending here, never delivered. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &saved);
        r = pthread_create(&w->thread, NULL, worker_main, w);
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        if (r != 0)
                return -r;
        w->started = true;

        pthread_mutex_lock(&w->lock);
        while (!w->opened)
                pthread_cond_wait(&w->opened_cond, &w->lock);
        r = w->open_status;
        pthread_mutex_unlock(&w->lock);
        if (r < 0) {
                pthread_join(w->thread, NULL);
                w->started = false;
        }
        return r;
}

struct eg_audit_job *eg_audit_worker_stop(struct eg_audit_worker *w) {
        struct eg_audit_job *finished;

        if (w->started) {
                pthread_mutex_lock(&w->lock);
                w->stop = true;
                wake(w->wake_fd);
                pthread_mutex_unlock(&w->lock);
                pthread_join(w->thread, NULL);
                w->started = false;
        }
        /* After the join nothing else runs: no locking needed. */
        while (w->queue) {
                struct eg_audit_job *j = w->queue;

                EG_LIST_REMOVE(jobs, w->queue, j);
                eg_audit_job_free(j);
        }
        finished = TAKE_PTR(w->finished);
        closep(&w->wake_fd);
        closep(&w->done_fd);
        w->wake_fd = w->done_fd = -1;
        free(w->db_path);
        w->db_path = NULL;
        free(w->spool_path);
        w->spool_path = NULL;
        if (w->sync_ready) {
                pthread_cond_destroy(&w->opened_cond);
                pthread_mutex_destroy(&w->lock);
                w->sync_ready = false;
        }
        return finished;
}

void eg_audit_worker_submit(struct eg_audit_worker *w, struct eg_audit_job *j) {
        pthread_mutex_lock(&w->lock);
        EG_LIST_APPEND(jobs, w->queue, j);
        wake(w->wake_fd);
        pthread_mutex_unlock(&w->lock);
}

struct eg_audit_job *eg_audit_worker_take_finished(struct eg_audit_worker *w) {
        struct eg_audit_job *batch;
        uint64_t counter;

        /* Reset the eventfd first: a job finishing during the drain re-arms it. */
        (void) read(w->done_fd, &counter, sizeof(counter));
        pthread_mutex_lock(&w->lock);
        batch = TAKE_PTR(w->finished);
        pthread_mutex_unlock(&w->lock);
        return batch;
}
