/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The registry wrapper around a backend: the registry's own deadline, and
 * the promise every caller relies on: one callback per lookup, from the
 * loop, whatever the backend does (answers late, answers after a cancel, or
 * answers from inside its own lookup()).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deadline.h"
#include "list.h"
#include "log.h"
#include "registry.h"

static const char *const status_names[EG_MEMBER_STATUS_MAX_] = {
        [EG_MEMBER_CONDITIONAL] = "conditional", [EG_MEMBER_ACTIVE] = "active",
        [EG_MEMBER_SUSPENDED] = "suspended",     [EG_MEMBER_REVOKED] = "revoked",
        [EG_MEMBER_EXPIRED] = "expired",
};

const char *eg_member_status_to_string(enum eg_member_status s) {
        if ((unsigned) s >= EG_MEMBER_STATUS_MAX_)
                return NULL;
        return status_names[s];
}

int eg_member_status_from_string(const char *s) {
        for (int i = 0; s && i < EG_MEMBER_STATUS_MAX_; i++)
                if (streq(s, status_names[i]))
                        return i;
        return -EINVAL;
}

static const char *const finger_names[] = {
        [1] = "right-thumb",  [2] = "right-index",  [3] = "right-middle", [4] = "right-ring",
        [5] = "right-little", [6] = "left-thumb",   [7] = "left-index",   [8] = "left-middle",
        [9] = "left-ring",    [10] = "left-little",
};

const char *eg_finger_position_to_string(int position) {
        if (position < 1 || position >= (int) ELEMENTSOF(finger_names))
                return NULL;
        return finger_names[position];
}

int eg_finger_position_from_string(const char *s) {
        for (int i = 1; s && i < (int) ELEMENTSOF(finger_names); i++)
                if (streq(s, finger_names[i]))
                        return i;
        return -EINVAL;
}

static void wipe_free(void *p, size_t len) {
        if (!p)
                return;
        explicit_bzero(p, len);
        free(p);
}

static void wipe_free_string(char *s) {
        if (s)
                wipe_free(s, strlen(s));
}

void eg_member_drop_biometrics(struct eg_member *m) {
        if (!m)
                return;
        for (size_t i = 0; i < m->n_fingers; i++) {
                wipe_free(m->fingers[i].data, m->fingers[i].len);
                free(m->fingers[i].format);
        }
        wipe_free(m->fingers, sizeof(*m->fingers) * m->n_fingers);
        m->fingers = NULL;
        m->n_fingers = 0;
        wipe_free(m->face, m->face_len);
        m->face = NULL;
        m->face_len = 0;
        free(m->face_mime);
        m->face_mime = NULL;
}

void eg_member_free(struct eg_member *m) {
        if (!m)
                return;
        eg_member_drop_biometrics(m);
        wipe_free(m->passports, sizeof(*m->passports) * m->n_passports);
        wipe_free(m, sizeof(*m));
}

static void *memdup(const void *p, size_t len) {
        void *copy = malloc(len ? len : 1);

        if (copy && len)
                memcpy(copy, p, len);
        return copy;
}

struct eg_member *eg_member_dup(const struct eg_member *m) {
        _cleanup_(eg_member_freep) struct eg_member *c = NULL;

        if (!m)
                return NULL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        *c = *m;
        c->passports = NULL;
        c->n_passports = 0;
        c->fingers = NULL;
        c->n_fingers = 0;
        c->face = NULL;
        c->face_len = 0;
        c->face_mime = NULL;

