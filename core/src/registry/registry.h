/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The member registry: who is enrolled in the programme, with which
 * passports and fingerprint templates.  The pipeline asks it one question
 * per traveller (eg_registry_lookup); enrolment stations and operators
 * manage it over D-Bus (org.egate.EGate1.Registry).
 *
 * A backend answers the lookup.  The default is SQLite in the daemon's state
 * directory (registry-sqlite.c); a deployment may answer from a central back
 * end instead by providing another struct eg_registry_backend.  Lookups are
 * asynchronous: a backend never blocks the event loop (SQLite runs on its own
 * worker thread).
 *
 * Everything in struct eg_member is personal data: never log it, and wipe
 * it with eg_member_free().
 *
 * See docs/registry.md for the schema, the import format and how to plug in
 * a backend.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "emrtd/date.h"
#include "macro.h"

struct eg_manager;

enum eg_member_status {
        EG_MEMBER_CONDITIONAL = 0, /* conditionally approved applicant: not yet a member */
        EG_MEMBER_ACTIVE,
        EG_MEMBER_SUSPENDED,
        EG_MEMBER_REVOKED,
        EG_MEMBER_EXPIRED,
        EG_MEMBER_STATUS_MAX_,
};

const char *eg_member_status_to_string(enum eg_member_status s); /* "conditional", "active", ... */
int eg_member_status_from_string(const char *s);

/* ISO/IEC 19794-2 finger positions 1..10 <-> "right-thumb" .. "left-little"
 * (0 "any" is not a position a template can be enrolled under). */
const char *eg_finger_position_to_string(int position);
int eg_finger_position_from_string(const char *s); /* 1..10 or -EINVAL */

#define EG_MEMBER_ID_MAX 39 /* characters of struct eg_member.id */
#define EG_MEMBER_DOCUMENT_NUMBER_MAX 22 /* characters of a document number */

struct eg_member_passport {
        char issuing_state[4]; /* ICAO 9303 three-letter code */
        char document_number[23]; /* without fillers; long numbers allowed */
        struct eg_date expiry;
};

struct eg_member_finger {
        int position; /* ISO/IEC 19794-2: 1 right thumb .. 10 left little */
        char *format; /* template format, e.g. "libfprint-fpi-data", "egate-mock" */
        uint8_t *data;
        size_t len;
};

struct eg_member {
        char id[40]; /* programme member id, e.g. "GE-100001"; not personal by itself */
        enum eg_member_status status;
        struct eg_date birth_date;
        bool has_enrolled;
        struct eg_date enrolled; /* enrolment completed: membership runs from here */
        bool has_conditional_approval;
        struct eg_date conditional_approval;
        struct eg_member_passport *passports;
        size_t n_passports;
        struct eg_member_finger *fingers;
        size_t n_fingers;
        uint8_t *face; /* reference face image, NULL if none */
        size_t face_len;
        char *face_mime;
};

/* The gate's calendar day (local time), the day the pipeline judges a passage by: the one
 * to write as a member's dates (an activation's enrolment) and to check them against. */
void eg_registry_today(struct eg_date *ret);

void eg_member_free(struct eg_member *m); /* wipes and frees the contents and m itself */
/* Wipes and frees the templates and the face: for answers that must not carry them. */
void eg_member_drop_biometrics(struct eg_member *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct eg_member *, eg_member_free)
struct eg_member *eg_member_dup(const struct eg_member *m);

/*
 * The lookup's answer.  status: 0 found (member set, owned by the callback,
 * which frees it with eg_member_free()), -ENOENT no member holds this
 * passport, -ETIMEDOUT / -EIO / -ENOTCONN the registry is unavailable,
 * -ECANCELED cancelled.  Runs exactly once, from the event loop.
 */
typedef void (*eg_registry_lookup_fn)(int status, struct eg_member *member, void *userdata);

/*
 * Administration: enrolment stations and operators (D-Bus
 * org.egate.EGate1.Registry, egatectl member ...).  Optional for a backend: one
 * that only answers lookups (a central back end managed elsewhere) leaves
 * admin NULL, and these requests fail with -EOPNOTSUPP.
 */
enum eg_registry_admin_kind {
        EG_REGISTRY_ADMIN_ADD, /* json: one member (docs/registry.md) */
        EG_REGISTRY_ADMIN_IMPORT, /* fd: a regular file, {"members": [...]} */
        EG_REGISTRY_ADMIN_LIST, /* -> summaries */
        EG_REGISTRY_ADMIN_SHOW, /* member_id -> json (personal data) */
        EG_REGISTRY_ADMIN_SET_STATUS, /* member_id, status, reason */
        EG_REGISTRY_ADMIN_REMOVE, /* member_id, reason: personal data wiped */
        EG_REGISTRY_ADMIN_STORE_FINGER, /* member_id, finger: replaces (position, format) */
        EG_REGISTRY_ADMIN_EXISTS, /* member_id: 0 or -ENOENT */
        EG_REGISTRY_ADMIN_KIND_MAX_,
};

struct eg_registry_admin_request {
        enum eg_registry_admin_kind kind;
        const char *member_id;
        const char *json;
        int fd; /* IMPORT only; the backend duplicates it */
        enum eg_member_status status;
        const char *reason;
        const char *actor; /* who asked ("uid 1000 (:1.42)"): stored in the status history */
        const struct eg_member_finger *finger;
};

