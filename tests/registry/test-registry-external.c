/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The external registry backend against a fake bridge (tests/bridge-test-util.h: a thread
 * listening on a Unix socket in a temporary directory, scripted per connection: answer,
 * close half-way, say nothing, flood).  Lookups go through the real wrapper (eg_registry_external_open) on an sd-event
 * loop, so the answers arrive exactly as the pipeline would see them: once, from the loop,
 * with the documented status.  The bridge also records the question line it received and
 * whether egated hung up, and the fd count proves no connection is left behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge-test-util.h"
#include "log.h"
#include "registry/registry-external.h"

struct fixture {
        sd_event *event;
        struct bridge bridge;
        struct eg_registry *registry;
};

struct answer {
        unsigned calls;
        int status;
        struct eg_member *member;
        bool inside; /* set while the caller's own call runs */
        bool called_inside;
};

static void on_answer(int status, struct eg_member *member, void *userdata) {
        struct answer *a = userdata;

        a->calls++;
        a->status = status;
        a->called_inside = a->called_inside || a->inside;
        eg_member_free(a->member);
        a->member = member;
}

static void answer_done(struct answer *a) {
        eg_member_free(a->member);
        *a = (struct answer){};
}

/* ---- fixture ---- */

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        f->event = event_new_warm();
        bridge_open(&f->bridge, "registry.sock", NULL, NULL);
        assert_int_equal(eg_registry_external_open(f->event, f->bridge.path, &f->registry), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;

        eg_registry_free(f->registry);
        bridge_close(&f->bridge);
        sd_event_unref(f->event);
        free(f);
        return 0;
}

static int lookup(struct fixture *f, const char *state, const char *number, struct answer *a) {
        answer_done(a);
        a->inside = true;
        assert_int_equal(eg_registry_lookup(f->registry, state, number, on_answer, a, NULL), 0);
        a->inside = false;
        run_to_one_answer(f->event, &a->calls, &a->called_inside);
        return a->status;
}

/* One lookup answered by the script on one connection; its status (the bridge saw egated
 * hang up). */
static int lookup_answered_raw(struct fixture *f, struct bridge_script script, struct answer *a) {
        unsigned fds = count_fds();
        int r;

        script.connections = 1;
        assert_int_equal(bridge_run(&f->bridge, script), 0);
        r = lookup(f, "KOR", "M12345678", a);
        bridge_join_expect(&f->bridge, 1, script.act == ACT_REPLY ? 1 : -1, fds);
        return r;
}

static int lookup_answered_by(struct fixture *f, enum bridge_act act, const char *reply,
                              struct answer *a) {
        return lookup_answered_raw(f, (struct bridge_script){ .act = act, .reply = reply }, a);
}

/* ---- the answers ---- */

#define MEMBER_JSON                                                                                \
        "{\"id\":\"GE-100001\",\"status\":\"active\",\"birth_date\":\"1980-01-31\","               \
        "\"enrolled\":\"2023-05-02\",\"conditional_approval\":\"2023-01-10\","                     \
        "\"passports\":[{\"issuing_state\":\"KOR\",\"document_number\":\"M12345678\","             \
        "\"expiry\":\"2031-04-30\"},{\"issuing_state\":\"D\",\"document_number\":\"C01X00T47\","   \
        "\"expiry\":\"2030-01-01\"}],"                                                             \
        "\"fingers\":[{\"finger\":\"right-index\",\"format\":\"egate-mock\","                      \
        "\"template\":\"VEVNUExBVEUtU0VDUkVU\"},"                                                  \
        "{\"position\":7,\"format\":\"libfprint-fpi-data\",\"template\":\"AAEC/w==\"}],"           \
        "\"face\":{\"mime\":\"image/jpeg\",\"image\":\"RkFDRS1JTUFHRQ==\"}}"

static const char member_reply[] = "{\"result\":\"member\",\"member\":" MEMBER_JSON "}\n";

