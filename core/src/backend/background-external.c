/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The external background backend: each check goes to the deployment's bridge over a fresh
 * Unix stream connection, as one JSON line, and one JSON line comes back
 * (docs/background.md).  The design is the external registry's (registry-external.c): one
 * connection per question keeps the bridge trivial (no framing beyond the newline, no
 * request ids) and a bridge restart fails only the checks in flight; the connection is
 * the same line call (line-call.h); the verdict reaches the caller through a defer source
 * made when the check started, so answering cannot fail for want of memory and never
 * happens inside check() or cancel().
 *
 * The transport is shared, what the answer means is not: the registry reads up to 8 MiB
 * and parses a member, this reads at most 4 KiB into a fixed buffer, and the two differ
 * where it matters here -- what an irregular answer means.  A registry answer that is not
 * exactly right is unavailable; a background answer that names a hit is a hit, whatever is
 * wrong around it (unknown fields, junk after the object or after the newline, a missing
 * newline before the bridge hangs up), because "unavailable" may let the traveller through
 * (background-unavailable = continue) and the alarm would be lost.  Anything else that is
 * not exactly right is unavailable.
 *
 * The question holds a document number and a birth date: the check (question, answer and
 * the copies kept to screen the bridge's message) is wiped before it is freed.  The log
 * gets the socket and what went wrong, never a value from the question.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "background-external-internal.h"
#include "background.h"
#include "emrtd/date.h"
#include "emrtd/mrz.h"
#include "line-call.h"
#include "bridge-answer.h"
#include "json-keys.h"
#include "list.h"
#include "log.h"
#include "macro.h"
#include "registry/registry-json.h"

#define LINE_MAX_BYTES EG_BACKGROUND_EXTERNAL_LINE_MAX
#define QUESTION_MAX 256u /* the longest question is about 170 bytes */
#define JSON_DEPTH_MAX 16 /* the envelope is 1; room for a bridge's extra fields on a hit */
#define MESSAGE_LOG_MAX 128u /* bytes of the bridge's "unavailable" message we may log */
#define SUN_PATH_SIZE sizeof(((struct sockaddr_un *) NULL)->sun_path)

#ifndef JSON_TOKENER_ALLOW_TRAILING_CHARS /* json-c < 0.15: junk after the object is an error */
#define JSON_TOKENER_ALLOW_TRAILING_CHARS 0
#endif

struct background_external;

struct external_check {
        struct background_external *owner;
        uint64_t id;
        /* Kept to screen the bridge's message (personal data). */
        struct eg_background_external_question q;

        struct eg_line_call *call; /* NULL once the verdict is known */

        sd_event_source *deliver; /* off until the verdict is known */
        bool answered;
        enum eg_background_verdict verdict;
        eg_background_done_fn done;
        void *userdata;
        EG_LIST_FIELDS(struct external_check, checks);
};

struct background_external {
        sd_event *event;
        char *socket_path;
        struct external_check *checks;
        uint64_t next_id;
};

DEFINE_TRIVIAL_CLEANUP_FUNC(json_tokener *, json_tokener_free)

/* The connection and its buffers; the verdict, if known, stays for delivery. */
static void check_close(struct external_check *c) {
        c->call = eg_line_call_free(c->call);
}

static void check_free(struct external_check *c) {
        if (!c)
                return;
        check_close(c);
        c->deliver = sd_event_source_disable_unref(c->deliver);
        explicit_bzero(c, sizeof(*c)); /* the document number and birth date */
        free(c);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct external_check *, check_free)

static int on_deliver(sd_event_source *s, void *userdata) {
        struct external_check *c = userdata;
        eg_background_done_fn done = c->done;
        void *ud = c->userdata;
        enum eg_background_verdict verdict = c->verdict;

        /* Gone before the callback: it may free the whole backend. */
        EG_LIST_REMOVE(checks, c->owner->checks, c);
        check_free(c);
        done(verdict, ud);
        return 0;
}

/* The verdict is known: hang up, and hand it over on the loop's next iteration. */
static int finish(struct external_check *c, enum eg_background_verdict verdict) {
        int r;

        check_close(c);
        c->answered = true;
        c->verdict = verdict;
        /* Enabling a source allocates nothing; it fails only on a dead loop. */
        r = sd_event_source_set_enabled(c->deliver, SD_EVENT_ONESHOT);
        if (r < 0)
                log_error_errno(r, "background: cannot schedule the bridge's answer: %m");
        return 0;
}

/* What went wrong, for the log (never a value from the question): the check is
 * unavailable. */
_printf_(3, 0) static void log_failv(const char *socket_path, int error, const char *fmt,
                                     va_list ap) {
        _cleanup_free_ char *what = NULL;

        if (vasprintf(&what, fmt, ap) < 0)
                what = NULL;
        if (error != 0)
                log_warning_errno(error, "background: bridge %s: %s: %m; the check is unavailable",
                                  socket_path, what ? what : fmt);
        else
                log_warning("background: bridge %s: %s; the check is unavailable", socket_path,
                            what ? what : fmt);
}

/* As log_failv(), and the check ends unavailable.  Returns -EIO. */
_printf_(3, 4) static int fail(struct external_check *c, int error, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        log_failv(c->owner->socket_path, error, fmt, ap);
        va_end(ap);
        (void) finish(c, EG_BACKGROUND_UNAVAILABLE);
        return -EIO;
}

/* As log_failv(), for an answer that gives no verdict.  Returns EG_BACKGROUND_UNAVAILABLE. */
_printf_(3, 4) static enum eg_background_verdict
        answer_fail(const char *socket_path, int error, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        log_failv(socket_path, error, fmt, ap);
        va_end(ap);
        return EG_BACKGROUND_UNAVAILABLE;
}

static void log_unavailable(const char *socket_path,
                            const struct eg_background_external_question *q, json_object *message) {
        const char *msg = message ? json_object_get_string(message) : NULL;
        size_t len = message ? (size_t) json_object_get_string_len(message) : 0;
        /* The birth date asked about is caught as a date shape (bridge-answer.h). */
        const char *const avoid[] = { q->document_number, NULL };

        if (!msg)
                log_warning("background: bridge %s: the background check is unavailable (no "
                            "reason given)",
                            socket_path);
        else if (eg_bridge_text_is_loggable(msg, len, MESSAGE_LOG_MAX, avoid))
                log_warning("background: bridge %s: the background check is unavailable: %s",
                            socket_path, msg);
        else
                log_warning("background: bridge %s: the background check is unavailable "
                            "(reason withheld: not a short plain message)",
                            socket_path);
}

static const struct {
        const char *name;
        enum eg_background_verdict verdict;
} results[] = {
        { "clear", EG_BACKGROUND_CLEAR },
        { "watchlist-hit", EG_BACKGROUND_WATCHLIST_HIT },
        { "lost-stolen", EG_BACKGROUND_LOST_STOLEN },
        { "unavailable", EG_BACKGROUND_UNAVAILABLE },
};

static bool verdict_is_hit(int v) {
        return v == EG_BACKGROUND_WATCHLIST_HIT || v == EG_BACKGROUND_LOST_STOLEN;
}

/* The verdict a "result" value names, or -1. */
static int verdict_named(json_object *v) {
        if (!json_object_is_type(v, json_type_string))
                return -1;
        for (size_t i = 0; i < ELEMENTSOF(results); i++)
                if (streq(json_object_get_string(v), results[i].name))
                        return (int) results[i].verdict;
        return -1;
}

/* Every "result" of the answer, not only the last that json-c keeps. */
struct results_seen {
        unsigned count;
        int hit; /* the strongest hit named: watchlist-hit before lost-stolen; -1 for none */
};

static int on_result(json_object *value, void *userdata) {
        struct results_seen *seen = userdata;
        int v = verdict_named(value);

        seen->count++;
        if (v == EG_BACKGROUND_WATCHLIST_HIT || (v == EG_BACKGROUND_LOST_STOLEN && seen->hit < 0))
                seen->hit = v;
        return 0;
}

struct parsed_answer {
        json_object *root;
        json_object *message; /* borrowed from root; a string */
        char problem[128]; /* why the answer is not exactly right; "" when it is */
};

static void parsed_answer_done(struct parsed_answer *a) {
        eg_bridge_json_wipe_put(&a->root);
}

/* Notes what is wrong (the first thing says enough).  Returns r. */
_printf_(3, 4) static int problem(struct parsed_answer *a, int r, const char *fmt, ...) {
        va_list ap;

        if (a->problem[0] != '\0')
                return r;
        va_start(ap, fmt);
        (void) vsnprintf(a->problem, sizeof(a->problem), fmt, ap);
        va_end(ap);
        return r;
}

/*
 * The bridge's answer (the line without its newline, or what came before the bridge hung
 * up): the verdict it names, with a->problem set when anything around it is wrong, or
 * -EBADMSG when it names none (a->problem says why), or -ENOMEM.  json-c's tokener keeps
 * scratch copies of strings that it frees unwiped; the line is at most 4 KiB and its
 * tree is wiped.
 */
static int answer_parse(const char *line, size_t len, struct parsed_answer *a) {
        _cleanup_(json_tokener_freep) json_tokener *tok = NULL;
        struct json_object_iterator it, end;
        enum json_tokener_error e;
        struct results_seen seen = { .hit = -1 };
        json_object *v = NULL;
        const char *result;
        size_t end_offset, repeated;
        int verdict, r;

        if (len == 0)
                return problem(a, -EBADMSG, "an empty answer");
        if (memchr(line, '\0', len))
                return problem(a, -EBADMSG, "not valid JSON: a NUL byte");
        tok = json_tokener_new_ex(JSON_DEPTH_MAX);
        if (!tok)
                return problem(a, -ENOMEM, "cannot parse the answer");
        /* What follows the object is judged below, once the verdict is known. */
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
        a->root = json_tokener_parse_ex(tok, line, (int) len);
        e = json_tokener_get_error(tok);
        if (!a->root || e != json_tokener_success)
                return problem(a, -EBADMSG, "not valid JSON at byte %zu: %s",
                               json_tokener_get_parse_end(tok),
                               e == json_tokener_continue ? "the line ends early"
                                                          : json_tokener_error_desc(e));
        if (!json_object_is_type(a->root, json_type_object))
                return problem(a, -EBADMSG, "the answer is not an object");
        /* json-c keeps the last of a repeated key.  A hit named in any "result" stands (not
         * only in the last, which json-c keeps); any other answer with two results names
         * none, and another repeated field is wrong like an unknown one. */
        end_offset = json_tokener_get_parse_end(tok);
        r = eg_json_find_repeated_key(line, end_offset, &repeated);
        if (r > 0)
                (void) problem(a, 0, "a field given twice in one object at byte %zu", repeated);
        if (r >= 0)
                r = eg_json_for_each_top_member(line, end_offset, "result", on_result, &seen);
        if (r < 0)
                return problem(a, r == -ENOMEM ? -ENOMEM : -EBADMSG,
                               "cannot check the answer's fields");
        if (seen.count > 1) {
                (void) problem(a, 0, "\"result\" given %u times", seen.count);
                return seen.hit >= 0 ? seen.hit : -EBADMSG;
        }
        if (!json_object_object_get_ex(a->root, "result", &v) ||
            !json_object_is_type(v, json_type_string))
                return problem(a, -EBADMSG, "the answer has no \"result\" string");
        result = json_object_get_string(v);
        verdict = verdict_named(v);
        if (verdict < 0)
                return problem(a, -EBADMSG,
                               "unknown result (expected clear, watchlist-hit, lost-stolen or "
                               "unavailable)");

        /* The verdict is named; now whether all around it is right. */
        for (size_t i = end_offset; i < len; i++)
                if (!strchr(" \t\r", line[i])) {
                        (void) problem(a, 0, "more after the answer at byte %zu", i);
                        break;
                }
        it = json_object_iter_begin(a->root);
        end = json_object_iter_end(a->root);
        for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
                const char *key = json_object_iter_peek_name(&it);

                if (streq(key, "result"))
                        continue;
                if (streq(key, "message") && verdict == EG_BACKGROUND_UNAVAILABLE) {
                        a->message = json_object_iter_peek_value(&it);
                        if (!json_object_is_type(a->message, json_type_string)) {
                                a->message = NULL;
                                (void) problem(a, 0, "\"message\" is not a string");
                        }
                        continue;
                }
                /* Never the field's name: a bridge might make one of anything. */
                (void) problem(a, 0, "unknown field in a \"%s\" answer", result);
        }
        return verdict;
}