        if (m->n_passports > 0) {
                c->passports = memdup(m->passports, sizeof(*m->passports) * m->n_passports);
                if (!c->passports)
                        return NULL;
                c->n_passports = m->n_passports;
        }
        if (m->n_fingers > 0) {
                c->fingers = calloc(m->n_fingers, sizeof(*c->fingers));
                if (!c->fingers)
                        return NULL;
                for (size_t i = 0; i < m->n_fingers; i++) {
                        struct eg_member_finger *f = &c->fingers[c->n_fingers];

                        f->position = m->fingers[i].position;
                        f->format = m->fingers[i].format ? strdup(m->fingers[i].format) : NULL;
                        f->data = memdup(m->fingers[i].data, m->fingers[i].len);
                        f->len = m->fingers[i].len;
                        c->n_fingers++; /* counted now, so a failure below frees it */
                        if ((m->fingers[i].format && !f->format) || !f->data)
                                return NULL;
                }
        }
        if (m->face) {
                c->face = memdup(m->face, m->face_len);
                if (!c->face)
                        return NULL;
                c->face_len = m->face_len;
        }
        if (m->face_mime) {
                c->face_mime = strdup(m->face_mime);
                if (!c->face_mime)
                        return NULL;
        }
        return TAKE_PTR(c);
}

void eg_registry_today(struct eg_date *ret) {
        time_t t = time(NULL);
        struct tm tm;

        (void) localtime_r(&t, &tm);
        *ret = (struct eg_date){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
}

void eg_registry_admin_result_done(struct eg_registry_admin_result *r) {
        if (!r)
                return;
        free(r->message);
        free(r->summaries);
        wipe_free_string(r->json);
        *r = (struct eg_registry_admin_result){};
}

/*
 * One lookup as the caller sees it.  It lives until both sides are done: the
 * caller has had its one answer (answered) and the backend has called back
 * (backend_done), so a late backend answer always finds its record.
 */
struct eg_registry_pending {
        struct eg_registry *registry;
        uint64_t id;
        uint64_t backend_request;
        eg_registry_lookup_fn done;
        void *userdata;
        sd_event_source *timer;
        sd_event_source *defer; /* an answer to hand over from the loop */
        int deferred_status;
        struct eg_member *deferred_member;
        bool starting; /* inside ops->lookup() */
        bool answered; /* the caller's callback ran or is scheduled */
        bool backend_done; /* the backend's callback ran */
        EG_LIST_FIELDS(struct eg_registry_pending, pending);
};

static void pending_free(struct eg_registry_pending *p) {
        if (!p)
                return;
        p->timer = sd_event_source_disable_unref(p->timer);
        p->defer = sd_event_source_disable_unref(p->defer);
        eg_member_free(p->deferred_member);
        free(p);
}

static void pending_maybe_free(struct eg_registry_pending *p) {
        if (!p->answered || !p->backend_done || p->defer)
                return;
        EG_LIST_REMOVE(pending, p->registry->pending, p);
        pending_free(p);
}

static struct eg_registry_pending *pending_find(struct eg_registry *r, uint64_t id) {
        struct eg_registry_pending *p;

        EG_LIST_FOREACH (pending, p, r->pending)
                if (p->id == id)
                        return p;
        return NULL;
}

/* Deliver the caller's one answer now (we are on the loop, not inside its call). */
static void answer(struct eg_registry_pending *p, int status, struct eg_member *member) {
        eg_registry_lookup_fn done = p->done;
        void *userdata = p->userdata;

        p->answered = true;
        p->timer = sd_event_source_disable_unref(p->timer);
        /* Free our record first: the callback may free the registry itself. */
        pending_maybe_free(p);
        done(status, member, userdata);
}

static int on_deferred(sd_event_source *s, void *userdata) {
        struct eg_registry_pending *p = userdata;
        struct eg_member *member = TAKE_PTR(p->deferred_member);

        p->defer = sd_event_source_disable_unref(p->defer);
        answer(p, p->deferred_status, member);
        return 0;
}

/* Answer from the loop's next iteration: for answers that arise inside a caller's call.
 * Fails only without memory for the event source; the caller then decides. */
static int answer_later(struct eg_registry_pending *p, int status, struct eg_member *member) {
        int r;

        p->answered = true;
        p->timer = sd_event_source_disable_unref(p->timer);
        p->deferred_status = status;
        p->deferred_member = member;
        r = sd_event_add_defer(p->registry->event, &p->defer, on_deferred, p);
        if (r < 0) {
                p->defer = NULL;
                return log_error_errno(r, "registry: cannot schedule a lookup's answer: %m");
        }
        return 0;
}

static void on_backend_answer(int status, struct eg_member *member, void *userdata) {
        struct eg_registry_pending *p = userdata;

        p->backend_done = true;
        if (p->answered) {
                /* Timed out or cancelled already: the caller has its answer. */
                eg_member_free(member);
                pending_maybe_free(p);
                return;
        }
        if (status == 0 && !member)
                status = -EIO; /* a backend bug must not look like "found" */
        if (status < 0) {
                eg_member_free(member);
                member = NULL;
        }
        if (p->starting) {
                /* On failure eg_registry_lookup() sees no answer scheduled and fails. */
                (void) answer_later(p, status, member);
                return;
        }
        answer(p, status, member);
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        struct eg_registry_pending *p = userdata;
        struct eg_registry *r = p->registry;

        log_warning("registry: lookup %" PRIu64 " took longer than %u ms (backend %s)", p->id,
                    r->timeout_ms, r->ops->name ? r->ops->name : "?");
        p->timer = sd_event_source_disable_unref(p->timer);
        if (!p->backend_done && r->ops->cancel)
                r->ops->cancel(r->backend, p->backend_request);
        answer(p, -ETIMEDOUT, NULL);
        return 0;
}

static bool text_is(const char *s, size_t min, size_t max, bool (*ok)(char c)) {
        size_t n;

        if (!s)
                return false;
        n = strnlen(s, max + 1);
        if (n < min || n > max)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!ok(s[i]))
                        return false;
        return true;
}