static void test_member_found(void **state) {
        struct fixture *f = *state;
        struct answer a = {};
        struct eg_member *m;

        assert_int_equal(lookup_answered_by(f, ACT_REPLY, member_reply, &a), 0);
        /* The question, exactly as documented. */
        assert_string_equal(f->bridge.conn[0].question,
                            "{\"version\":1,\"op\":\"lookup\",\"issuing_state\":\"KOR\","
                            "\"document_number\":\"M12345678\"}\n");
        m = a.member;
        assert_non_null(m);
        assert_string_equal(m->id, "GE-100001");
        assert_int_equal(m->status, EG_MEMBER_ACTIVE);
        assert_int_equal(m->birth_date.year, 1980);
        assert_int_equal(m->birth_date.month, 1);
        assert_int_equal(m->birth_date.day, 31);
        assert_true(m->has_enrolled);
        assert_int_equal(m->enrolled.year, 2023);
        assert_true(m->has_conditional_approval);
        assert_int_equal(m->conditional_approval.month, 1);
        assert_int_equal(m->n_passports, 2);
        assert_string_equal(m->passports[0].issuing_state, "KOR");
        assert_string_equal(m->passports[0].document_number, "M12345678");
        assert_int_equal(m->passports[0].expiry.year, 2031);
        assert_string_equal(m->passports[1].issuing_state, "D<<");
        assert_int_equal(m->n_fingers, 2);
        assert_int_equal(m->fingers[0].position, 2);
        assert_string_equal(m->fingers[0].format, "egate-mock");
        assert_int_equal(m->fingers[0].len, 15);
        assert_memory_equal(m->fingers[0].data, "TEMPLATE-SECRET", 15);
        assert_int_equal(m->fingers[1].position, 7);
        assert_int_equal(m->fingers[1].len, 4);
        assert_memory_equal(m->fingers[1].data, "\x00\x01\x02\xff", 4);
        assert_string_equal(m->face_mime, "image/jpeg");
        assert_int_equal(m->face_len, 10);
        assert_memory_equal(m->face, "FACE-IMAGE", 10);
        answer_done(&a);
}

static void test_holder_found(void **state) {
        struct fixture *f = *state;
        struct answer a = {};
        unsigned fds = count_fds();

        assert_int_equal(bridge_start(&f->bridge, ACT_REPLY, member_reply, 2), 0);
        /* "D" is sent as the registry stores it: three characters. */
        a.inside = true;
        assert_int_equal(eg_registry_lookup_holder(f->registry, "D",
                                                   &(struct eg_date){ 1980, 1, 31 }, on_answer, &a,
                                                   NULL),
                         0);
        a.inside = false;
        assert_true(run_until(f->event, &a.calls, 15000));
        assert_false(a.called_inside);
        assert_int_equal(a.status, 0);
        assert_non_null(a.member);
        assert_string_equal(a.member->id, "GE-100001");
        /* Only to word a referral: the bridge's templates and face are not kept. */
        assert_int_equal(a.member->n_fingers, 0);
        assert_null(a.member->fingers);
        assert_null(a.member->face);
        assert_null(a.member->face_mime);
        /* The same member for another birth date does not answer the question. */
        answer_done(&a);
        assert_int_equal(eg_registry_lookup_holder(f->registry, "D",
                                                   &(struct eg_date){ 1981, 1, 31 }, on_answer, &a,
                                                   NULL),
                         0);
        assert_true(run_until(f->event, &a.calls, 15000));
        assert_int_equal(a.status, -EIO);
        assert_null(a.member);
        bridge_join_expect(&f->bridge, -1, 2, fds);
        assert_string_equal(f->bridge.conn[0].question,
                            "{\"version\":1,\"op\":\"lookup-holder\",\"issuing_state\":\"D<<\","
                            "\"birth_date\":\"1980-01-31\"}\n");
        assert_string_equal(f->bridge.conn[1].question,
                            "{\"version\":1,\"op\":\"lookup-holder\",\"issuing_state\":\"D<<\","
                            "\"birth_date\":\"1981-01-31\"}\n");
        answer_done(&a);
}

static void test_not_found(void **state) {
        struct fixture *f = *state;
        struct answer a = {};

        assert_int_equal(lookup_answered_by(f, ACT_REPLY, "{\"result\":\"not-found\"}\n", &a),
                         -ENOENT);
        assert_null(a.member);
        /* "D<<" and "D" are the same state; the bridge gets three characters either way. */
        answer_done(&a);
}

