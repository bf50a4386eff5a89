/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The external registry backend: each question goes to the deployment's bridge over a
 * fresh Unix stream connection, as one JSON line, and one JSON line comes back
 * (docs/registry.md, "An external registry").  One connection per question keeps the
 * bridge trivial (no framing beyond the newline, no request ids, no pipelining) and means
 * a bridge restart only ever fails the questions in flight.
 *
 * Everything runs on the event loop; the connection is a line call (line-call.h), shared
 * with the external background check.  The answer reaches the caller through a defer
 * source made when the question started, so answering cannot fail for want of memory and
 * never happens inside lookup() or cancel() (the pipeline calls lookup_holder() and
 * cancel() directly, without the wrapper, and relies on that too).
 *
 * The question holds a document number or a birth date, the answer a whole member: the
 * buffers holding either, and the strings of the parsed answer, are wiped before they are
 * freed.  The log gets the socket, the question's kind and what went wrong, never a value.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "line-call.h"
#include "bridge-answer.h"
#include "list.h"
#include "log.h"
#include "registry-external-internal.h"
#include "registry-external.h"
#include "json-keys.h"

#define ANSWER_CHUNK (64u * 1024u) /* bytes read per wake-up, at most */
#define ANSWER_INITIAL 4096u
#define JSON_DEPTH_MAX 10 /* envelope > member > fingers > finger is 4 */
#define MESSAGE_LOG_MAX 128u /* bytes of the bridge's "unavailable" message we may log */
#define ERROR_LOG_MAX 256u /* bytes of the member parser's reason we may log */
#define SUN_PATH_SIZE sizeof(((struct sockaddr_un *) NULL)->sun_path)

struct registry_external;

struct external_request {
        struct registry_external *owner;
        uint64_t id;
        struct eg_registry_external_question q;

        struct eg_line_call *call; /* NULL once the answer is known */

        sd_event_source *deliver; /* off until the answer is known */
        int status;
        struct eg_member *member;
        eg_registry_lookup_fn done;
        void *userdata;
        EG_LIST_FIELDS(struct external_request, requests);
};

struct registry_external {
        sd_event *event;
        char *socket_path;
        struct external_request *requests;
        uint64_t next_id;
};

DEFINE_TRIVIAL_CLEANUP_FUNC(json_tokener *, json_tokener_free)

static void wipe_free(void *p, size_t len) {
        if (!p)
                return;
        explicit_bzero(p, len);
        free(p);
}

static const char *op_name(const struct eg_registry_external_question *q) {
        return q->by_holder ? "lookup-holder" : "lookup";
}

/* The connection and its buffers; the answer, if any, stays for delivery. */
static void request_close(struct external_request *req) {
        req->call = eg_line_call_free(req->call);
}

static void request_free(struct external_request *req) {
        if (!req)
                return;
        request_close(req);
        req->deliver = sd_event_source_disable_unref(req->deliver);
        eg_member_free(req->member);
        wipe_free(req, sizeof(*req)); /* the document number or birth date */
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct external_request *, request_free)

static int on_deliver(sd_event_source *s, void *userdata) {
        struct external_request *req = userdata;
        eg_registry_lookup_fn done = req->done;
        void *ud = req->userdata;
        int status = req->status;
        struct eg_member *member = status >= 0 ? TAKE_PTR(req->member) : NULL;

        /* Gone before the callback: it may free the whole registry. */
        EG_LIST_REMOVE(requests, req->owner->requests, req);
        request_free(req);
        done(status, member, ud);
        return 0;
}

/* The answer is known: hang up, and hand it over on the loop's next iteration.  Returns
 * status. */
static int finish(struct external_request *req, int status, struct eg_member *member) {
        int r;

        request_close(req);
        eg_member_free(req->member);
        req->member = member;
        req->status = status;
        /* Enabling a source allocates nothing; it fails only on a dead loop. */
        r = sd_event_source_set_enabled(req->deliver, SD_EVENT_ONESHOT);
        if (r < 0)
                log_error_errno(r, "registry: cannot schedule the bridge's answer: %m");
        return status;
}