/* A whole line (without its newline): the bridge's answer. */
enum eg_background_verdict
eg_background_external_answer(const char *socket_path,
                              const struct eg_background_external_question *q, const char *line,
                              size_t len) {
        _cleanup_(parsed_answer_done) struct parsed_answer a = {};
        int v;

        v = answer_parse(line, len, &a);
        if (v < 0)
                return answer_fail(socket_path, v == -ENOMEM ? ENOMEM : 0, "%s", a.problem);
        if (a.problem[0] != '\0') {
                if (!verdict_is_hit(v))
                        return answer_fail(socket_path, 0, "%s", a.problem);
                log_warning("background: bridge %s: %s; taken as %s all the same (a hit is "
                            "never dropped)",
                            socket_path, a.problem,
                            eg_background_verdict_to_string((enum eg_background_verdict) v));
                return (enum eg_background_verdict) v;
        }
        if (v == EG_BACKGROUND_UNAVAILABLE)
                log_unavailable(socket_path, q, a.message);
        else
                log_debug("background: bridge %s: %s", socket_path,
                          eg_background_verdict_to_string((enum eg_background_verdict) v));
        return (enum eg_background_verdict) v;
}

/* The bridge hung up before a newline: only a hit counts without its newline. */
enum eg_background_verdict eg_background_external_answer_cut(const char *socket_path,
                                                             const char *answer, size_t len) {
        _cleanup_(parsed_answer_done) struct parsed_answer a = {};
        int v;

        if (len == 0)
                return answer_fail(socket_path, 0, "closed the connection without answering");
        v = answer_parse(answer, len, &a);
        if (!verdict_is_hit(v))
                return answer_fail(socket_path, 0,
                                   "closed the connection in the middle of the answer line");
        log_warning("background: bridge %s: closed the connection without ending the answer "
                    "line; taken as %s all the same (a hit is never dropped)",
                    socket_path, eg_background_verdict_to_string((enum eg_background_verdict) v));
        return (enum eg_background_verdict) v;
}