static void test_unavailable(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *log = NULL;
        struct answer a = {};

        capture_begin(f->bridge.dir);
        assert_int_equal(lookup_answered_by(f, ACT_REPLY,
                                            "{\"result\":\"unavailable\",\"message\":\"central "
                                            "back end unreachable\"}\n",
                                            &a),
                         -EIO);
        assert_int_equal(lookup_answered_by(f, ACT_REPLY,
                                            "{\"result\":\"unavailable\",\"message\":\"no "
                                            "answer for m12345678\"}\n",
                                            &a),
                         -EIO);
        assert_int_equal(
                lookup_answered_by(f, ACT_REPLY,
                                   "{\"result\":\"unavailable\",\"message\":\"bad\\nline\"}\n", &a),
                -EIO);
        assert_int_equal(lookup_answered_by(f, ACT_REPLY, "{\"result\":\"unavailable\"}\n", &a),
                         -EIO);
        /* Shaped like a document number, though not the one asked about. */
        assert_int_equal(lookup_answered_by(f, ACT_REPLY,
                                            "{\"result\":\"unavailable\",\"message\":\"record "
                                            "ZQ7654321 locked\"}\n",
                                            &a),
                         -EIO);
        /* The question's own number, too short to look like one. */
        assert_int_equal(
                bridge_start(&f->bridge, ACT_REPLY,
                             "{\"result\":\"unavailable\",\"message\":\"busy with QX9, retry\"}\n",
                             1),
                0);
        assert_int_equal(lookup(f, "KOR", "QX9", &a), -EIO);
        bridge_join(&f->bridge);
        log = capture_end(f->bridge.dir);
        /* A plain operational reason reaches the operator... */
        assert_non_null(strstr(log, "the registry is unavailable: central back end unreachable"));
        /* ...one that echoes the question, or could forge a log line, does not. */
        assert_null(strcasestr(log, "M12345678"));
        assert_null(strstr(log, "bad"));
        assert_null(strstr(log, "ZQ7654321"));
        assert_null(strstr(log, "QX9"));
        assert_non_null(strstr(log, "reason withheld"));
        assert_non_null(strstr(log, "(no reason given)"));
        answer_done(&a);
}

static void test_no_bridge(void **state) {
        struct fixture *f = *state;
        _cleanup_(eg_registry_freep) struct eg_registry *r = NULL;
        _cleanup_free_ char *missing = NULL, *refusing = NULL;
        struct answer a = {};
        unsigned long long start;
        uint64_t id;
        int fd;

        /* No socket at all: the registry opens all the same (the bridge may start later). */
        assert_true(asprintf(&missing, "%s/nobody.sock", f->bridge.dir) > 0);
        assert_int_equal(eg_registry_external_open(f->event, missing, &r), 0);
        start = now_ms();
        a.inside = true;
        assert_int_equal(eg_registry_lookup(r, "KOR", "M12345678", on_answer, &a, NULL), 0);
        a.inside = false;
        assert_int_equal(a.calls, 0);
        assert_true(run_until(f->event, &a.calls, 2000));
        assert_int_equal(a.status, -ENOTCONN);
        assert_true(now_ms() - start < 500); /* answered at once, not at the deadline */
        eg_registry_free(TAKE_PTR(r));

        /* A socket nobody listens on. */
        assert_true(asprintf(&refusing, "%s/refusing.sock", f->bridge.dir) > 0);
        fd = unix_socket_bind(refusing, false);
        assert_true(fd >= 0);
        assert_int_equal(eg_registry_external_open(f->event, refusing, &r), 0);
        answer_done(&a);
        assert_int_equal(eg_registry_lookup(r, "KOR", "M12345678", on_answer, &a, NULL), 0);
        assert_true(run_until(f->event, &a.calls, 2000));
        assert_int_equal(a.status, -ENOTCONN);
        close(fd);

        /* And a holder lookup straight on the backend (as the pipeline does): still from
         * the loop. */
        answer_done(&a);
        a.inside = true;
        assert_int_equal(r->ops->lookup_holder(r->backend, "KOR", &(struct eg_date){ 1980, 1, 31 },
                                               on_answer, &a, &id),
                         0);
        a.inside = false;
        assert_int_equal(a.calls, 0);
        assert_true(run_until(f->event, &a.calls, 2000));
        assert_false(a.called_inside);
        assert_int_equal(a.status, -ENOTCONN);
        answer_done(&a);
}

static void test_never_answers(void **state) {
        struct fixture *f = *state;
        struct answer a = {};
        unsigned long long start;
        unsigned fds = count_fds();

        f->registry->timeout_ms = 150;
        assert_int_equal(bridge_start(&f->bridge, ACT_SILENT, NULL, 1), 0);
        start = now_ms();
        assert_int_equal(eg_registry_lookup(f->registry, "KOR", "M12345678", on_answer, &a, NULL),
                         0);
        assert_true(run_until(f->event, &a.calls, 5000));
        assert_int_equal(a.status, -ETIMEDOUT);
        assert_true(now_ms() - start >= 150);
        assert_true(now_ms() - start < 2000);
        run_for(f->event, 200); /* the backend's -ECANCELED is swallowed */
        assert_int_equal(a.calls, 1);
        bridge_join_expect(&f->bridge, -1, 1, fds); /* egated hung up at the deadline */
        answer_done(&a);
}