/* What went wrong, for the log (never a value from the question or the answer). */
_printf_(4, 0) static void log_failv(const char *socket_path,
                                     const struct eg_registry_external_question *q, int error,
                                     const char *fmt, va_list ap) {
        _cleanup_free_ char *what = NULL;

        if (vasprintf(&what, fmt, ap) < 0)
                what = NULL;
        log_full_errno(LOG_WARNING, error, "registry: bridge %s (%s): %s", socket_path, op_name(q),
                       what ? what : fmt);
}

/* As log_failv(), and the request ends with status.  Returns status. */
_printf_(4, 5) static int fail(struct external_request *req, int status, int error, const char *fmt,
                               ...) {
        va_list ap;

        va_start(ap, fmt);
        log_failv(req->owner->socket_path, &req->q, error, fmt, ap);
        va_end(ap);
        return finish(req, status, NULL);
}

/* As log_failv(), for an answer that is not valid.  Returns -EIO. */
_printf_(4, 5) static int answer_fail(const char *socket_path,
                                      const struct eg_registry_external_question *q, int error,
                                      const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        log_failv(socket_path, q, error, fmt, ap);
        va_end(ap);
        return -EIO;
}

/* For the log: a text about the answer to q (bridge-answer.h says what passes).  A birth
 * date asked about is caught as a date shape; a document number is named. */
static bool loggable(const struct eg_registry_external_question *q, const char *text, size_t len,
                     size_t max) {
        const char *const avoid[] = { q->by_holder ? NULL : q->document_number, NULL };

        return eg_bridge_text_is_loggable(text, len, max, avoid);
}

static bool member_answers(const struct eg_registry_external_question *q,
                           const struct eg_member *m) {
        if (q->by_holder && eg_date_compare(&m->birth_date, &q->birth_date) != 0)
                return false;
        for (size_t i = 0; i < m->n_passports; i++) {
                const struct eg_member_passport *p = &m->passports[i];

                if (!streq(p->issuing_state, q->issuing_state))
                        continue;
                if (q->by_holder || streq(p->document_number, q->document_number))
                        return true;
        }
        return false;
}

static int answer_member(const char *socket_path, const struct eg_registry_external_question *q,
                         json_object *o, const struct eg_date *today, struct eg_member **ret) {
        _cleanup_(eg_member_freep) struct eg_member *m = NULL;
        _cleanup_free_ char *error = NULL;
        struct eg_date now;
        int r;

        if (!today) {
                eg_registry_today(&now);
                today = &now;
        }
        r = eg_registry_json_parse_member_object(o, today, &m, &error);
        if (r == -ENOMEM)
                return answer_fail(socket_path, q, ENOMEM, "cannot take the member");
        /* The parser's errors name the place, never the value; but the place may be a field
         * the bridge named after a value (the import format quotes plain field names). */
        if (r < 0 && error && !loggable(q, error, strlen(error), ERROR_LOG_MAX))
                return answer_fail(socket_path, q, 0,
                                   "the member is not valid (reason withheld: it quotes what "
                                   "may be personal data)");
        if (r < 0)
                return answer_fail(socket_path, q, 0, "the member is not valid: %s",
                                   error ? error : "(no reason given)");
        if (!member_answers(q, m))
                return answer_fail(socket_path, q, 0,
                                   q->by_holder
                                           ? "the member is not born on the date asked about "
                                             "or has no passport of the state asked about"
                                           : "the member does not hold the passport asked about");
        /* A holder may be a stranger who shares the birthday: the answer only words a
         * referral, and carries no templates or face. */
        if (q->by_holder)
                eg_member_drop_biometrics(m);
        log_debug("registry: bridge %s (%s): member %s", socket_path, op_name(q), m->id);
        *ret = TAKE_PTR(m);
        return 0;
}

