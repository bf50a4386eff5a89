/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The background backends ("none", "scenario") and the mock face comparator, on a loop. */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend/background.h"
#include "pipeline/face-matcher.h"

struct answer {
        unsigned calls;
        enum eg_background_verdict verdict;
        sd_event *event;
};

static void on_verdict(enum eg_background_verdict v, void *userdata) {
        struct answer *a = userdata;

        a->calls++;
        a->verdict = v;
}

/* Step the loop until *calls grows, or `ms` pass (returns false then). */
static bool run(sd_event *e, const unsigned *calls, uint64_t ms) {
        unsigned before = *calls;

        for (uint64_t waited = 0; waited < ms; waited += 5) {
                assert_true(sd_event_run(e, 5000) >= 0);
                if (*calls != before)
                        return true;
        }
        return false;
}

static struct eg_background_query query(const char *state, const char *number) {
        return (struct eg_background_query){
                .issuing_state = state,
                .document_number = number,
                .nationality = state,
                .birth_year = 1985,
                .birth_month = 2,
                .birth_day = 14,
        };
}

static void test_verdict_names(void **state) {
        for (int v = EG_BACKGROUND_CLEAR; v <= EG_BACKGROUND_NOT_SUPPORTED; v++)
                assert_int_equal(
                        eg_background_verdict_from_string(eg_background_verdict_to_string(v)), v);
        assert_int_equal(eg_background_verdict_from_string("maybe"), -EINVAL);
        assert_int_equal(eg_background_verdict_from_string(NULL), -EINVAL);
}

static void test_none(void **state) {
        sd_event *e = NULL;
        struct eg_background *b = NULL;
        struct answer a = {};
        struct eg_background_query q = query("USA", "123456789");
        uint64_t id;

        assert_int_equal(sd_event_new(&e), 0);
        a.event = e;
        assert_int_equal(eg_background_none_new(e, &b), 0);
        assert_int_equal(eg_background_check(b, &q, on_verdict, &a, &id), 0);
        /* Never from inside the call. */
        assert_int_equal(a.calls, 0);
        assert_true(run(e, &a.calls, 5000));
        assert_int_equal(a.calls, 1);
        assert_int_equal(a.verdict, EG_BACKGROUND_NOT_SUPPORTED);
        assert_int_equal(eg_background_check(NULL, &q, on_verdict, &a, &id), -EINVAL);
        eg_background_free(b);
        sd_event_unref(e);
}

static void test_scenario(void **state) {
        static const struct eg_background_entry entries[] = {
                { "USA", "WATCH0001", EG_BACKGROUND_WATCHLIST_HIT, 0 },
                { "D<<", "STOLEN001", EG_BACKGROUND_LOST_STOLEN, 20 },
                { "KOR", "DOWN00001", EG_BACKGROUND_UNAVAILABLE, 0 },
        };
        sd_event *e = NULL;
        struct eg_background *b = NULL;
        struct answer a = {};
        struct eg_background_query q;
        uint64_t id;

        assert_int_equal(sd_event_new(&e), 0);
        a.event = e;
        assert_int_equal(eg_background_scenario_new(e, entries, 3, &b), 0);

        q = query("USA", "WATCH0001");
        assert_int_equal(eg_background_check(b, &q, on_verdict, &a, &id), 0);
        assert_true(run(e, &a.calls, 5000));
        assert_int_equal(a.verdict, EG_BACKGROUND_WATCHLIST_HIT);

        /* Short state codes match with or without fillers; the delay is honoured. */
        q = query("D", "STOLEN001");
        assert_int_equal(eg_background_check(b, &q, on_verdict, &a, &id), 0);
        assert_true(run(e, &a.calls, 5000));
        assert_int_equal(a.calls, 2);
        assert_int_equal(a.verdict, EG_BACKGROUND_LOST_STOLEN);

        /* Not in the table: clear.  Same number, other state: not the same document. */
        q = query("USA", "STOLEN001");
        assert_int_equal(eg_background_check(b, &q, on_verdict, &a, &id), 0);
        assert_true(run(e, &a.calls, 5000));
        assert_int_equal(a.verdict, EG_BACKGROUND_CLEAR);

        /* "unavailable" never answers by itself; cancel makes it answer, once. */
        q = query("KOR", "DOWN00001");
        assert_int_equal(eg_background_check(b, &q, on_verdict, &a, &id), 0);
        assert_false(run(e, &a.calls, 200));
        assert_int_equal(a.calls, 3);
        eg_background_cancel(b, id);
        assert_true(run(e, &a.calls, 5000));
        assert_int_equal(a.calls, 4);
        assert_int_equal(a.verdict, EG_BACKGROUND_UNAVAILABLE);
        eg_background_cancel(b, id); /* unknown now: nothing happens */
        assert_false(run(e, &a.calls, 50));
        assert_int_equal(a.calls, 4);

        /* Free with a request pending: no callback. */
        assert_int_equal(eg_background_check(b, &q, on_verdict, &a, &id), 0);
        eg_background_free(b);
        assert_false(run(e, &a.calls, 50));
        assert_int_equal(a.calls, 4);
        sd_event_unref(e);
}