static int answer_line(struct external_check *c, const char *line, size_t len) {
        return finish(c, eg_background_external_answer(c->owner->socket_path, &c->q, line, len));
}

/* Returns -EIO when the check ends unavailable. */
static int answer_cut(struct external_check *c) {
        size_t len;
        const char *answer = eg_line_call_answer(c->call, &len);
        enum eg_background_verdict v;

        v = eg_background_external_answer_cut(c->owner->socket_path, answer, len);
        (void) finish(c, v);
        return v == EG_BACKGROUND_UNAVAILABLE ? -EIO : 0;
}

static void on_call_line(struct eg_line_call *call, const char *line, size_t len, void *userdata) {
        (void) answer_line(userdata, line, len);
}

static int on_call_error(struct eg_line_call *call, enum eg_line_call_error kind, int error,
                         const char *what, void *userdata) {
        struct external_check *c = userdata;

        if (kind == EG_LINE_CALL_SEND && (error == EPIPE || error == ECONNRESET)) {
                /* The bridge stopped reading.  It may have answered first (a hit before it
                 * read the whole question): the read finds that, or the end of the
                 * connection. */
                log_debug_errno(error, "background: bridge %s: took no more of the question: %m",
                                c->owner->socket_path);
                return 1;
        }
        /* Data comes before a reset: a reset is a hang-up after what was said. */
        if (kind == EG_LINE_CALL_EOF || (kind == EG_LINE_CALL_READ && error == ECONNRESET))
                return answer_cut(c);
        return fail(c, error, "%s", what);
}