static int answer_unavailable(const char *socket_path,
                              const struct eg_registry_external_question *q, json_object *message) {
        const char *msg = message ? json_object_get_string(message) : NULL;
        size_t len = message ? (size_t) json_object_get_string_len(message) : 0;

        if (!msg)
                log_warning("registry: bridge %s (%s): the registry is unavailable (no reason "
                            "given)",
                            socket_path, op_name(q));
        else if (loggable(q, msg, len, MESSAGE_LOG_MAX))
                log_warning("registry: bridge %s (%s): the registry is unavailable: %s",
                            socket_path, op_name(q), msg);
        else
                log_warning("registry: bridge %s (%s): the registry is unavailable (reason "
                            "withheld: not a short plain message)",
                            socket_path, op_name(q));
        return -EIO;
}

/* The fields of the envelope for its result; anything else is refused. */
static bool envelope_fields_ok(json_object *root, const char *result) {
        struct json_object_iterator it = json_object_iter_begin(root);
        struct json_object_iterator end = json_object_iter_end(root);

        for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
                const char *key = json_object_iter_peek_name(&it);

                if (streq(key, "result") || (streq(key, "member") && streq(result, "member")) ||
                    (streq(key, "message") && streq(result, "unavailable")))
                        continue;
                return false;
        }
        return true;
}

/* One whole line (without its newline): the bridge's answer.  json-c's tokener keeps scratch
 * copies of strings in its own buffer, which it frees unwiped; the import path shares that
 * limit, and the tree itself is wiped below. */
int eg_registry_external_answer(const char *socket_path,
                                const struct eg_registry_external_question *q, const char *line,
                                size_t len, const struct eg_date *today,
                                struct eg_member **ret_member) {
        _cleanup_(json_tokener_freep) json_tokener *tok = NULL;
        _cleanup_(eg_bridge_json_wipe_put) json_object *root = NULL;
        json_object *v = NULL, *message = NULL;
        enum json_tokener_error e;
        const char *result;
        size_t repeated;
        int r;

        if (len == 0)
                return answer_fail(socket_path, q, 0, "an empty answer");
        if (memchr(line, '\0', len))
                return answer_fail(socket_path, q, 0, "not valid JSON: a NUL byte");
        tok = json_tokener_new_ex(JSON_DEPTH_MAX);
        if (!tok)
                return answer_fail(socket_path, q, ENOMEM, "cannot parse the answer");
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        root = json_tokener_parse_ex(tok, line, (int) len);
        e = json_tokener_get_error(tok);
        if (!root || e != json_tokener_success)
                return answer_fail(socket_path, q, 0, "not valid JSON at byte %zu: %s",
                                   json_tokener_get_parse_end(tok),
                                   e == json_tokener_continue ? "the line ends early"
                                                              : json_tokener_error_desc(e));
        for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
                if (!strchr(" \t\r", line[i]))
                        return answer_fail(socket_path, q, 0,
                                           "not valid JSON at byte %zu: more after the "
                                           "answer",
                                           i);
        /* json-c keeps the last of a repeated key: "not-found" must not hide behind it. */
        r = eg_json_find_repeated_key(line, len, &repeated);
        if (r < 0)
                return answer_fail(socket_path, q, -r, "cannot check the answer's fields");
        if (r > 0)
                return answer_fail(socket_path, q, 0,
                                   "a field given twice in one object at byte %zu", repeated);
        if (!json_object_is_type(root, json_type_object))
                return answer_fail(socket_path, q, 0, "the answer is not an object");
        if (!json_object_object_get_ex(root, "result", &v) ||
            !json_object_is_type(v, json_type_string))
                return answer_fail(socket_path, q, 0, "the answer has no \"result\" string");
        result = json_object_get_string(v);
        if (!streq(result, "member") && !streq(result, "not-found") &&
            !streq(result, "unavailable"))
                return answer_fail(socket_path, q, 0,
                                   "unknown result (expected member, not-found or unavailable)");
        if (!envelope_fields_ok(root, result))
                return answer_fail(socket_path, q, 0, "unknown field in a \"%s\" answer", result);

        if (streq(result, "not-found")) {
                log_debug("registry: bridge %s (%s): not found", socket_path, op_name(q));
                return -ENOENT;
        }
        if (streq(result, "unavailable")) {
                if (json_object_object_get_ex(root, "message", &message) &&
                    !json_object_is_type(message, json_type_string))
                        return answer_fail(socket_path, q, 0, "\"message\" is not a string");
                return answer_unavailable(socket_path, q, message);
        }
        if (!json_object_object_get_ex(root, "member", &v))
                return answer_fail(socket_path, q, 0, "a \"member\" answer without the member");
        return answer_member(socket_path, q, v, today, ret_member);
}

