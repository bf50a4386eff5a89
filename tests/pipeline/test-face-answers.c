/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The external face comparator's answers end to end through the fake bridge
 * (face-test-util.h): a score, "no-face", "unreadable", "unavailable" and its screened
 * message, "several-faces" and its count, and everything that is not exactly the protocol
 * (malformed JSON, a wrong version, a score out of range or not finite, a count that is
 * not an integer within 2..64, unknown fields, a field given twice, an over-long line, a
 * hang-up before the newline), each of which must make the comparator unavailable
 * (-EHOSTDOWN), never a score or a count.  The parser alone is fuzzed: fuzz-face-answer.c.
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
#include <sys/mman.h>
#include <unistd.h>

#include "face-test-util.h"
#include "macro.h"

/* ---- the answers ---- */

static void test_scores(void **state) {
        struct fixture *f = *state;
        static const struct {
                const char *reply;
                double score;
        } good[] = {
                { SCORED("0"), 0 },
                { SCORED("100"), 100 },
                { SCORED("100.0"), 100 },
                { SCORED("59.99"), 59.99 },
                { SCORED("6e1"), 60 },
                { "{\"score\":42,\"result\":\"scored\",\"version\":1}\n", 42 },
                { " {\"version\":1,\"result\":\"scored\",\"score\":1.5} \r\n", 1.5 },
                { SCORED("90") "{\"junk\" after the newline", 90 },
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                struct answer a = compared_by(f, ACT_REPLY, good[i].reply);

                if (a.status != 0 || a.score != good[i].score)
                        fail_msg("%s: status %d, score %f", good[i].reply, a.status, a.score);
        }
}

static void test_no_face_unreadable(void **state) {
        struct fixture *f = *state;

        assert_int_equal(status_of(f, "{\"version\":1,\"result\":\"no-face\"}\n"), -ENOMSG);
        assert_int_equal(status_of(f, "{\"version\":1,\"result\":\"unreadable\"}\n"), -EINVAL);
        assert_int_equal(status_of(f, "{\"version\":1,\"result\":\"presentation-attack\"}\n"),
                         -EACCES);
}

/* The SDK behind the bridge saw several faces in the probe: a count, never a score. */
static void test_several_faces(void **state) {
        struct fixture *f = *state;
        static const struct {
                const char *reply;
                uint32_t faces;
        } good[] = {
                { SEVERAL("2"), 2 },
                { SEVERAL("3"), 3 },
                { SEVERAL("64"), 64 },
                { "{\"faces\":5,\"result\":\"several-faces\",\"version\":1}\n", 5 },
                { " {\"version\":1,\"result\":\"several-faces\",\"faces\":2} \r\n", 2 },
        };
        _cleanup_free_ char *log = NULL;

        capture_begin(f->bridge.dir);
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                struct answer a = compared_by(f, ACT_REPLY, good[i].reply);

                if (a.status != -ETOOMANYREFS || a.faces != good[i].faces || a.score != 0)
                        fail_msg("%s: status %d, faces %u, score %f", good[i].reply, a.status,
                                 a.faces, a.score);
        }
        log = capture_end(f->bridge.dir);
        assert_non_null(strstr(log, "64 faces in the frame"));
        assert_null(strstr(log, "unavailable"));
}

static void test_unavailable(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *log = NULL;

        capture_begin(f->bridge.dir);
        assert_int_equal(status_of(f, "{\"version\":1,\"result\":\"unavailable\"}\n"), -EHOSTDOWN);
        assert_int_equal(status_of(f, "{\"version\":1,\"result\":\"unavailable\",\"message\":"
                                      "\"model not loaded\"}\n"),
                         -EHOSTDOWN);
        /* Shaped like a record key, or a forged log line: withheld. */
        assert_int_equal(status_of(f, "{\"version\":1,\"result\":\"unavailable\",\"message\":"
                                      "\"subject GE7654321 locked\"}\n"),
                         -EHOSTDOWN);
        assert_int_equal(status_of(f, "{\"version\":1,\"result\":\"unavailable\",\"message\":"
                                      "\"bad\\nline\"}\n"),
                         -EHOSTDOWN);
        log = capture_end(f->bridge.dir);
        assert_non_null(strstr(log, "the comparator is unavailable (no reason given)"));
        assert_non_null(strstr(log, "the comparator is unavailable: model not loaded"));
        assert_non_null(strstr(log, "reason withheld"));
        assert_null(strstr(log, "GE7654321"));
        assert_null(strstr(log, "bad"));
}

