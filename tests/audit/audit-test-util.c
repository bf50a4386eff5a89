/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit-test-util.h"
#include "macro.h"

static const char *const step_names[] = {
        "document",    "mrz",     "expiry",      "chip-access", "chip-read",  "passive-auth",
        "chip-auth",   "mrz-dg1", "eligibility", "background",  "entry-door", "mantrap",
        "fingerprint", "face",    "decision",    "exit-door"
};

void test_sample_record(struct eg_audit *a, struct eg_audit_record *r, const char *id,
                        uint64_t start_usec, const char *decision) {
        memset(r, 0, sizeof(*r));
        snprintf(r->transaction_id, sizeof(r->transaction_id), "%s", id);
        strcpy(r->lane, "A1");
        r->start_usec = start_usec;
        r->end_usec = start_usec + 8 * TEST_USEC_PER_SEC;
        snprintf(r->decision, sizeof(r->decision), "%s", decision);
        if (strcmp(decision, "accept") != 0) {
                strcpy(r->reasons[r->n_reasons++], "E_FINGER_NO_MATCH");
                strcpy(r->reasons[r->n_reasons++], "operator-veto");
        }
        if (a && eg_audit_document_hash(a, "UTO", "L898902C3", r->document_hash) < 0)
                abort();
        strcpy(r->issuing_state, "UTO");
        strcpy(r->member_id, "GE-100001");
        for (size_t i = 0; i < ELEMENTSOF(step_names); i++) {
                struct eg_audit_step *s = &r->steps[r->n_steps++];

                strcpy(s->step, step_names[i]);
                strcpy(s->result, "successful");
                s->start_usec = start_usec + i * 400000;
                s->end_usec = s->start_usec + 350000;
                s->attempt = 1;
                s->timeout_ms = 5000;
                snprintf(s->device, sizeof(s->device), "mock-A1-%s", step_names[i]);
        }
        r->steps[12].has_score = true; /* fingerprint */
        r->steps[12].score = 0.83;
        r->steps[12].threshold = 0.5;
        r->steps[12].attempt = 2;
        strcpy(r->steps[13].result, "not-supported");
        strcpy(r->steps[13].reason, "N_FACE_NO_CAMERA");
        r->actions[0].time_usec = start_usec + 5 * TEST_USEC_PER_SEC;
        strcpy(r->actions[0].action, "veto-refer");
        strcpy(r->actions[0].operator, "uid 1000 (:1.42)");
        strcpy(r->actions[0].reason, "traveller asked for an officer, booth 3");
        r->n_actions = 1;
        strcpy(r->devices[r->n_devices++], "document-reader=mock-A1-document-reader mock/0.1.0");
        strcpy(r->devices[r->n_devices++], "fingerprint-scanner=mock-A1-fingerprint mock/0.1.0");
        strcpy(r->software_version, "0.1.0");
}

bool test_run_until(sd_event *e, const bool *flag, unsigned seconds) {
        uint64_t end, now;

        (void) sd_event_now(e, CLOCK_MONOTONIC, &now);
        end = now + seconds * TEST_USEC_PER_SEC;
        while (!*flag) {
                if (sd_event_run(e, 100000) < 0)
                        return false;
                (void) sd_event_now(e, CLOCK_MONOTONIC, &now);
                if (!*flag && now > end)
                        return false;
        }
        return true;
}

struct sync_call {
        bool done;
        int status;
        char **rows;
        size_t n;
};

static void on_written(int status, void *userdata) {
        struct sync_call *c = userdata;

        c->status = status;
        c->done = true;
}

int test_write_sync(sd_event *e, struct eg_audit *a, const struct eg_audit_record *r) {
        struct sync_call c = {};
        int k = eg_audit_write(a, r, on_written, &c);

        if (k < 0)
                return k;
        if (c.done) /* never from inside the call */
                abort();
        if (!test_run_until(e, &c.done, 20))
                return -ETIME;
        return c.status;
}

static void on_rows(int status, char **rows, size_t n, void *userdata) {
        struct sync_call *c = userdata;

        c->status = status;
        c->n = n;
        c->rows = calloc(n + 1, sizeof(char *));
        for (size_t i = 0; c->rows && i < n; i++)
                c->rows[i] = strdup(rows[i]);
        c->done = true;
}

static int wait_rows(sd_event *e, struct sync_call *c, char ***ret_rows, size_t *ret_n) {
        if (!test_run_until(e, &c->done, 20))
                return -ETIME;
        *ret_rows = c->rows;
        *ret_n = c->n;
        return c->status;
}

int test_list_sync(sd_event *e, struct eg_audit *a, uint64_t since, uint64_t until, size_t limit,
                   char ***ret_rows, size_t *ret_n) {
        struct sync_call c = {};
        int k = eg_audit_list(a, since, until, limit, on_rows, &c);

        return k < 0 ? k : wait_rows(e, &c, ret_rows, ret_n);
}

int test_get_sync(sd_event *e, struct eg_audit *a, const char *id, char ***ret_rows,
                  size_t *ret_n) {
        struct sync_call c = {};
        int k = eg_audit_get(a, id, on_rows, &c);

        return k < 0 ? k : wait_rows(e, &c, ret_rows, ret_n);
}

int test_list_events_sync(sd_event *e, struct eg_audit *a, uint64_t since, uint64_t until,
                          size_t limit, const char *transaction_id, char ***ret_rows,
                          size_t *ret_n) {
        struct sync_call c = {};
        int k = eg_audit_list_events(a, since, until, limit, transaction_id, on_rows, &c);

        return k < 0 ? k : wait_rows(e, &c, ret_rows, ret_n);
}

void test_sample_event(struct eg_audit_event *ev, const char *kind, const char *transaction_id,
                       uint64_t time_usec) {
        *ev = (struct eg_audit_event){ .time_usec = time_usec };
        snprintf(ev->lane, sizeof(ev->lane), "A1");
        snprintf(ev->kind, sizeof(ev->kind), "%s", kind);
        snprintf(ev->transaction_id, sizeof(ev->transaction_id), "%s",
                 transaction_id ? transaction_id : "");
        if (streq(kind, EG_AUDIT_EVENT_OPERATOR)) {
                snprintf(ev->action, sizeof(ev->action), "open-door");
                snprintf(ev->operator, sizeof(ev->operator), "uid 1000 (:1.42)");
                snprintf(ev->detail, sizeof(ev->detail), "traveller in a wheelchair");
        } else if (streq(kind, EG_AUDIT_EVENT_ALARM)) {
                snprintf(ev->action, sizeof(ev->action), "watchlist-hit");
                snprintf(ev->reason, sizeof(ev->reason), "E_WATCHLIST_HIT");
                snprintf(ev->detail, sizeof(ev->detail), "background check hit after the decision");
        } else {
                snprintf(ev->action, sizeof(ev->action), "input");
                snprintf(ev->detail, sizeof(ev->detail), "emergency input on mock-A1-emergency");
        }
}
