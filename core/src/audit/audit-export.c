/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Export: records, or lane events, as JSON lines into a caller's pipe or
 * file, on the worker thread (the job's table says which; the rest is the
 * same).  Each line is a row's stored JSON text as it is.  Rows are fetched
 * a batch at a time and written without blocking, at most WRITE_BUDGET bytes
 * per turn, so a slow or stuck reader holds up neither the loop nor the audit
 * writes queued behind it; a reader that stops reading for the stall timeout
 * loses the export (-ETIMEDOUT).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit-internal.h"

#define BATCH_ROWS 64
#define WRITE_BUDGET (256u * 1024u)

struct eg_audit_export_state {
        char *buf;
        size_t len, off, cap;
        size_t lines; /* rows in buf */
        int64_t seq; /* the last row fetched (of the job's table) */
        bool exhausted;
        uint64_t last_progress_usec;
};

void eg_audit_export_state_free(struct eg_audit_export_state *s) {
        if (!s)
                return;
        free(s->buf);
        free(s);
}

static int append_line(const char *json, size_t len, void *userdata) {
        struct eg_audit_export_state *s = userdata;

        if (s->len + len + 1 > s->cap) {
                size_t cap = (s->len + len + 1) * 2;
                char *b = realloc(s->buf, cap);

                if (!b)
                        return -ENOMEM;
                s->buf = b;
                s->cap = cap;
        }
        memcpy(s->buf + s->len, json, len);
        s->buf[s->len + len] = '\n';
        s->len += len + 1;
        s->lines++;
        return 0;
}

/* The SIGPIPE a write to a reader-less pipe raised stays pending on this thread (it blocks all
 * signals): take it, so it never reaches anyone. */
static void consume_sigpipe(void) {
        static const struct timespec zero = {};
        sigset_t set;

        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        while (sigtimedwait(&set, NULL, &zero) > 0)
                ;
}

static int finish(struct eg_audit_job *j, int status) {
        j->status = status;
        closep(&j->fd); /* the reader sees the end now, not when the loop gets round to it */
        j->fd = -1;
        return 1;
}

/* Tests change it while the worker runs. */
static uint64_t stall_usec(const struct eg_audit_worker *w) {
        return __atomic_load_n(&w->export_stall_usec, __ATOMIC_RELAXED);
}

uint64_t eg_audit_export_deadline(const struct eg_audit_worker *w, const struct eg_audit_job *j) {
        return j->export ? j->export->last_progress_usec + stall_usec(w) : UINT64_MAX;
}

int eg_audit_export_pump(struct eg_audit_worker *w, struct eg_audit_job *j, uint64_t now_usec) {
        struct eg_audit_export_state *s = j->export;
        size_t budget = WRITE_BUDGET;
        int r;

        for (;;) {
                if (s->off < s->len) {
                        size_t want = s->len - s->off < budget ? s->len - s->off : budget;
                        ssize_t n;

                        if (want == 0)
                                return 0; /* this turn's share is written; others go first */
                        n = write(j->fd, s->buf + s->off, want);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0 && errno == EAGAIN)
                                break;
                        if (n < 0 && errno == EPIPE) {
                                consume_sigpipe();
                                return finish(j, -EPIPE);
                        }
                        if (n < 0)
                                return finish(j, -errno);
                        s->off += (size_t) n;
                        budget -= (size_t) n;
                        s->last_progress_usec = now_usec;
                        if (s->off == s->len)
                                j->count += s->lines;
                        continue;
                }
                if (s->exhausted)
                        return finish(j, 0);
                s->len = s->off = s->lines = 0;
                r = eg_audit_store_batch(w->db, j->table, j->since_usec, j->until_usec, &s->seq,
                                         BATCH_ROWS, append_line, s);
                if (r < 0)
                        return finish(j, r);
                if (r == 0)
                        s->exhausted = true;
        }
        if (now_usec >= s->last_progress_usec + stall_usec(w))
                return finish(j, -ETIMEDOUT);
        return 0;
}

int eg_audit_export_begin(struct eg_audit_worker *w, struct eg_audit_job *j, uint64_t now_usec) {
        j->export = calloc(1, sizeof(*j->export));
        if (!j->export)
                return finish(j, -ENOMEM);
        j->export->last_progress_usec = now_usec;
        return eg_audit_export_pump(w, j, now_usec);
}