static void test_closes_mid_line(void **state) {
        struct fixture *f = *state;
        struct answer a = {};

        assert_int_equal(lookup_answered_by(f, ACT_REPLY_CLOSE, "{\"result\":\"not-fo", &a), -EIO);
        assert_int_equal(lookup_answered_by(f, ACT_REPLY_CLOSE, NULL, &a), -EIO);
        /* A whole document without its newline is not a whole line. */
        assert_int_equal(lookup_answered_by(f, ACT_REPLY_CLOSE, "{\"result\":\"not-found\"}", &a),
                         -EIO);
        /* A whole line followed by a close is fine. */
        assert_int_equal(lookup_answered_by(f, ACT_REPLY_CLOSE, "{\"result\":\"not-found\"}\n", &a),
                         -ENOENT);
        answer_done(&a);
}

static void test_garbage(void **state) {
        struct fixture *f = *state;
        struct answer a = {};

        assert_int_equal(lookup_answered_by(f, ACT_REPLY, "this is not JSON\n", &a), -EIO);
        assert_int_equal(lookup_answered_by(f, ACT_REPLY, "{\"result\":\"not-found\"\n", &a), -EIO);
        assert_int_equal(lookup_answered_by(f, ACT_REPLY, "\n", &a), -EIO);
        assert_int_equal(lookup_answered_by(f, ACT_REPLY, "[\"not-found\"]\n", &a), -EIO);
        assert_int_equal(
                lookup_answered_by(f, ACT_REPLY, "{\"result\":\"not-found\"} {\"x\":1}\n", &a),
                -EIO);
        /* A NUL byte inside the line. */
        assert_int_equal(lookup_answered_raw(f,
                                             (struct bridge_script){
                                                     .act = ACT_REPLY,
                                                     .reply = "{\"result\":\"not-found\"\0}\n",
                                                     .reply_len = 25,
                                             },
                                             &a),
                         -EIO);
        /* Trailing white space, \r included, is fine. */
        assert_int_equal(lookup_answered_by(f, ACT_REPLY, "{\"result\":\"not-found\"} \r\n", &a),
                         -ENOENT);
        answer_done(&a);
}

static void test_unknown_result_and_fields(void **state) {
        struct fixture *f = *state;
        struct answer a = {};
        static const char *const bad[] = {
                "{\"result\":\"maybe\"}\n",
                "{\"result\":\"NOT-FOUND\"}\n",
                "{\"result\":1}\n",
                "{}\n",
                "{\"result\":\"not-found\",\"extra\":1}\n",
                "{\"result\":\"not-found\",\"member\":{}}\n",
                "{\"result\":\"not-found\",\"message\":\"x\"}\n",
                "{\"result\":\"member\"}\n",
                "{\"result\":\"member\",\"member\":null}\n",
                "{\"result\":\"unavailable\",\"message\":5}\n",
                "{\"version\":1,\"result\":\"not-found\"}\n",
                /* json-c keeps the last of a repeated key: neither may decide. */
                "{\"result\":\"not-found\",\"result\":\"member\",\"member\":" MEMBER_JSON "}\n",
                "{\"result\":\"member\",\"member\":" MEMBER_JSON ",\"result\":\"not-found\"}\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                if (lookup_answered_by(f, ACT_REPLY, bad[i], &a) != -EIO)
                        fail_msg("accepted: %s", bad[i]);
                assert_null(a.member);
        }
        answer_done(&a);
}

static void test_over_long_line(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *log = NULL;
        struct answer a = {};

        f->registry->timeout_ms = 60000;
        capture_begin(f->bridge.dir);
        assert_int_equal(lookup_answered_by(f, ACT_FLOOD, NULL, &a), -EIO);
        log = capture_end(f->bridge.dir);
        assert_non_null(strstr(log, "the answer is longer than 8392704 bytes"));
        assert_int_equal(f->bridge.hung_up, 1);
        /* egated stopped at its limit rather than reading whatever came. */
        assert_true(f->bridge.flooded >= EG_REGISTRY_EXTERNAL_LINE_MAX);
        assert_true(f->bridge.flooded < EG_REGISTRY_EXTERNAL_LINE_MAX + (4u << 20));
        answer_done(&a);
}