static const struct eg_line_call_ops call_ops = {
        .log_name = "background",
        .description = "background-external",
        .answer_max = LINE_MAX_BYTES,
        .answer_initial = LINE_MAX_BYTES + 1, /* one fixed buffer: the line and its newline */
        .read_chunk = LINE_MAX_BYTES + 1,
        .on_line = on_call_line,
        .on_error = on_call_error,
};

/* Connect and watch; a bridge that cannot be reached is answered (unavailable) from the
 * loop like any other failure.  <0 only for our own resources (no callback then). */
static int check_start(struct background_external *b, struct external_check *c,
                       const char *question, size_t question_len, uint64_t *ret_request) {
        int r;

        r = sd_event_add_defer(b->event, &c->deliver, on_deliver, c);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(c->deliver, SD_EVENT_OFF);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(c->deliver, "background-external-answer");

        r = eg_line_call_new(&call_ops, question, question_len, c, &c->call);
        if (r < 0)
                return r;
        /* The socket path was checked at open. */
        r = eg_line_call_connect(c->call, b->event, b->socket_path);
        if (r < 0)
                return r;
        if (++b->next_id == 0)
                b->next_id = 1;
        c->id = b->next_id;
        EG_LIST_APPEND(checks, b->checks, c);
        *ret_request = c->id;
        return 0;
}

/* As read from the MRZ (trailing fillers removed): letters, digits and, rarely, an inner
 * '<'.  Nothing in it needs escaping in JSON. */
static bool document_number_is_valid(const char *s) {
        size_t n = s ? strnlen(s, EG_MRZ_DOCUMENT_NUMBER_MAX + 1) : 0;

        if (n == 0 || n > EG_MRZ_DOCUMENT_NUMBER_MAX || s[0] == '<')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '<'))
                        return false;
        return true;
}

/* The question line, into question (QUESTION_MAX bytes); its length, or -EINVAL for a
 * query the bridge must not be asked. */