/* What a list may show: ids, status and dates; no names, birth dates or documents. */
struct eg_member_summary {
        char id[40];
        enum eg_member_status status;
        bool has_enrolled;
        struct eg_date enrolled;
        bool has_conditional_approval;
        struct eg_date conditional_approval;
        char updated[21]; /* last change, "YYYY-MM-DDTHH:MM:SSZ" */
};

struct eg_registry_admin_result {
        /* 0, -ENOENT no such member, -EEXIST member or passport already there, -EINVAL
         * bad input or a change the status rules forbid, -EMSGSIZE input too large,
         * -EOPNOTSUPP no admin in this backend, -EIO / -ENOTCONN storage failed. */
        int status;
        char *message; /* on failure: what and where ("members[3].passports[0].expiry: ..."),
                         * never personal data */
        unsigned count; /* IMPORT: members imported */
        struct eg_member_summary *summaries; /* LIST, sorted by id */
        size_t n_summaries;
        char *json; /* SHOW: the member as JSON: personal data, wiped by _done() */
};

void eg_registry_admin_result_done(struct eg_registry_admin_result *r);

/* Runs exactly once, from the event loop; result's contents are freed after it returns
 * (take what you keep with TAKE_PTR). */
typedef void (*eg_registry_admin_fn)(struct eg_registry_admin_result *result, void *userdata);

/*
 * The registry plugin point.  A backend's callbacks run from the event loop,
 * never from inside the call that started the request; after cancel() the
 * lookup's callback still runs once (with -ECANCELED or its answer: the
 * wrapper tells the caller -ECANCELED either way).  free() drops pending
 * requests without calling back.
 */
struct eg_registry_backend_ops {
        const char *name; /* "sqlite", ... */
        int (*lookup)(void *backend, const char *issuing_state, const char *document_number,
                      eg_registry_lookup_fn done, void *userdata, uint64_t *ret_request);
        void (*cancel)(void *backend, uint64_t request);
        void (*free)(void *backend);
        /* Optional (NULL: read-only backend).  The backend copies what it needs from req
         * before returning.  Errors returned here mean no callback follows. */
        int (*admin)(void *backend, const struct eg_registry_admin_request *req,
                     eg_registry_admin_fn done, void *userdata);
        /*
         * PIPELINE extension, optional (NULL: not available).  After a lookup found no
         * member for a passport: is there a member born on `birth_date` with a registered
         * passport of `issuing_state`?  Only ever used to word the referral (a member whose
         * new passport is not registered yet, E_PASSPORT_NOT_REGISTERED, rather than
         * E_NOT_ENROLLED); it never admits anyone.  The member comes without fingers and
         * face (eg_member_drop_biometrics()): it may be a stranger who shares the birthday.
         * Same callback rules as lookup(): once, from the loop; cancel() ends it.
         */
        int (*lookup_holder)(void *backend, const char *issuing_state,
                             const struct eg_date *birth_date, eg_registry_lookup_fn done,
                             void *userdata, uint64_t *ret_request);
};

struct eg_registry_pending;

struct eg_registry {
        const struct eg_registry_backend_ops *ops;
        void *backend;
        uint32_t timeout_ms; /* the registry's own deadline; the pipeline has one too */

        /* The wrapper's own state (eg_registry_new() sets it up). */
        sd_event *event;
        struct eg_registry_pending *pending;
        uint64_t next_request;
};

#define EG_REGISTRY_DEFAULT_TIMEOUT_MS 3000u

/* Wrap a backend (taking ownership of it: ops->free runs on failure too). */
int eg_registry_new(sd_event *e, const struct eg_registry_backend_ops *ops, void *backend,
                    uint32_t timeout_ms, struct eg_registry **ret);

/*
 * Who holds this passport?  issuing_state as in the MRZ ("D<<" is fine),
 * document_number without fillers.  Returns 0 with *ret_request set (the
 * callback follows), or -EINVAL / -ENOMEM / the backend's refusal (no
 * callback).  When timeout_ms passes first, the callback gets -ETIMEDOUT
 * and the backend's request is cancelled.
 */
int eg_registry_lookup(struct eg_registry *r, const char *issuing_state,
                       const char *document_number, eg_registry_lookup_fn done, void *userdata,
                       uint64_t *ret_request);
/*
 * ops->lookup_holder() through the same wrapper (deadline, one answer from the loop,
 * eg_registry_cancel()).  -EOPNOTSUPP when the backend has none.  The SQLite backend answers
 * with the first member (by id) born on birth_date who registered a passport of
 * issuing_state, or -ENOENT.
 */
int eg_registry_lookup_holder(struct eg_registry *r, const char *issuing_state,
                              const struct eg_date *birth_date, eg_registry_lookup_fn done,
                              void *userdata, uint64_t *ret_request);
/* The callback runs (later, from the loop) with -ECANCELED.  Unknown ids are ignored. */
void eg_registry_cancel(struct eg_registry *r, uint64_t request);
/* Pending callbacks are dropped, not called. */
void eg_registry_free(struct eg_registry *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct eg_registry *, eg_registry_free)

/* Start an admin request; 0 and the callback follows, or an error and it does not. */
int eg_registry_admin(struct eg_registry *r, const struct eg_registry_admin_request *req,
                      eg_registry_admin_fn done, void *userdata);