static void test_invalid_member(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *log = NULL;
        struct answer a = {};
        static const char *const secrets[] = { "M12345678",
                                               "C01X00T47",
                                               "1980-01-31",
                                               "1980-13-01",
                                               "VEVNUExBVEUtU0VDUkVU",
                                               "TEMPLATE-SECRET",
                                               "RkFDRS1JTUFHRQ==" };

        capture_begin(f->bridge.dir);
        /* The parser's rules apply, and its error (a place, never a value) is logged. */
        assert_int_equal(lookup_answered_by(f, ACT_REPLY,
                                            "{\"result\":\"member\",\"member\":{\"id\":\"GE-1\","
                                            "\"status\":\"active\",\"birth_date\":\"1980-13-01\","
                                            "\"enrolled\":\"2023-05-02\",\"passports\":[{"
                                            "\"issuing_state\":\"KOR\",\"document_number\":"
                                            "\"M12345678\",\"expiry\":\"2031-04-30\"}]}}\n",
                                            &a),
                         -EIO);
        assert_null(a.member);
        /* A valid member who does not hold the passport asked about (same number, another
         * state). */
        assert_int_equal(bridge_start(&f->bridge, ACT_REPLY, member_reply, 1), 0);
        assert_int_equal(lookup(f, "USA", "M12345678", &a), -EIO);
        assert_null(a.member);
        bridge_join(&f->bridge);
        /* A member found, at debug level: its id only. */
        assert_int_equal(lookup_answered_by(f, ACT_REPLY, member_reply, &a), 0);
        log = capture_end(f->bridge.dir);
        assert_non_null(strstr(log, "member.birth_date: not a date (YYYY-MM-DD)"));
        assert_non_null(strstr(log, "does not hold the passport asked about"));
        assert_non_null(strstr(log, "member GE-100001"));
        for (size_t i = 0; i < ELEMENTSOF(secrets); i++) {
                if (strstr(log, secrets[i]))
                        fail_msg("the log has %s", secrets[i]);
        }
        answer_done(&a);
}

static void test_cancel(void **state) {
        struct fixture *f = *state;
        struct answer a = {};
        unsigned fds = count_fds();
        uint64_t id;

        assert_int_equal(bridge_start(&f->bridge, ACT_SILENT, NULL, 1), 0);
        assert_int_equal(eg_registry_lookup(f->registry, "KOR", "M12345678", on_answer, &a, &id),
                         0);
        run_for(f->event, 100); /* connected, the question sent */
        a.inside = true;
        eg_registry_cancel(f->registry, id);
        a.inside = false;
        assert_int_equal(a.calls, 0);
        assert_true(run_until(f->event, &a.calls, 2000));
        assert_int_equal(a.status, -ECANCELED);
        assert_false(a.called_inside);
        run_for(f->event, 100);
        assert_int_equal(a.calls, 1);
        bridge_join_expect(&f->bridge, -1, 1, fds);

        /* The backend's own cancel (the pipeline's holder lookup uses it directly): one
         * -ECANCELED, from the loop. */
        answer_done(&a);
        assert_int_equal(bridge_start(&f->bridge, ACT_SILENT, NULL, 1), 0);
        assert_int_equal(f->registry->ops->lookup_holder(f->registry->backend, "KOR",
                                                         &(struct eg_date){ 1980, 1, 31 },
                                                         on_answer, &a, &id),
                         0);
        run_for(f->event, 100);
        a.inside = true;
        f->registry->ops->cancel(f->registry->backend, id);
        f->registry->ops->cancel(f->registry->backend, id); /* twice: still one answer */
        f->registry->ops->cancel(f->registry->backend, id + 1000); /* unknown: ignored */
        a.inside = false;
        assert_true(run_until(f->event, &a.calls, 2000));
        run_for(f->event, 100);
        assert_int_equal(a.calls, 1);
        assert_false(a.called_inside);
        assert_int_equal(a.status, -ECANCELED);
        bridge_join_expect(&f->bridge, -1, 1, fds);
        answer_done(&a);
}

