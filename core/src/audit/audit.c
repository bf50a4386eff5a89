/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audit trail's loop side: checks and serialises records, hands jobs to
 * the worker (audit-worker.c), delivers their results, and tracks whether
 * the trail is writable, probing with a small write every few seconds while
 * it is not.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/audit-internal.h"
#include "audit/audit-record.h"
#include "log.h"

/* --- writability --- */

static void notify_listeners(struct eg_audit *a) {
        /* A listener may add or remove listeners: call a snapshot. */
        typeof(a->listeners) snapshot;

        memcpy(snapshot, a->listeners, sizeof(snapshot));
        for (size_t i = 0; i < ELEMENTSOF(snapshot) && !a->free_requested; i++)
                if (snapshot[i].fn)
                        snapshot[i].fn(a->writable, snapshot[i].userdata);
}

static int arm_probe(struct eg_audit *a) {
        int r;

        r = sd_event_source_set_time_relative(a->probe_timer, a->probe_interval_usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(a->probe_timer, SD_EVENT_ONESHOT);
        if (r < 0)
                log_error_errno(r, "audit trail: cannot arm the writability probe: %m");
        return r;
}

static void resubmit_pending_events(struct eg_audit *a);

static void set_writable(struct eg_audit *a, bool writable) {
        /* A damaged database does not heal: a probe or a lane event that happens to touch only
         * sound pages proves nothing for the next record. */
        if (writable && a->damaged)
                return;
        if (a->writable == writable)
                return;
        a->writable = writable;
        if (writable) {
                (void) sd_event_source_set_enabled(a->probe_timer, SD_EVENT_OFF);
                log_notice("audit trail: writable again");
                resubmit_pending_events(a);
        } else {
                if (a->damaged)
                        log_error("audit trail: not writable; lanes stay closed until the "
                                  "database is repaired and egated restarted");
                else {
                        log_error("audit trail: not writable; lanes stay closed until a probe "
                                  "write succeeds (every %llu ms)",
                                  (unsigned long long) (a->probe_interval_usec / 1000));
                        (void) arm_probe(a);
                }
        }
        notify_listeners(a);
}

static struct eg_audit_job *job_new(enum eg_audit_job_kind kind) {
        struct eg_audit_job *j = calloc(1, sizeof(*j));

        if (j) {
                j->kind = kind;
                j->fd = -1;
        }
        return j;
}

/* Every job goes to the worker through here, so eg_audit_cancel() can find it. */
static void submit(struct eg_audit *a, struct eg_audit_job *j) {
        EG_LIST_PREPEND(inflight, a->inflight, j);
        eg_audit_worker_submit(&a->worker, j);
}

/* --- lane events the disk refused --- */

/* Keep j (a refused event) to write it again; the oldest goes when there are too many. */
static void keep_pending_event(struct eg_audit *a, struct eg_audit_job *j) {
        if (a->n_pending_events >= EG_AUDIT_MAX_PENDING_EVENTS) {
                struct eg_audit_job *oldest = a->pending_events;

                log_full_errno(
                        oldest->spooled ? LOG_ERR : LOG_CRIT, 0,
                        "audit trail: %u lane events wait for the disk; the oldest (%s %s on "
                        "lane %s) %s",
                        EG_AUDIT_MAX_PENDING_EVENTS, oldest->event.kind, oldest->event.action,
                        oldest->event.lane,
                        oldest->spooled ? "waits in the spool only" : "is lost");
                EG_LIST_REMOVE(jobs, a->pending_events, oldest);
                a->n_pending_events--;
                eg_audit_job_free(oldest);
        }
        j->status = 0;
        EG_LIST_APPEND(jobs, a->pending_events, j);
        a->n_pending_events++;
}

static void resubmit_pending_events(struct eg_audit *a) {
        struct eg_audit_job *j;

        if (a->n_pending_events > 0)
                log_notice("audit trail: writing %zu lane events that waited for the disk",
                           a->n_pending_events);
        while ((j = a->pending_events)) {
                EG_LIST_REMOVE(jobs, a->pending_events, j);
                a->n_pending_events--;
                submit(a, j);
        }
}

static int on_probe(sd_event_source *s, uint64_t usec, void *userdata) {
        struct eg_audit *a = userdata;
        struct eg_audit_job *j;

        if (a->writable || a->probing || a->damaged)
                return 0;
        j = job_new(EG_AUDIT_JOB_PROBE);
        if (!j) {
                (void) arm_probe(a);
                return 0;
        }
        a->probing = true;
        submit(a, j);
        return 0;
}

/* --- results back on the loop --- */

static bool status_breaks_writability(int status) {
        /* A duplicate id or a refused record is the caller's mistake, not the disk's. */
        return status < 0 && status != -EEXIST && status != -EINVAL;
}

/*
 * SQLite found the database corrupt (-EBADMSG) while writing.  The probe
 * rewrites one row on pages of its own and may well succeed, which would
 * reopen the lanes for the next record to fail again, traveller after
 * traveller: the trail stays not writable until egated restarts on a
 * repaired database.
 */
static void note_damage(struct eg_audit *a, int status) {
        if (status != -EBADMSG || a->damaged)
                return;
        a->damaged = true;
        (void) sd_event_source_set_enabled(a->probe_timer, SD_EVENT_OFF);
        log_full_errno(LOG_CRIT, status,
                       "audit trail: %s/" EG_AUDIT_DB_FILE " is damaged (%m): no more probes; "
                       "repair it (sqlite3 .recover into a new file, keeping the damaged one) "
                       "and restart egated",
                       a->state_dir);
}

/* Returns true when the trail keeps j (an event to write again), false when j can go. */
static bool dispatch(struct eg_audit *a, struct eg_audit_job *j) {
        EG_LIST_REMOVE(inflight, a->inflight, j);
        if (j->kind == EG_AUDIT_JOB_WRITE || j->kind == EG_AUDIT_JOB_EVENT ||
            j->kind == EG_AUDIT_JOB_PROBE)
                note_damage(a, j->status);
        switch (j->kind) {
        case EG_AUDIT_JOB_EVENT:
                if (j->status >= 0) {
                        set_writable(a, true);
                        return false;
                }
                log_error_errno(j->status,
                                "audit trail: lane event (%s %s on lane %s) not written yet: %m",
                                j->event.kind, j->event.action, j->event.lane);
                if (!status_breaks_writability(j->status))
                        return false;
                set_writable(a, false);
                keep_pending_event(a, j);
                return true;
        case EG_AUDIT_JOB_WRITE:
                if (j->status >= 0)
                        set_writable(a, true);
                else {
                        log_error_errno(j->status,
                                        "audit trail: the record of transaction %s was not "
                                        "written: %m",
                                        j->columns.transaction_id);
                        if (status_breaks_writability(j->status))
                                set_writable(a, false);
                }
                if (!a->free_requested && !j->cancelled)
                        j->done(j->status, j->userdata);
                break;
        case EG_AUDIT_JOB_PROBE:
                a->probing = false;
                if (j->status >= 0)
                        set_writable(a, true);
                else {
                        log_debug_errno(j->status, "audit trail: probe write failed: %m");
                        if (!a->writable)
                                (void) arm_probe(a);
                }
                break;
        case EG_AUDIT_JOB_LIST:
        case EG_AUDIT_JOB_GET:
        case EG_AUDIT_JOB_LIST_EVENTS:
                if (!j->cancelled)
                        j->rows_done(j->status, j->status >= 0 ? j->rows : NULL,
                                     j->status >= 0 ? j->n_rows : 0, j->userdata);
                break;
        case EG_AUDIT_JOB_EXPORT:
                if (!j->cancelled)
                        j->export_done(j->status, j->count, j->userdata);
                break;
        }
        return false;
}

/* A lane event still unwritten as egated stops. */
static void count_unwritten_event(const struct eg_audit_job *j, size_t *spooled, size_t *lost) {
        if (j->spooled) {
                (*spooled)++;
                return;
        }
        log_error_errno(j->status, "audit trail: lane event (%s %s on lane %s) lost: %m",
                        j->event.kind, j->event.action, j->event.lane);
        (*lost)++;
}

static void destroy(struct eg_audit *a) {
        struct eg_audit_job *finished, *j;
        size_t lost = 0, spooled = 0;

        /* Off the loop before the worker closes the eventfd the loop watches. */
        a->done_source = sd_event_source_disable_unref(a->done_source);
        a->probe_timer = sd_event_source_disable_unref(a->probe_timer);
        /* The lane events the disk refused get a last try: space may have come back since the
         * last probe, and after this nothing keeps them.  The worker writes them with the
         * queued ones before it stops. */
        if (a->worker.started)
                while ((j = a->pending_events)) {
                        EG_LIST_REMOVE(jobs, a->pending_events, j);
                        a->n_pending_events--;
                        eg_audit_worker_submit(&a->worker, j); /* nobody cancels any more */
                }
        /* Queued writes still reach the disk; nobody hears about them any more.  A lane event
         * the disk refused on this last try waits in the spool for the next start, or, when
         * the spool could not take it either, is lost: count them, as the kept ones below. */
        finished = eg_audit_worker_stop(&a->worker);
        while ((j = finished)) {
                EG_LIST_REMOVE(jobs, finished, j);
                if (j->kind == EG_AUDIT_JOB_EVENT && status_breaks_writability(j->status))
                        count_unwritten_event(j, &spooled, &lost);
                eg_audit_job_free(j);
        }
        /* Only without a worker: logged when the disk refused them. */
        while ((j = a->pending_events)) {
                EG_LIST_REMOVE(jobs, a->pending_events, j);
                if (j->spooled)
                        spooled++;
                else
                        lost++;
                eg_audit_job_free(j);
        }
        if (spooled > 0)
                log_warning("audit trail: %zu lane events the disk refused wait in the spool for "
                            "the next start",
                            spooled);
        if (lost > 0)
                log_error("audit trail: %zu lane events the disk refused are lost with this "
                          "egated (see the journal for each)",
                          lost);
        explicit_bzero(a->key, sizeof(a->key));
        sd_event_unref(a->event);
        free(a->state_dir);
        free(a);
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct eg_audit *a = userdata;
        struct eg_audit_job *batch = eg_audit_worker_take_finished(&a->worker), *j;

        a->dispatching++;
        while ((j = batch)) {
                EG_LIST_REMOVE(jobs, batch, j);
                if (!a->free_requested) {
                        if (dispatch(a, j))
                                continue; /* kept */
                } else {
                        /* Freed from a callback: the rest of the batch is not dispatched, but a
                         * lane event the disk refused still gets destroy()'s last try. */
                        EG_LIST_REMOVE(inflight, a->inflight, j);
                        if (j->kind == EG_AUDIT_JOB_EVENT && status_breaks_writability(j->status)) {
                                keep_pending_event(a, j);
                                continue;
                        }
                }
                eg_audit_job_free(j);
        }
        if (--a->dispatching == 0 && a->free_requested)
                destroy(a);
        return 0;
}

/* --- opening --- */

/* The state directory: created 0700 if missing; refused if others could swap our files. */
static int open_state_dir(const char *dir) {
        _cleanup_(closep) int fd = -1;
        struct stat st;

        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return log_error_errno(errno, "audit trail: cannot create %s: %m", dir);
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "audit trail: cannot open %s: %m", dir);
        if (fstat(fd, &st) < 0)
                return log_error_errno(errno, "audit trail: cannot stat %s: %m", dir);
        if ((st.st_uid != geteuid() && st.st_uid != 0) || (st.st_mode & 0022)) {
                log_error("audit trail: %s (uid %u, mode %04o) may be changed by others: "
                          "refusing to keep the audit trail there",
                          dir, (unsigned) st.st_uid, (unsigned) (st.st_mode & 07777));
                return -EPERM;
        }
        return TAKE_FD(fd);
}