static int frame(const char *comment) {
        char header[256];
        int fd = memfd_create("frame", MFD_CLOEXEC);
        int n = snprintf(header, sizeof(header), "P5\n# egate-mock %s\n4 4\n255\n", comment);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, header, (size_t) n), n);
        assert_int_equal(write(fd, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16), 16);
        return fd;
}

static void test_face_mock_score(void **state) {
        const char *ref = "t01";
        double score = -1;
        char buf[256];
        int fd;
        ssize_t n;

        fd = frame("face=match subject=t01");
        n = pread(fd, buf, sizeof(buf), 0);
        assert_int_equal(
                eg_face_mock_score((uint8_t *) buf, (size_t) n, (const uint8_t *) ref, 3, &score),
                0);
        assert_true(score == EG_FACE_MOCK_MATCH_SCORE);
        close(fd);

        /* Somebody else's face, a no-match frame, no label, not a PGM. */
        fd = frame("face=match subject=t011");
        n = pread(fd, buf, sizeof(buf), 0);
        assert_int_equal(
                eg_face_mock_score((uint8_t *) buf, (size_t) n, (const uint8_t *) ref, 3, &score),
                0);
        assert_true(score == EG_FACE_MOCK_NO_MATCH_SCORE);
        close(fd);
        fd = frame("face=no-match subject=t01");
        n = pread(fd, buf, sizeof(buf), 0);
        assert_int_equal(
                eg_face_mock_score((uint8_t *) buf, (size_t) n, (const uint8_t *) ref, 3, &score),
                0);
        assert_true(score == EG_FACE_MOCK_NO_MATCH_SCORE);
        close(fd);
        fd = frame("");
        n = pread(fd, buf, sizeof(buf), 0);
        assert_int_equal(
                eg_face_mock_score((uint8_t *) buf, (size_t) n, (const uint8_t *) ref, 3, &score),
                -ENOMSG);
        close(fd);
        assert_int_equal(eg_face_mock_score((const uint8_t *) "\xff\xd8\xff", 3,
                                            (const uint8_t *) ref, 3, &score),
                         -EINVAL);
}

struct face_answer {
        unsigned calls;
        int status;
        double score;
        uint32_t faces;
        sd_event *event;
};

static void on_face(int status, double score, uint32_t faces, void *userdata) {
        struct face_answer *a = userdata;

        a->calls++;
        a->status = status;
        a->score = score;
        a->faces = faces;
}

static void test_face_mock_async(void **state) {
        sd_event *e = NULL;
        struct eg_face_matcher *f = NULL;
        struct face_answer a = {};
        uint64_t id;
        int fd;

        assert_int_equal(sd_event_new(&e), 0);
        a.event = e;
        assert_int_equal(eg_face_matcher_mock_new(e, &f), 0);
        fd = frame("face=match subject=t07");
        assert_int_equal(f->ops->compare(f->matcher, fd, "image/x-portable-graymap",
                                         (const uint8_t *) "t07", 3, EG_FACE_MOCK_REFERENCE_MIME,
                                         on_face, &a, &id),
                         0);
        close(fd); /* read already */
        assert_int_equal(a.calls, 0);
        assert_true(run(e, &a.calls, 5000));
        assert_int_equal(a.calls, 1);
        assert_int_equal(a.status, 0);
        assert_true(a.score == EG_FACE_MOCK_MATCH_SCORE);
        assert_int_equal(a.faces, 0); /* the mock camera counts faces, not its comparator */

        /* Cancelled: the answer says so. */
        fd = frame("face=match subject=t07");
        assert_int_equal(f->ops->compare(f->matcher, fd, NULL, (const uint8_t *) "t07", 3,
                                         EG_FACE_MOCK_REFERENCE_MIME, on_face, &a, &id),
                         0);
        close(fd);
        f->ops->cancel(f->matcher, id);
        assert_true(run(e, &a.calls, 5000));
        assert_int_equal(a.status, -ECANCELED);

        /* A reference it cannot read is refused at once. */
        fd = frame("face=match subject=t07");
        assert_int_equal(f->ops->compare(f->matcher, fd, NULL, (const uint8_t *) "t07", 3,
                                         "image/jpeg", on_face, &a, &id),
                         -EOPNOTSUPP);
        close(fd);
        eg_face_matcher_free(f);
        sd_event_unref(e);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_verdict_names),   cmocka_unit_test(test_none),
                cmocka_unit_test(test_scenario),        cmocka_unit_test(test_face_mock_score),
                cmocka_unit_test(test_face_mock_async),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