static void test_malformed(void **state) {
        struct fixture *f = *state;
        static const char *const bad[] = {
                "this is not JSON\n",
                "\n",
                "{\"version\":1,\"result\":\"scored\",\"score\":87.5\n",
                "{\"version\":1,\"result\":\"scored\",\"score\":87.5,}\n",
                "[\"scored\",87.5]\n",
                "{\"version\":1,\"result\":\"scored\",\"score\":87.5} {}\n",
                "{\"version\":1,\"result\":\"scored\",\"score\":87.5} ok\n",
                /* version */
                "{\"result\":\"scored\",\"score\":87.5}\n",
                "{\"version\":2,\"result\":\"scored\",\"score\":87.5}\n",
                "{\"version\":\"1\",\"result\":\"scored\",\"score\":87.5}\n",
                "{\"version\":1.0,\"result\":\"scored\",\"score\":87.5}\n",
                "{\"version\":true,\"result\":\"scored\",\"score\":87.5}\n",
                /* score */
                SCORED("101"),
                SCORED("100.0001"),
                SCORED("-1"),
                SCORED("-0.5"),
                SCORED("\"87.5\""),
                SCORED("null"),
                SCORED("true"),
                SCORED("NaN"),
                SCORED("nan"),
                SCORED("Infinity"),
                SCORED("-Infinity"),
                SCORED("1e999"),
                SCORED("99999999999999999999999"),
                SCORED("[87.5]"),
                "{\"version\":1,\"result\":\"scored\"}\n",
                /* result and fields */
                "{\"version\":1}\n",
                "{\"version\":1,\"result\":\"match\"}\n",
                "{\"version\":1,\"result\":\"SCORED\",\"score\":87.5}\n",
                "{\"version\":1,\"result\":1}\n",
                "{\"version\":1,\"result\":\"scored\",\"score\":87.5,\"threshold\":60}\n",
                "{\"version\":1,\"result\":\"scored\",\"score\":87.5,\"message\":\"hi\"}\n",
                "{\"version\":1,\"result\":\"no-face\",\"score\":87.5}\n",
                "{\"version\":1,\"result\":\"unreadable\",\"message\":\"x\"}\n",
                "{\"version\":1,\"result\":\"unavailable\",\"message\":5}\n",
                /* An attack with a score is an answer nobody documented: no score is taken. */
                "{\"version\":1,\"result\":\"presentation-attack\",\"score\":95}\n",
                "{\"version\":1,\"result\":\"Presentation-Attack\"}\n",
                /* Several faces: a count, an integer of at least two and at most 64. */
                SEVERAL("1"),
                SEVERAL("0"),
                SEVERAL("-2"),
                SEVERAL("65"),
                SEVERAL("4294967298"),
                SEVERAL("99999999999999999999999"),
                SEVERAL("2.0"),
                SEVERAL("2.5"),
                SEVERAL("2e0"),
                SEVERAL("\"2\""),
                SEVERAL("true"),
                SEVERAL("null"),
                SEVERAL("[2]"),
                "{\"version\":1,\"result\":\"several-faces\"}\n",
                "{\"version\":1,\"result\":\"several-faces\",\"faces\":2,\"score\":95}\n",
                "{\"version\":1,\"result\":\"several-faces\",\"faces\":2,\"message\":\"x\"}\n",
                "{\"version\":1,\"result\":\"scored\",\"score\":87.5,\"faces\":2}\n",
                "{\"version\":1,\"result\":\"no-face\",\"faces\":2}\n",
                "{\"version\":1,\"result\":\"Several-Faces\",\"faces\":2}\n",
                "{\"version\":1,\"result\":\"several_faces\",\"faces\":2}\n",
                /* A field given twice: json-c would keep the last value and drop the first
                 * unseen, and each of these would be taken. */
                "{\"version\":1,\"result\":\"no-face\",\"result\":\"scored\",\"score\":90}\n",
                ("{\"version\":1,\"result\":\"presentation-attack\",\"result\":\"scored\","
                 "\"score\":95}\n"),
                "{\"version\":1,\"result\":\"scored\",\"score\":10,\"score\":95}\n",
                "{\"version\":1,\"result\":\"scored\",\"score\":10,\"sc\\u006fre\":95}\n",
                "{\"version\":2,\"version\":1,\"result\":\"scored\",\"score\":95}\n",
                "{\"version\":1,\"result\":\"several-faces\",\"faces\":9,\"faces\":2}\n",
        };
        _cleanup_free_ char *log = NULL;

        capture_begin(f->bridge.dir);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (status_of(f, bad[i]) != -EHOSTDOWN)
                        fail_msg("not unavailable: %s", bad[i]);
        /* A NUL byte inside the line. */
        assert_int_equal(compared_by_script(f,
                                            (struct bridge_script){
                                                    .act = ACT_REPLY,
                                                    .reply = SCORED("87.5\0"),
                                                    .reply_len = sizeof(SCORED("87.5\0")) - 1,
                                            })
                                 .status,
                         -EHOSTDOWN);
        log = capture_end(f->bridge.dir);
        assert_non_null(strstr(log, "not valid JSON at byte"));
        assert_non_null(strstr(log, "unknown version"));
        assert_non_null(strstr(log, "\"score\" is not within 0..100"));
        assert_non_null(strstr(log, "unknown field in a \"scored\" answer"));
        assert_non_null(strstr(log, "\"faces\" is not within 2..64"));
        assert_non_null(strstr(log, "\"faces\" is not an integer"));
        assert_non_null(strstr(log, "a \"several-faces\" answer without \"faces\""));
        assert_non_null(strstr(log, "unknown field in a \"several-faces\" answer"));
        assert_non_null(strstr(log, "a NUL byte"));
        assert_non_null(strstr(log, "a field given twice in one object at byte 32"));
        assert_non_null(strstr(log, "the comparator is unavailable"));
        assert_null(strstr(log, "threshold")); /* a field is never named */
        assert_null(strstr(log, "101"));
}