static int question_build(struct external_check *c, const struct eg_background_query *q,
                          char *question) {
        char state[4], nationality[6] = "null", birth_date[13] = "null";
        struct eg_date birth = { q->birth_year, q->birth_month, q->birth_day };
        int n;

        /* Both states padded to three, as the registry's bridge sees them ("D" is "D<<"). */
        if (eg_issuing_state_normalize(q->issuing_state, state) < 0 ||
            !document_number_is_valid(q->document_number))
                return -EINVAL;
        if (q->nationality && q->nationality[0] != '\0') {
                char padded[4];

                if (eg_issuing_state_normalize(q->nationality, padded) < 0)
                        return -EINVAL;
                (void) snprintf(nationality, sizeof(nationality), "\"%s\"", padded);
        }
        /* All zero: not known (the MRZ itself never gets this far without it). */
        if (birth.year != 0 || birth.month != 0 || birth.day != 0) {
                if (eg_date_format_iso(&birth, c->q.birth_date) < 0)
                        return -EINVAL;
                (void) snprintf(birth_date, sizeof(birth_date), "\"%s\"", c->q.birth_date);
        }
        strcpy(c->q.document_number, q->document_number);
        n = snprintf(question, QUESTION_MAX,
                     "{\"version\":1,\"op\":\"check\",\"issuing_state\":\"%s\","
                     "\"document_number\":\"%s\",\"nationality\":%s,\"birth_date\":%s}\n",
                     state, c->q.document_number, nationality, birth_date);
        explicit_bzero(birth_date, sizeof(birth_date));
        if (n < 0 || (size_t) n >= QUESTION_MAX)
                return -EINVAL; /* cannot happen: every part is bounded */
        return n;
}

static int external_check(void *backend, const struct eg_background_query *q,
                          eg_background_done_fn done, void *userdata, uint64_t *ret_request) {
        struct background_external *b = backend;
        _cleanup_(check_freep) struct external_check *c = NULL;
        char question[QUESTION_MAX]; /* personal data */
        int n, r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->owner = b;
        c->done = done;
        c->userdata = userdata;
        n = question_build(c, q, question);
        if (n < 0) {
                explicit_bzero(question, sizeof(question));
                return n;
        }
        r = check_start(b, c, question, (size_t) n, ret_request);
        explicit_bzero(question, sizeof(question));
        if (r < 0)
                return r;
        TAKE_PTR(c);
        return 0;
}

static void external_cancel(void *backend, uint64_t id) {
        struct background_external *b = backend;
        struct external_check *c;

        EG_LIST_FOREACH (checks, c, b->checks)
                if (c->id == id) {
                        /* A verdict already in stands (a hit is never dropped); it is on its
                         * way from the loop. */
                        if (c->answered)
                                return;
                        /* Hang up (the bridge sees end-of-file); "unavailable" follows from
                         * the loop. */
                        log_debug("background: bridge %s: check cancelled before the answer",
                                  b->socket_path);
                        (void) finish(c, EG_BACKGROUND_UNAVAILABLE);
                        return;
                }
}

static void external_free(void *backend) {
        struct background_external *b = backend;

        if (!b)
                return;
        while (b->checks) {
                struct external_check *c = b->checks;

                EG_LIST_REMOVE(checks, b->checks, c);
                check_free(c);
        }
        free(b->socket_path);
        sd_event_unref(b->event);
        free(b);
}

static const struct eg_background_backend_ops external_ops = {
        .name = "external",
        .check = external_check,
        .cancel = external_cancel,
        .free = external_free,
};

bool eg_background_external_socket_path_is_valid(const char *path) {
        return path && path[0] == '/' && strnlen(path, SUN_PATH_SIZE) < SUN_PATH_SIZE;
}

int eg_background_external_open(sd_event *e, const char *socket_path, struct eg_background **ret) {
        struct background_external *b;
        struct eg_background *bg;

        if (!e || !ret)
                return -EINVAL;
        if (!eg_background_external_socket_path_is_valid(socket_path)) {
                log_error("background: the bridge's socket must be an absolute path of at most "
                          "%zu bytes",
                          SUN_PATH_SIZE - 1);
                return -EINVAL;
        }
        b = calloc(1, sizeof(*b));
        if (!b)
                return log_oom();
        b->event = sd_event_ref(e);
        b->socket_path = strdup(socket_path);
        bg = calloc(1, sizeof(*bg));
        if (!b->socket_path || !bg) {
                free(bg);
                external_free(b);
                return log_oom();
        }
        /* Not connected now: the bridge may start after egated. */
        bg->ops = &external_ops;
        bg->backend = b;
        *ret = bg;
        /* The manager says at info level which backend it opened. */
        log_debug("background: checks answered by the bridge at %s", socket_path);
        return 0;
}