static bool is_state_char(char c) {
        return (c >= 'A' && c <= 'Z') || c == '<';
}

static bool is_number_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int eg_registry_new(sd_event *e, const struct eg_registry_backend_ops *ops, void *backend,
                    uint32_t timeout_ms, struct eg_registry **ret) {
        struct eg_registry *r;

        if (!ops || !ops->lookup || !ops->free || !ret) {
                if (ops && ops->free && backend)
                        ops->free(backend);
                return -EINVAL;
        }
        r = calloc(1, sizeof(*r));
        if (!r) {
                ops->free(backend);
                return -ENOMEM;
        }
        r->ops = ops;
        r->backend = backend;
        r->timeout_ms = timeout_ms > 0 ? timeout_ms : EG_REGISTRY_DEFAULT_TIMEOUT_MS;
        r->event = e ? sd_event_ref(e) : NULL;
        r->next_request = 1;
        *ret = r;
        return 0;
}

/* One question to the backend (by passport, or by holder when birth_date is set), with the
 * registry's deadline and the exactly-once answer. */
static int start_lookup(struct eg_registry *r, const char *issuing_state,
                        const char *document_number, const struct eg_date *birth_date,
                        eg_registry_lookup_fn done, void *userdata, uint64_t *ret_request) {
        struct eg_registry_pending *p;
        uint64_t timeout_usec;
        int k;

        /* A registry put together by hand (tests) gets the thread's default loop. */
        if (!r->event) {
                k = sd_event_default(&r->event);
                if (k < 0)
                        return k;
        }
        if (r->next_request == 0)
                r->next_request = 1;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->registry = r;
        p->id = r->next_request++;
        p->done = done;
        p->userdata = userdata;
        timeout_usec =
                (uint64_t) (r->timeout_ms ? r->timeout_ms : EG_REGISTRY_DEFAULT_TIMEOUT_MS) * 1000u;
        k = sd_event_add_time_relative(r->event, &p->timer, CLOCK_MONOTONIC, timeout_usec,
                                       eg_deadline_accuracy_usec(timeout_usec), on_deadline, p);
        if (k < 0) {
                pending_free(p);
                return k;
        }
        EG_LIST_APPEND(pending, r->pending, p);

        p->starting = true;
        if (birth_date)
                k = r->ops->lookup_holder(r->backend, issuing_state, birth_date, on_backend_answer,
                                          p, &p->backend_request);
        else
                k = r->ops->lookup(r->backend, issuing_state, document_number, on_backend_answer, p,
                                   &p->backend_request);
        p->starting = false;
        if (k >= 0 && p->answered && !p->defer) {
                /* Answered inside, and no way to hand the answer over from the loop. */
                eg_member_free(TAKE_PTR(p->deferred_member));
                k = -ENOMEM;
        }
        if (k < 0) {
                if (p->answered || p->backend_done) {
                        /* A backend that both called back and failed: believe the failure,
                         * and make sure the caller hears nothing. */
                        log_error("registry: backend %s called back and failed the same lookup",
                                  strna(r->ops->name));
                }
                EG_LIST_REMOVE(pending, r->pending, p);
                pending_free(p);
                return k;
        }
        if (ret_request)
                *ret_request = p->id;
        return 0;
}