static void test_over_long_line(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *log = NULL, *exact = NULL, *over = NULL;
        size_t n = EG_FACE_EXTERNAL_LINE_MAX;
        const char *line = SCORED("70");

        capture_begin(f->bridge.dir);
        assert_int_equal(compared_by(f, ACT_FLOOD, NULL).status, -EHOSTDOWN);
        log = capture_end(f->bridge.dir);
        assert_non_null(strstr(log, "the answer is longer than 4096 bytes"));
        assert_true(f->bridge.flooded >= EG_FACE_EXTERNAL_LINE_MAX);
        assert_true(f->bridge.flooded < (4u << 20)); /* egated stopped at its limit */

        /* The limit exactly: 4096 bytes and the newline are read; 4097 are not. */
        exact = padded_line(line, n);
        over = padded_line(line, n + 1);
        assert_int_equal(status_of(f, exact), 0);
        assert_int_equal(status_of(f, over), -EHOSTDOWN);
}

static void test_hangs_up(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *log = NULL;

        capture_begin(f->bridge.dir);
        assert_int_equal(compared_by(f, ACT_REPLY_CLOSE, NULL).status, -EHOSTDOWN);
        assert_int_equal(compared_by(f, ACT_REPLY_CLOSE, "{\"version\":1,\"result\":\"sco").status,
                         -EHOSTDOWN);
        /* A whole answer without its newline is not a line: the number may go on. */
        assert_int_equal(compared_by(f, ACT_REPLY_CLOSE,
                                     "{\"version\":1,\"result\":\"scored\","
                                     "\"score\":9}")
                                 .status,
                         -EHOSTDOWN);
        /* A whole line and then the close is fine. */
        assert_int_equal(compared_by(f, ACT_REPLY_CLOSE, SCORED("9")).status, 0);
        log = capture_end(f->bridge.dir);
        assert_non_null(strstr(log, "closed the connection without answering"));
        assert_non_null(strstr(log, "closed the connection in the middle of the answer line"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_scores, face_setup, face_teardown),
                cmocka_unit_test_setup_teardown(test_no_face_unreadable, face_setup, face_teardown),
                cmocka_unit_test_setup_teardown(test_several_faces, face_setup, face_teardown),
                cmocka_unit_test_setup_teardown(test_unavailable, face_setup, face_teardown),
                cmocka_unit_test_setup_teardown(test_malformed, face_setup, face_teardown),
                cmocka_unit_test_setup_teardown(test_over_long_line, face_setup, face_teardown),
                cmocka_unit_test_setup_teardown(test_hangs_up, face_setup, face_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