static void on_call_line(struct eg_line_call *call, const char *line, size_t len, void *userdata) {
        struct external_request *req = userdata;
        struct eg_member *m = NULL;
        int r;

        r = eg_registry_external_answer(req->owner->socket_path, &req->q, line, len, NULL, &m);
        (void) finish(req, r, m);
}

static int on_call_error(struct eg_line_call *call, enum eg_line_call_error kind, int error,
                         const char *what, void *userdata) {
        return fail(userdata, kind == EG_LINE_CALL_CONNECT ? -ENOTCONN : -EIO, error, "%s", what);
}

static const struct eg_line_call_ops call_ops = {
        .log_name = "registry",
        .description = "registry-external",
        .answer_max = EG_REGISTRY_EXTERNAL_LINE_MAX,
        .answer_initial = ANSWER_INITIAL,
        .read_chunk = ANSWER_CHUNK,
        .on_line = on_call_line,
        .on_error = on_call_error,
};

/* Connect and watch; a bridge that cannot be reached is answered (-ENOTCONN) from the
 * loop like any other failure.  <0 only for our own resources (no callback then). */
static int request_start(struct registry_external *b, struct external_request *req,
                         const char *question, size_t question_len, uint64_t *ret_request) {
        int r;

        r = sd_event_add_defer(b->event, &req->deliver, on_deliver, req);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(req->deliver, SD_EVENT_OFF);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(req->deliver, "registry-external-answer");

        r = eg_line_call_new(&call_ops, question, question_len, req, &req->call);
        if (r < 0)
                return r;
        /* The socket path was checked at open. */
        r = eg_line_call_connect(req->call, b->event, b->socket_path);
        if (r < 0)
                return r;
        if (++b->next_id == 0)
                b->next_id = 1;
        req->id = b->next_id;
        req->owner = b;
        EG_LIST_APPEND(requests, b->requests, req);
        *ret_request = req->id;
        return 0;
}

static int request_new(struct registry_external *b, const char *issuing_state,
                       eg_registry_lookup_fn done, void *userdata, struct external_request **ret) {
        struct external_request *req;

        req = calloc(1, sizeof(*req));
        if (!req)
                return -ENOMEM;
        req->owner = b;
        req->done = done;
        req->userdata = userdata;
        /* As SQLite stores it ("D" and "D<<" are the same state): the bridge sees three. */
        if (eg_issuing_state_normalize(issuing_state, req->q.issuing_state) < 0) {
                request_free(req);
                return -EINVAL;
        }
        *ret = req;
        return 0;
}

static int external_lookup(void *backend, const char *issuing_state, const char *document_number,
                           eg_registry_lookup_fn done, void *userdata, uint64_t *ret_request) {
        struct registry_external *b = backend;
        _cleanup_(request_freep) struct external_request *req = NULL;
        char *question = NULL;
        int n, r;

        if (!eg_document_number_is_valid(document_number))
                return -EINVAL;
        r = request_new(b, issuing_state, done, userdata, &req);
        if (r < 0)
                return r;
        strcpy(req->q.document_number, document_number);
        /* Both values are [A-Z0-9<] (checked above): nothing to escape. */
        n = asprintf(&question,
                     "{\"version\":1,\"op\":\"lookup\",\"issuing_state\":\"%s\","
                     "\"document_number\":\"%s\"}\n",
                     req->q.issuing_state, req->q.document_number);
        if (n < 0)
                return -ENOMEM;
        r = request_start(b, req, question, (size_t) n, ret_request);
        wipe_free(question, (size_t) n);
        if (r < 0)
                return r;
        TAKE_PTR(req);
        return 0;
}