static void test_free_with_pending(void **state) {
        struct fixture *f = *state;
        struct answer a = {}, b = {};
        unsigned fds = count_fds();
        uint64_t id;

        assert_int_equal(bridge_start(&f->bridge, ACT_SILENT, NULL, 1), 0);
        assert_int_equal(eg_registry_lookup(f->registry, "KOR", "M12345678", on_answer, &a, NULL),
                         0);
        run_for(f->event, 100); /* connected, the question sent */
        /* A second one, cancelled: its -ECANCELED is scheduled but not delivered.  (Its
         * connection waits in the listener's backlog: the bridge serves one.) */
        assert_int_equal(eg_registry_lookup(f->registry, "USA", "X1", on_answer, &b, &id), 0);
        eg_registry_cancel(f->registry, id);
        eg_registry_free(TAKE_PTR(f->registry));
        run_for(f->event, 300);
        assert_int_equal(a.calls + b.calls, 0);
        bridge_join_expect(&f->bridge, -1, 1, fds);
}

static void test_one_connection_per_question(void **state) {
        struct fixture *f = *state;
        struct answer a = {}, b = {};
        unsigned fds = count_fds();

        assert_int_equal(bridge_start(&f->bridge, ACT_REPLY, "{\"result\":\"not-found\"}\n", 2), 0);
        assert_int_equal(eg_registry_lookup(f->registry, "KOR", "M12345678", on_answer, &a, NULL),
                         0);
        assert_int_equal(eg_registry_lookup(f->registry, "USA", "X1", on_answer, &b, NULL), 0);
        assert_true(run_until(f->event, &a.calls, 15000));
        assert_true(run_until(f->event, &b.calls, 15000));
        assert_int_equal(a.status, -ENOENT);
        assert_int_equal(b.status, -ENOENT);
        bridge_join_expect(&f->bridge, 2, 2, fds);
        assert_non_null(strstr(f->bridge.conn[0].question, "\"document_number\":\"M12345678\""));
        assert_non_null(strstr(f->bridge.conn[1].question, "\"document_number\":\"X1\""));
}

static void test_refusals(void **state) {
        struct fixture *f = *state;
        struct eg_registry *r = NULL;
        uint64_t id;

        assert_int_equal(eg_registry_external_open(f->event, "registry.sock", &r), -EINVAL);
        assert_int_equal(eg_registry_external_open(f->event, "", &r), -EINVAL);
        assert_int_equal(eg_registry_external_open(f->event, NULL, &r), -EINVAL);
        assert_int_equal(eg_registry_external_open(NULL, f->bridge.path, &r), -EINVAL);
        assert_int_equal(eg_registry_external_open(f->event, long_socket_path(false), &r), -EINVAL);
        assert_true(eg_registry_external_socket_path_is_valid(long_socket_path(true)));
        assert_null(r);
        assert_string_equal(f->registry->ops->name, "external");

        /* Managed centrally: no administration. */
        assert_int_equal(eg_registry_admin(f->registry,
                                           &(struct eg_registry_admin_request){
                                                   .kind = EG_REGISTRY_ADMIN_LIST },
                                           (eg_registry_admin_fn) abort, NULL),
                         -EOPNOTSUPP);
        /* Bad questions never reach the bridge (no callback). */
        assert_int_equal(f->registry->ops->lookup(f->registry->backend, "<<<", "M1",
                                                  (eg_registry_lookup_fn) abort, NULL, &id),
                         -EINVAL);
        assert_int_equal(f->registry->ops->lookup(f->registry->backend, "KOR", "m1",
                                                  (eg_registry_lookup_fn) abort, NULL, &id),
                         -EINVAL);
        assert_int_equal(eg_registry_lookup_holder(f->registry, "KOR",
                                                   &(struct eg_date){ 1980, 2, 30 },
                                                   (eg_registry_lookup_fn) abort, NULL, &id),
                         -EINVAL);
        run_for(f->event, 50);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
                cmocka_unit_test_setup_teardown(test_member_found, setup, teardown),
                cmocka_unit_test_setup_teardown(test_holder_found, setup, teardown),
                cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unavailable, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_bridge, setup, teardown),
                cmocka_unit_test_setup_teardown(test_never_answers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_closes_mid_line, setup, teardown),
                cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unknown_result_and_fields, setup, teardown),
                cmocka_unit_test_setup_teardown(test_over_long_line, setup, teardown),
                cmocka_unit_test_setup_teardown(test_invalid_member, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
                cmocka_unit_test_setup_teardown(test_free_with_pending, setup, teardown),
                cmocka_unit_test_setup_teardown(test_one_connection_per_question, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
