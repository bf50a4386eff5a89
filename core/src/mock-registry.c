/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Mock mode's registry: a backend in front of the real (SQLite) registry
 * that injects the failures the scenario asks for ("registry": "error" or
 * "hang") and answers lookup_holder() from the scenario's members, so that
 * a member presenting a passport they have not registered is told so.
 * Everything else, including administration, goes to the real registry.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"
#include "log.h"
#include "macro.h"
#include "mock-support.h"

struct mock_request {
        uint64_t id;
        uint64_t inner_id; /* forwarded: the inner registry's request */
        bool forwarded;
        bool hanging;
        int status; /* local answer */
        eg_registry_lookup_fn done;
        void *userdata;
        sd_event_source *defer;
        struct mock_registry *owner;
        EG_LIST_FIELDS(struct mock_request, requests);
};

struct mock_registry {
        sd_event *event;
        struct eg_registry *inner;
        struct eg_mock_registry_entry *entries;
        size_t n_entries;
        struct mock_request *requests;
        uint64_t next_id;
};

static bool state_equal(const char *a, const char *b) {
        size_t la = strcspn(a, "<"), lb = strcspn(b, "<");

        return la == lb && strncmp(a, b, la) == 0;
}

static void request_free(struct mock_request *q) {
        EG_LIST_REMOVE(requests, q->owner->requests, q);
        sd_event_source_disable_unref(q->defer);
        free(q);
}

static int on_local_answer(sd_event_source *s, void *userdata) {
        struct mock_request *q = userdata;
        eg_registry_lookup_fn done = q->done;
        void *ud = q->userdata;
        int status = q->status;

        request_free(q);
        done(status, NULL, ud);
        return 0;
}

static int answer_later(struct mock_request *q, int status) {
        q->status = status;
        q->hanging = false;
        if (q->defer)
                return sd_event_source_set_enabled(q->defer, SD_EVENT_ONESHOT);
        return sd_event_add_defer(q->owner->event, &q->defer, on_local_answer, q);
}

static void on_inner_answer(int status, struct eg_member *member, void *userdata) {
        struct mock_request *q = userdata;
        eg_registry_lookup_fn done = q->done;
        void *ud = q->userdata;

        request_free(q);
        done(status, member, ud);
}

static struct mock_request *request_new(struct mock_registry *b, eg_registry_lookup_fn done,
                                        void *userdata) {
        struct mock_request *q = calloc(1, sizeof(*q));

        if (!q)
                return NULL;
        q->id = ++b->next_id;
        q->owner = b;
        q->done = done;
        q->userdata = userdata;
        EG_LIST_APPEND(requests, b->requests, q);
        return q;
}

static int forward(struct mock_request *q, const char *issuing_state, const char *number,
                   uint64_t *ret_request) {
        int r = eg_registry_lookup(q->owner->inner, issuing_state, number, on_inner_answer, q,
                                   &q->inner_id);

        if (r < 0) {
                request_free(q);
                return r;
        }
        q->forwarded = true;
        *ret_request = q->id;
        return 0;
}

static int mock_lookup(void *backend, const char *issuing_state, const char *document_number,
                       eg_registry_lookup_fn done, void *userdata, uint64_t *ret_request) {
        struct mock_registry *b = backend;
        struct mock_request *q = request_new(b, done, userdata);
        int r;

        if (!q)
                return -ENOMEM;
        for (size_t i = 0; i < b->n_entries; i++) {
                const struct eg_mock_registry_entry *e = &b->entries[i];

                if (!state_equal(e->issuing_state, issuing_state) ||
                    !streq(e->document_number, document_number) ||
                    e->fault == EG_MOCK_REGISTRY_PASS)
                        continue;
                if (e->fault == EG_MOCK_REGISTRY_HANG)
                        q->hanging = true;
                else if ((r = answer_later(q, -EIO)) < 0) {
                        request_free(q);
                        return r;
                }
                *ret_request = q->id;
                return 0;
        }
        return forward(q, issuing_state, document_number, ret_request);
}

static int mock_lookup_holder(void *backend, const char *issuing_state,
                              const struct eg_date *birth_date, eg_registry_lookup_fn done,
                              void *userdata, uint64_t *ret_request) {
        struct mock_registry *b = backend;
        struct mock_request *q = request_new(b, done, userdata);
        int r;

        if (!q)
                return -ENOMEM;
        for (size_t i = 0; i < b->n_entries; i++) {
                const struct eg_mock_registry_entry *e = &b->entries[i];

                if (e->member && state_equal(e->issuing_state, issuing_state) &&
                    eg_date_compare(&e->birth_date, birth_date) == 0)
                        return forward(q, e->issuing_state, e->registered_number, ret_request);
        }
        r = answer_later(q, -ENOENT);
        if (r < 0) {
                request_free(q);
                return r;
        }
        *ret_request = q->id;
        return 0;
}

static void mock_cancel(void *backend, uint64_t request) {
        struct mock_registry *b = backend;
        struct mock_request *q;

        EG_LIST_FOREACH (requests, q, b->requests)
                if (q->id == request) {
                        if (q->forwarded)
                                eg_registry_cancel(b->inner, q->inner_id);
                        else if (q->hanging)
                                (void) answer_later(q, -ECANCELED);
                        return;
                }
}

static int mock_admin(void *backend, const struct eg_registry_admin_request *req,
                      eg_registry_admin_fn done, void *userdata) {
        struct mock_registry *b = backend;

        return eg_registry_admin(b->inner, req, done, userdata);
}

static void mock_free(void *backend) {
        struct mock_registry *b = backend;

        while (b->requests)
                request_free(b->requests);
        eg_registry_free(b->inner);
        if (b->entries)
                explicit_bzero(b->entries, sizeof(*b->entries) * b->n_entries);
        free(b->entries);
        sd_event_unref(b->event);
        free(b);
}

static const struct eg_registry_backend_ops mock_registry_ops = {
        .name = "mock-scenario",
        .lookup = mock_lookup,
        .cancel = mock_cancel,
        .free = mock_free,
        .admin = mock_admin,
        .lookup_holder = mock_lookup_holder,
};

int eg_mock_registry_new(sd_event *e, struct eg_registry *inner,
                         const struct eg_mock_registry_entry *entries, size_t n,
                         struct eg_registry **ret) {
        struct mock_registry *b = calloc(1, sizeof(*b));
        uint32_t timeout_ms;

        if (!b) {
                eg_registry_free(inner);
                return -ENOMEM;
        }
        b->event = sd_event_ref(e);
        b->inner = inner;
        if (n > 0) {
                b->entries = calloc(n, sizeof(*entries));
                if (!b->entries) {
                        mock_free(b);
                        return -ENOMEM;
                }
                memcpy(b->entries, entries, sizeof(*entries) * n);
                b->n_entries = n;
        }
        /* One deadline, ours (the manager fits it to the lanes' policies): when it passes,
         * the forwarded request is cancelled, so the inner registry needs none of its own
         * (UINT32_MAX ms: 49 days). */
        timeout_ms = inner->timeout_ms;
        inner->timeout_ms = UINT32_MAX;
        return eg_registry_new(e, &mock_registry_ops, b, timeout_ms, ret);
}