/*
 * The key is made once, with the trail.  A trail that already holds something
 * (the database or its log not empty) but has no key lost it: a new key would
 * make every document hash in it unmatchable to the new ones, silently.
 * Refuse, as for a damaged key, and say how to go on.
 */
static int check_key_not_lost(int dir_fd, const char *dir) {
        static const char *const trail[] = { EG_AUDIT_DB_FILE, EG_AUDIT_DB_FILE "-wal" };
        struct stat st;

        if (fstatat(dir_fd, EG_AUDIT_KEY_FILE, &st, AT_SYMLINK_NOFOLLOW) >= 0 || errno != ENOENT)
                return 0; /* there is one: eg_audit_key_load() checks it */
        for (size_t i = 0; i < ELEMENTSOF(trail); i++) {
                if (fstatat(dir_fd, trail[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return log_error_errno(errno, "audit trail: cannot stat %s/%s: %m", dir,
                                               trail[i]);
                }
                if (st.st_size == 0)
                        continue;
                log_error("audit trail: %s/" EG_AUDIT_KEY_FILE " is missing but the trail in %s "
                          "holds records: a new key would make their document hashes "
                          "unmatchable.  Restore the key, or move " EG_AUDIT_DB_FILE "* aside "
                          "to start a new trail with a new key",
                          dir, dir);
                return -ENOKEY;
        }
        return 0;
}

/* The database and its WAL companions must be ours and private before SQLite opens them. */
static int check_db_files(int dir_fd, const char *dir) {
        static const char *const companions[] = { EG_AUDIT_DB_FILE "-wal",
                                                  EG_AUDIT_DB_FILE "-shm" };
        _cleanup_(closep) int fd = -1;
        int r;

        fd = openat(dir_fd, EG_AUDIT_DB_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                    0600);
        if (fd < 0)
                return log_error_errno(errno,
                                       "audit trail: cannot open %s/" EG_AUDIT_DB_FILE ": %m", dir);
        r = eg_audit_check_private_file(fd, dir, EG_AUDIT_DB_FILE);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(companions); i++) {
                _cleanup_(closep) int cfd =
                        openat(dir_fd, companions[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);

                if (cfd < 0 && errno == ENOENT)
                        continue;
                if (cfd < 0)
                        return log_error_errno(errno, "audit trail: cannot open %s/%s: %m", dir,
                                               companions[i]);
                r = eg_audit_check_private_file(cfd, dir, companions[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int eg_audit_open(sd_event *e, const char *state_dir, struct eg_audit **ret) {
        struct eg_audit *a;
        _cleanup_free_ char *db_path = NULL;
        char key_check[65];
        _cleanup_(closep) int dir_fd = -1;
        int r;

        if (!e || !state_dir || !ret)
                return -EINVAL;
        a = calloc(1, sizeof(*a));
        if (!a)
                return log_oom();
        a->event = sd_event_ref(e);
        a->worker.wake_fd = a->worker.done_fd = -1;
        a->probe_interval_usec = EG_AUDIT_PROBE_INTERVAL_USEC;
        a->writable = true;
        a->state_dir = strdup(state_dir);
        if (!a->state_dir || asprintf(&db_path, "%s/%s", state_dir, EG_AUDIT_DB_FILE) < 0) {
                db_path = NULL;
                r = log_oom();
                goto fail;
        }

        r = dir_fd = open_state_dir(state_dir);
        if (r < 0)
                goto fail;
        r = check_key_not_lost(dir_fd, state_dir);
        if (r < 0)
                goto fail;
        r = eg_audit_key_load(dir_fd, state_dir, a->key);
        if (r < 0)
                goto fail;
        r = check_db_files(dir_fd, state_dir);
        if (r < 0)
                goto fail;
        r = eg_audit_key_check(a->key, key_check);
        if (r < 0) {
                log_error_errno(r, "audit trail: cannot compute the key's check value: %m");
                goto fail;
        }
        r = eg_audit_worker_start(&a->worker, db_path, key_check);
        if (r < 0)
                goto fail;

        r = sd_event_add_io(e, &a->done_source, a->worker.done_fd, EPOLLIN, on_done, a);
        if (r >= 0)
                r = sd_event_add_time_relative(e, &a->probe_timer, CLOCK_MONOTONIC,
                                               a->probe_interval_usec, 0, on_probe, a);
        if (r >= 0)
                r = sd_event_source_set_enabled(a->probe_timer, SD_EVENT_OFF);
        if (r < 0) {
                log_error_errno(r, "audit trail: cannot attach to the event loop: %m");
                goto fail;
        }
        log_debug("audit trail: %s open", db_path);
        *ret = a;
        return 0;
fail:
        destroy(a);
        return r;
}

void eg_audit_cancel(struct eg_audit *a, void *userdata) {
        struct eg_audit_job *j;

        if (!a)
                return;
        EG_LIST_FOREACH (inflight, j, a->inflight)
                if (j->userdata == userdata && j->kind != EG_AUDIT_JOB_PROBE)
                        j->cancelled = true;
}

struct eg_audit *eg_audit_free(struct eg_audit *a) {
        if (!a)
                return NULL;
        if (a->dispatching > 0) {
                a->free_requested = true; /* on_done() finishes the job */
                return NULL;
        }
        destroy(a);
        return NULL;
}

/* --- the API --- */

/* A LIST or LIST_EVENTS job for [since, until) (until 0: no bound), limit cut to the rules. */
static int list_job(struct eg_audit *a, enum eg_audit_job_kind kind, uint64_t since_usec,
                    uint64_t until_usec, size_t limit, eg_audit_rows_fn done, void *userdata,
                    struct eg_audit_job **ret) {
        struct eg_audit_job *j;

        if (!a || !done)
                return -EINVAL;
        if (until_usec == 0)
                until_usec = UINT64_MAX;
        if (since_usec > until_usec)
                return -EINVAL;
        j = job_new(kind);
        if (!j)
                return -ENOMEM;
        j->since_usec = since_usec;
        j->until_usec = until_usec;
        j->limit = limit == 0                  ? EG_AUDIT_LIST_DEFAULT
                   : limit > EG_AUDIT_LIST_MAX ? EG_AUDIT_LIST_MAX
                                               : limit;
        j->rows_done = done;
        j->userdata = userdata;
        *ret = j;
        return 0;
}

int eg_audit_document_hash(struct eg_audit *a, const char *issuing_state,
                           const char *document_number, char hex[static 65]) {
        char state[4], number[EG_AUDIT_ID_MAX], input[sizeof(state) + 1 + sizeof(number)];
        int r;

        if (!a || !issuing_state || !document_number)
                return -EINVAL;
        /* The MRZ pads both with '<'; the hash must not depend on who stripped the fillers. */
        if (strspn(issuing_state, "ABCDEFGHIJKLMNOPQRSTUVWXYZ<") != strlen(issuing_state) ||
            strspn(document_number, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<") !=
                    strlen(document_number) ||
            strlen(issuing_state) > 3 || strlen(document_number) >= sizeof(number))
                return -EINVAL;
        eg_audit_strip_fillers(issuing_state, state, sizeof(state));
        eg_audit_strip_fillers(document_number, number, sizeof(number));
        if (!state[0] || !number[0])
                return -EINVAL;
        (void) snprintf(input, sizeof(input), "%s<%s", state, number);
        r = eg_audit_hmac_hex(a->key, input, strlen(input), hex);
        explicit_bzero(input, sizeof(input));
        explicit_bzero(number, sizeof(number));
        return r;
}

int eg_audit_write(struct eg_audit *a, const struct eg_audit_record *r, eg_audit_done_fn done,
                   void *userdata) {
        struct eg_audit_job *j;
        const char *field = NULL;
        int k;

        if (!a || !r || !done)
                return -EINVAL;
        k = eg_audit_record_check(r, &field);
        if (k < 0) {
                /* Say which field, never what is in it: that might be the very data we keep out. */
                log_error("audit trail: record refused: field %s breaks the rules of "
                          "docs/audit.md (a bug in the caller)",
                          field);
                return k;
        }
        j = job_new(EG_AUDIT_JOB_WRITE);
        if (!j)
                return -ENOMEM;
        k = eg_audit_record_to_json(r, &j->json);
        if (k < 0) {
                eg_audit_job_free(j);
                return k;
        }
        strcpy(j->columns.transaction_id, r->transaction_id);
        strcpy(j->columns.lane, r->lane);
        j->columns.start_usec = r->start_usec;
        j->columns.end_usec = r->end_usec;
        strcpy(j->columns.decision, r->decision);
        strcpy(j->columns.document_hash, r->document_hash);
        strcpy(j->columns.member_id, r->member_id);
        j->done = done;
        j->userdata = userdata;
        submit(a, j);
        return 0;
}

int eg_audit_write_event(struct eg_audit *a, const struct eg_audit_event *ev) {
        struct eg_audit_job *j;
        const char *field = NULL;
        int k;

        if (!a || !ev)
                return -EINVAL;
        k = eg_audit_event_check(ev, &field);
        if (k < 0) {
                log_error("audit trail: lane event refused: field %s breaks the rules of "
                          "docs/audit.md (a bug in the caller)",
                          field);
                return k;
        }
        j = job_new(EG_AUDIT_JOB_EVENT);
        if (!j)
                return -ENOMEM;
        k = eg_audit_event_to_json(ev, &j->json);
        if (k < 0) {
                eg_audit_job_free(j);
                return k;
        }
        j->event = *ev;
        /* Older events the disk refused wait for the trail to be writable again: this one
         * goes behind them, or it could reach the disk first (space back before the probe
         * noticed) and make them follow it. */
        if (a->n_pending_events > 0) {
                keep_pending_event(a, j);
                return 0;
        }
        submit(a, j);
        return 0;
}

int eg_audit_list_events(struct eg_audit *a, uint64_t since_usec, uint64_t until_usec, size_t limit,
                         const char *transaction_id, eg_audit_rows_fn done, void *userdata) {
        struct eg_audit_job *j;
        int r;

        if (transaction_id && strlen(transaction_id) >= EG_AUDIT_ID_MAX)
                return -EINVAL;
        r = list_job(a, EG_AUDIT_JOB_LIST_EVENTS, since_usec, until_usec, limit, done, userdata,
                     &j);
        if (r < 0)
                return r;
        if (transaction_id)
                strcpy(j->columns.transaction_id, transaction_id);
        submit(a, j);
        return 0;
}

bool eg_audit_writable(const struct eg_audit *a) {
        return a && a->writable;
}

void eg_audit_set_listener(struct eg_audit *a, void (*fn)(bool writable, void *userdata),
                           void *userdata) {
        if (!a)
                return;
        a->listeners[0].fn = fn;
        a->listeners[0].userdata = userdata;
}

int eg_audit_add_listener(struct eg_audit *a, eg_audit_listener_fn fn, void *userdata) {
        size_t free_slot = 0;

        if (!a || !fn)
                return -EINVAL;
        for (size_t i = 1; i < ELEMENTSOF(a->listeners); i++) {
                if (a->listeners[i].fn == fn && a->listeners[i].userdata == userdata)
                        return 0;
                if (!a->listeners[i].fn && free_slot == 0)
                        free_slot = i;
        }
        if (free_slot == 0)
                return -ENOSPC;
        a->listeners[free_slot].fn = fn;
        a->listeners[free_slot].userdata = userdata;
        return 0;
}

void eg_audit_remove_listener(struct eg_audit *a, eg_audit_listener_fn fn, void *userdata) {
        if (!a)
                return;
        for (size_t i = 1; i < ELEMENTSOF(a->listeners); i++)
                if (a->listeners[i].fn == fn && a->listeners[i].userdata == userdata)
                        a->listeners[i].fn = NULL;
}

void eg_audit_set_probe_interval(struct eg_audit *a, uint64_t usec) {
        a->probe_interval_usec = usec > 0 ? usec : EG_AUDIT_PROBE_INTERVAL_USEC;
        if (!a->writable && !a->probing && !a->damaged)
                (void) arm_probe(a); /* the new interval counts from now */
}

int eg_audit_list(struct eg_audit *a, uint64_t since_usec, uint64_t until_usec, size_t limit,
                  eg_audit_rows_fn done, void *userdata) {
        struct eg_audit_job *j;
        int r;

        r = list_job(a, EG_AUDIT_JOB_LIST, since_usec, until_usec, limit, done, userdata, &j);
        if (r < 0)
                return r;
        submit(a, j);
        return 0;
}

int eg_audit_get(struct eg_audit *a, const char *transaction_id, eg_audit_rows_fn done,
                 void *userdata) {
        struct eg_audit_job *j;

        if (!a || !transaction_id || !done || !transaction_id[0] ||
            strlen(transaction_id) >= EG_AUDIT_ID_MAX)
                return -EINVAL;
        j = job_new(EG_AUDIT_JOB_GET);
        if (!j)
                return -ENOMEM;
        strcpy(j->columns.transaction_id, transaction_id);
        j->rows_done = done;
        j->userdata = userdata;
        submit(a, j);
        return 0;
}

/*
 * Our own descriptor for the caller's: for a pipe, a new open of it with
 * O_NONBLOCK (the caller's open file description stays as it was); when
 * that is not allowed (a pipe of another user), the duplicate is switched to
 * non-blocking, which the caller's copy then shares.
 */
static int export_fd(int fd) {
        char path[64];
        struct stat st;
        int flags, ours;

        if (fd < 0 || fstat(fd, &st) < 0)
                return -EBADF;
        if (!S_ISFIFO(st.st_mode) && !S_ISREG(st.st_mode))
                return -EINVAL;
        flags = fcntl(fd, F_GETFL);
        if (flags < 0)
                return -errno;
        if ((flags & O_ACCMODE) != O_WRONLY && (flags & O_ACCMODE) != O_RDWR)
                return -EBADF;
        if (S_ISREG(st.st_mode)) {
                ours = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                return ours < 0 ? -errno : ours;
        }
        (void) snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        ours = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (ours >= 0)
                return ours;
        if (errno == ENXIO)
                return -EPIPE; /* nobody reads the pipe any more */
        ours = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (ours < 0)
                return -errno;
        if (fcntl(ours, F_SETFL, flags | O_NONBLOCK) < 0) {
                int r = -errno;

                close(ours);
                return r;
        }
        return ours;
}

static int export_table(struct eg_audit *a, enum eg_audit_store_table table, int fd,
                        uint64_t since_usec, uint64_t until_usec, eg_audit_export_fn done,
                        void *userdata) {
        struct eg_audit_job *j;
        int ours;

        if (!a || !done)
                return -EINVAL;
        if (until_usec == 0)
                until_usec = UINT64_MAX;
        if (since_usec > until_usec)
                return -EINVAL;
        ours = export_fd(fd);
        if (ours < 0)
                return ours;
        j = job_new(EG_AUDIT_JOB_EXPORT);
        if (!j) {
                close(ours);
                return -ENOMEM;
        }
        j->fd = ours;
        j->table = table;
        j->since_usec = since_usec;
        j->until_usec = until_usec;
        j->export_done = done;
        j->userdata = userdata;
        submit(a, j);
        return 0;
}

int eg_audit_export(struct eg_audit *a, int fd, uint64_t since_usec, uint64_t until_usec,
                    eg_audit_export_fn done, void *userdata) {
        return export_table(a, EG_AUDIT_STORE_RECORDS, fd, since_usec, until_usec, done, userdata);
}

int eg_audit_export_events(struct eg_audit *a, int fd, uint64_t since_usec, uint64_t until_usec,
                           eg_audit_export_fn done, void *userdata) {
        return export_table(a, EG_AUDIT_STORE_EVENTS, fd, since_usec, until_usec, done, userdata);
}

void eg_audit_set_export_stall(struct eg_audit *a, uint64_t usec) {
        __atomic_store_n(&a->worker.export_stall_usec, usec > 0 ? usec : EG_AUDIT_EXPORT_STALL_USEC,
                         __ATOMIC_RELAXED);
}