static int external_lookup_holder(void *backend, const char *issuing_state,
                                  const struct eg_date *birth_date, eg_registry_lookup_fn done,
                                  void *userdata, uint64_t *ret_request) {
        struct registry_external *b = backend;
        _cleanup_(request_freep) struct external_request *req = NULL;
        char *question = NULL, date[11];
        int n, r;

        if (!birth_date || eg_date_format_iso(birth_date, date) < 0)
                return -EINVAL;
        r = request_new(b, issuing_state, done, userdata, &req);
        if (r < 0)
                return r;
        req->q.by_holder = true;
        req->q.birth_date = *birth_date;
        n = asprintf(&question,
                     "{\"version\":1,\"op\":\"lookup-holder\",\"issuing_state\":\"%s\","
                     "\"birth_date\":\"%s\"}\n",
                     req->q.issuing_state, date);
        explicit_bzero(date, sizeof(date));
        if (n < 0)
                return -ENOMEM;
        r = request_start(b, req, question, (size_t) n, ret_request);
        wipe_free(question, (size_t) n);
        if (r < 0)
                return r;
        TAKE_PTR(req);
        return 0;
}

static void external_cancel(void *backend, uint64_t id) {
        struct registry_external *b = backend;
        struct external_request *req;

        EG_LIST_FOREACH (requests, req, b->requests)
                if (req->id == id) {
                        /* Hang up (the bridge sees end-of-file); the callback follows from
                         * the loop with -ECANCELED, even if the answer had arrived. */
                        (void) finish(req, -ECANCELED, NULL);
                        return;
                }
}

static void external_free(void *backend) {
        struct registry_external *b = backend;

        if (!b)
                return;
        while (b->requests) {
                struct external_request *req = b->requests;

                EG_LIST_REMOVE(requests, b->requests, req);
                request_free(req);
        }
        free(b->socket_path);
        sd_event_unref(b->event);
        free(b);
}

static const struct eg_registry_backend_ops external_ops = {
        .name = "external",
        .lookup = external_lookup,
        .cancel = external_cancel,
        .free = external_free,
        .admin = NULL, /* managed centrally: Add, Import, ... answer NotSupported */
        .lookup_holder = external_lookup_holder,
};

bool eg_registry_external_socket_path_is_valid(const char *path) {
        return path && path[0] == '/' && strnlen(path, SUN_PATH_SIZE) < SUN_PATH_SIZE;
}

int eg_registry_external_open(sd_event *e, const char *socket_path, struct eg_registry **ret) {
        struct registry_external *b;
        int r;

        if (!e || !ret)
                return -EINVAL;
        if (!eg_registry_external_socket_path_is_valid(socket_path)) {
                log_error("registry: the bridge's socket must be an absolute path of at most "
                          "%zu bytes",
                          SUN_PATH_SIZE - 1);
                return -EINVAL;
        }
        b = calloc(1, sizeof(*b));
        if (!b)
                return log_oom();
        b->event = sd_event_ref(e);
        b->socket_path = strdup(socket_path);
        if (!b->socket_path) {
                external_free(b);
                return log_oom();
        }
        /* Not connected now: the bridge may start after egated.  eg_registry_new() frees b
         * on failure. */
        r = eg_registry_new(e, &external_ops, b, EG_REGISTRY_DEFAULT_TIMEOUT_MS, ret);
        if (r < 0)
                return log_error_errno(r, "registry: cannot set up: %m");
        log_info("registry: members answered by the bridge at %s", socket_path);
        return 0;
}