int eg_registry_lookup(struct eg_registry *r, const char *issuing_state,
                       const char *document_number, eg_registry_lookup_fn done, void *userdata,
                       uint64_t *ret_request) {
        if (!r || !done)
                return -EINVAL;
        if (!text_is(issuing_state, 1, 3, is_state_char) ||
            !text_is(document_number, 1, EG_MEMBER_DOCUMENT_NUMBER_MAX, is_number_char))
                return -EINVAL;
        return start_lookup(r, issuing_state, document_number, NULL, done, userdata, ret_request);
}

int eg_registry_lookup_holder(struct eg_registry *r, const char *issuing_state,
                              const struct eg_date *birth_date, eg_registry_lookup_fn done,
                              void *userdata, uint64_t *ret_request) {
        if (!r || !done || !birth_date)
                return -EINVAL;
        if (!r->ops->lookup_holder)
                return -EOPNOTSUPP;
        /* The backend judges the date: the wrapper stays free of date arithmetic. */
        if (!text_is(issuing_state, 1, 3, is_state_char))
                return -EINVAL;
        return start_lookup(r, issuing_state, NULL, birth_date, done, userdata, ret_request);
}

void eg_registry_cancel(struct eg_registry *r, uint64_t request) {
        struct eg_registry_pending *p;

        if (!r)
                return;
        p = pending_find(r, request);
        if (!p)
                return;
        if (p->defer) {
                /* An answer is scheduled but not delivered: the caller asked first. */
                eg_member_free(TAKE_PTR(p->deferred_member));
                p->deferred_status = -ECANCELED;
                return;
        }
        if (p->answered)
                return;
        if (!p->backend_done && r->ops->cancel)
                r->ops->cancel(r->backend, p->backend_request);
        /* The callback comes from the loop, never from inside eg_registry_cancel()... */
        eg_member_free(TAKE_PTR(p->deferred_member));
        if (answer_later(p, -ECANCELED, NULL) < 0) {
                /* ...unless the loop cannot take it: once, now, beats never. */
                answer(p, -ECANCELED, NULL);
        }
}

void eg_registry_free(struct eg_registry *r) {
        if (!r)
                return;
        /* The backend first: afterwards it can no longer call back into our records. */
        if (r->ops && r->ops->free)
                r->ops->free(r->backend);
        while (r->pending) {
                struct eg_registry_pending *p = r->pending;

                EG_LIST_REMOVE(pending, r->pending, p);
                pending_free(p);
        }
        sd_event_unref(r->event);
        free(r);
}

int eg_registry_admin(struct eg_registry *r, const struct eg_registry_admin_request *req,
                      eg_registry_admin_fn done, void *userdata) {
        if (!r || !req || !done || (unsigned) req->kind >= EG_REGISTRY_ADMIN_KIND_MAX_)
                return -EINVAL;
        if (!r->ops->admin)
                return -EOPNOTSUPP;
        return r->ops->admin(r->backend, req, done, userdata);
}
