/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The external face comparator against a fake bridge (tests/bridge-test-util.h with
 * fake-face-bridge.c: a thread on a Unix socket in a temporary directory, scripted per
 * connection, that takes the images the way a real bridge must, with recvmsg()): the
 * transport.  Comparisons go through the
 * plugin point the pipeline calls (ops->compare/cancel/free) on an sd-event loop, so the
 * outcomes arrive as the pipeline sees them: once, from the loop, never from inside
 * compare() or cancel().  The bridge records the question, the descriptors with it (how
 * many, with which byte, memfd or not, their seals and contents) and whether egated hung
 * up; the fd count proves nothing is left behind.  What each answer means:
 * test-face-answers.c.
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

/* ---- the images ---- */

static void test_scored_and_images(void **state) {
        struct fixture *f = *state;
        const struct face_bridge_received *c = &f->face.got[0];
        _cleanup_free_ char *log = NULL;
        struct answer a;

        capture_begin(f->bridge.dir);
        a = compared_by(f, ACT_REPLY, SCORED("87.5"));
        log = capture_end(f->bridge.dir);
        assert_int_equal(a.status, 0);
        assert_true(a.score == 87.5);
        /* Both images with the question's first byte, as sealed memfds. */
        assert_int_equal(c->fds_at_byte, 0);
        assert_true(c->images[0].memfd);
        assert_true(c->images[1].memfd);
        assert_int_equal(c->images[0].seals & ALL_SEALS, ALL_SEALS);
        assert_int_equal(c->images[1].seals, ALL_SEALS);
        /* Byte for byte: the probe first, then the reference. */
        assert_int_equal(c->images[0].len, probe_len);
        assert_memory_equal(c->images[0].data, probe_bytes, probe_len);
        assert_int_equal(c->images[1].len, reference_len);
        assert_memory_equal(c->images[1].data, reference_bytes, reference_len);
        /* The caller keeps its own probe, offset untouched. */
        assert_true(fcntl(f->probe, F_GETFD) >= 0);
        assert_int_equal(lseek(f->probe, 0, SEEK_CUR), probe_len);
        assert_non_null(strstr(log, "scored 87.5"));
        assert_no_image_bytes(log);
}

static void test_unsealed_probe(void **state) {
        struct fixture *f = *state;
        const struct face_bridge_received *c = &f->face.got[0];
        int probe = memfd_with(probe_bytes, probe_len, false);

        /* A camera that did not seal its frame: the bridge gets a sealed copy. */
        close(f->probe);
        f->probe = probe;
        assert_int_equal(compared_by(f, ACT_REPLY, SCORED("12")).status, 0);
        assert_true(c->images[0].memfd);
        assert_int_equal(c->images[0].seals & ALL_SEALS, ALL_SEALS);
        assert_memory_equal(c->images[0].data, probe_bytes, probe_len);
        assert_int_equal(fcntl(probe, F_GET_SEALS), 0); /* the caller's is left as it was */
}

static void test_no_bridge(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *missing = NULL, *refusing = NULL, *log = NULL;
        unsigned long long start;
        unsigned fds = count_fds();
        int fd;

        capture_begin(f->bridge.dir);
        /* No socket at all: it opens all the same (the bridge may start later). */
        assert_true(asprintf(&missing, "%s/nobody.sock", f->bridge.dir) > 0);
        eg_face_matcher_free(f->matcher);
        assert_int_equal(eg_face_matcher_external_new(f->event, missing, &f->matcher), 0);
        start = now_ms();
        assert_int_equal(compared(f).status, -EHOSTDOWN);
        assert_true(now_ms() - start < 500); /* at once, not at a deadline */
        /* A socket nobody listens on. */
        assert_true(asprintf(&refusing, "%s/refusing.sock", f->bridge.dir) > 0);
        fd = unix_socket_bind(refusing, false);
        assert_true(fd >= 0);
        eg_face_matcher_free(f->matcher);
        assert_int_equal(eg_face_matcher_external_new(f->event, refusing, &f->matcher), 0);
        assert_int_equal(compared(f).status, -EHOSTDOWN);
        close(fd);
        log = capture_end(f->bridge.dir);
        assert_non_null(strstr(log, "nobody.sock: cannot connect"));
        assert_non_null(strstr(log, "refusing.sock: cannot connect"));
        assert_int_equal(count_fds(), fds);
}

/* As the pipeline does: its timer (face-timeout-ms) cancels the comparison. */
struct deadline {
        struct fixture *f;
        struct answer *a;
        uint64_t request;
};

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        struct deadline *d = userdata;

        cancel(d->f, d->a, d->request);
        return 0;
}

static void test_hang_past_deadline(void **state) {
        struct fixture *f = *state;
        _cleanup_(sd_event_source_unrefp) sd_event_source *timer = NULL;
        struct answer a = {};
        struct deadline d = { .f = f, .a = &a };
        unsigned long long start;
        unsigned fds = count_fds();

        /* The bridge answers a match, but only after the deadline: egated has hung up by
         * then, and the one callback was -ECANCELED. */
        assert_int_equal(bridge_run(&f->bridge, (struct bridge_script){ .act = ACT_REPLY,
                                                                        .reply = SCORED("99"),
                                                                        .delay_ms = 400,
                                                                        .connections = 1 }),
                         0);
        start = now_ms();
        assert_int_equal(compare(f, f->probe, &a, &d.request), 0);
        assert_int_equal(sd_event_add_time_relative(f->event, &timer, CLOCK_MONOTONIC, 150 * 1000,
                                                    0, on_deadline, &d),
                         0);
        assert_true(run_until(f->event, &a.calls, 5000));
        assert_int_equal(a.status, -ECANCELED);
        assert_true(now_ms() - start >= 150);
        run_for(f->event, 600); /* the late match comes to nothing */
        assert_int_equal(a.calls, 1);
        assert_false(a.called_inside);
        bridge_join_expect(&f->bridge, -1, 1, fds);
}

static void test_cancel_in_flight(void **state) {
        struct fixture *f = *state;
        struct answer a = {};
        unsigned fds = count_fds();
        uint64_t id;

        assert_int_equal(bridge_start(&f->bridge, ACT_SILENT, NULL, 1), 0);
        assert_int_equal(compare(f, f->probe, &a, &id), 0);
        run_for(f->event, 100); /* connected, the question and images sent */
        assert_int_equal(a.calls, 0);
        cancel(f, &a, id);
        cancel(f, &a, id); /* twice: still one callback */
        cancel(f, &a, id + 1000); /* unknown: ignored */
        assert_int_equal(a.calls, 0); /* never from inside cancel() */
        assert_true(run_until(f->event, &a.calls, 2000));
        run_for(f->event, 100);
        assert_int_equal(a.calls, 1);
        assert_false(a.called_inside);
        assert_int_equal(a.status, -ECANCELED);
        bridge_join_expect(&f->bridge, -1, 1, fds);
        assert_int_equal(f->face.got[0].n_fds, 2);
}

static void test_cancel_after_answer(void **state) {
        struct fixture *f = *state;
        struct answer a = {};
        uint64_t id;
        int fd;

        /* The descriptor the comparison's socket gets: the lowest free one. */
        fd = next_fd();
        assert_int_equal(bridge_start(&f->bridge, ACT_REPLY, SCORED("95"), 1), 0);
        assert_int_equal(compare(f, f->probe, &a, &id), 0);
        assert_true(fcntl(fd, F_GETFD) >= 0);
        /* One loop iteration at a time, until egated has read the answer and hung up: the
         * score is on its way, not yet delivered. */
        assert_true(run_until_closed(f->event, fd, 5000));
        assert_int_equal(a.calls, 0);
        /* The caller has moved on: it hears -ECANCELED, never the score. */
        cancel(f, &a, id);
        assert_true(run_until(f->event, &a.calls, 2000));
        run_for(f->event, 50);
        assert_int_equal(a.calls, 1);
        assert_int_equal(a.status, -ECANCELED);
        bridge_join(&f->bridge);
}

static void test_parallel(void **state) {
        struct fixture *f = *state;
        enum { N = 12 };
        struct answer a[N] = {};
        int probes[N];
        unsigned fds = count_fds();

        /* The bridge takes all twelve before answering any, the last first, and scores
         * each probe by the number it holds: every caller gets its own. */
        f->face.echo = true;
        assert_int_equal(bridge_run(&f->bridge, (struct bridge_script){ .act = ACT_REPLY,
                                                                        .connections = N,
                                                                        .all_first = true }),
                         0);
        for (int i = 0; i < N; i++) {
                char text[16];

                (void) snprintf(text, sizeof(text), "%d\n", 40 + i);
                probes[i] = memfd_with(text, strlen(text), true);
                assert_int_equal(compare(f, probes[i], &a[i], NULL), 0);
                close(probes[i]); /* the comparator has its own */
        }
        for (int i = 0; i < N; i++)
                assert_true(run_until(f->event, &a[i].calls, 15000));
        run_for(f->event, 50);
        for (int i = 0; i < N; i++) {
                assert_int_equal(a[i].calls, 1);
                assert_int_equal(a[i].status, 0);
                assert_true(a[i].score == 40 + i);
        }
        bridge_join_expect(&f->bridge, N, N, fds);
        for (int i = 0; i < N; i++)
                assert_int_equal(f->face.got[i].n_fds, 2);
}

static void test_free_with_pending(void **state) {
        struct fixture *f = *state;
        struct answer a = {}, b = {};
        unsigned fds = count_fds();
        uint64_t id;

        assert_int_equal(bridge_start(&f->bridge, ACT_SILENT, NULL, 1), 0);
        assert_int_equal(compare(f, f->probe, &a, NULL), 0);
        run_for(f->event, 100);
        /* A second one, cancelled: its -ECANCELED is scheduled but not delivered. */
        assert_int_equal(compare(f, f->probe, &b, &id), 0);
        cancel(f, &b, id);
        eg_face_matcher_free(TAKE_PTR(f->matcher));
        run_for(f->event, 300);
        assert_int_equal(a.calls + b.calls, 0);
        bridge_join_expect(&f->bridge, -1, 1, fds);
}

static void test_refusals(void **state) {
        struct fixture *f = *state;
        struct eg_face_matcher *m = NULL;
        const struct eg_face_matcher_ops *ops = f->matcher->ops;
        void *matcher = f->matcher->matcher;
        const uint8_t *ref = (const uint8_t *) reference_bytes;
        unsigned fds = count_fds();
        uint64_t id;
        static const char *const bad_mimes[] = {
                NULL,          "",           "image",
                "/jpeg",       "image/",     "image/jp\"g",
                "image/jp g",  "image/a/b",  "image/.jpeg",
                "-image/jpeg", "imagé/jpeg", "image/jpeg\n",
        };

        assert_int_equal(eg_face_matcher_external_new(f->event, "face.sock", &m), -EINVAL);
        assert_int_equal(eg_face_matcher_external_new(f->event, "", &m), -EINVAL);
        assert_int_equal(eg_face_matcher_external_new(f->event, NULL, &m), -EINVAL);
        assert_int_equal(eg_face_matcher_external_new(NULL, f->bridge.path, &m), -EINVAL);
        assert_false(eg_face_external_socket_path_is_valid(long_socket_path(false)));
        assert_int_equal(eg_face_matcher_external_new(f->event, long_socket_path(false), &m),
                         -EINVAL);
        assert_true(eg_face_external_socket_path_is_valid(long_socket_path(true)));
        assert_null(m);
        assert_string_equal(ops->name, "external");

        /* Nothing the bridge could be told: refused at once, no callback, no connection. */
        for (size_t i = 0; i < ELEMENTSOF(bad_mimes); i++) {
                if (ops->compare(matcher, f->probe, bad_mimes[i], ref, 4, JPEG,
                                 (eg_face_match_fn) abort, NULL, &id) != -EINVAL)
                        fail_msg("accepted probe type %zu", i);
                if (ops->compare(matcher, f->probe, PGM, ref, 4, bad_mimes[i],
                                 (eg_face_match_fn) abort, NULL, &id) != -EINVAL)
                        fail_msg("accepted reference type %zu", i);
        }
        assert_int_equal(ops->compare(matcher, f->probe, PGM, NULL, 4, JPEG,
                                      (eg_face_match_fn) abort, NULL, &id),
                         -EINVAL);
        assert_int_equal(ops->compare(matcher, f->probe, PGM, ref, 0, JPEG,
                                      (eg_face_match_fn) abort, NULL, &id),
                         -EINVAL);
        assert_int_equal(
                ops->compare(matcher, -1, PGM, ref, 4, JPEG, (eg_face_match_fn) abort, NULL, &id),
                -EINVAL);
        /* A probe that is not an image file at all (a pipe) cannot be sealed. */
        {
                int p[2];

                assert_int_equal(pipe2(p, O_CLOEXEC), 0);
                assert_true(ops->compare(matcher, p[0], PGM, ref, 4, JPEG, (eg_face_match_fn) abort,
                                         NULL, &id) < 0);
                close(p[0]);
                close(p[1]);
        }
        /* Any MIME type of the right shape goes. */
        assert_int_equal(ops->compare(matcher, f->probe, "image/vnd.egate+x-raw_1", ref, 4,
                                      "image/x-egate-mock-face", (eg_face_match_fn) abort, NULL,
                                      &id),
                         0);
        ops->free(matcher);
        f->matcher->matcher = NULL;
        f->matcher->ops = NULL;
        run_for(f->event, 50);
        assert_int_equal(count_fds(), fds);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_refusals, face_setup, face_teardown),
                cmocka_unit_test_setup_teardown(test_scored_and_images, face_setup, face_teardown),
                cmocka_unit_test_setup_teardown(test_unsealed_probe, face_setup, face_teardown),
                cmocka_unit_test_setup_teardown(test_no_bridge, face_setup, face_teardown),
                cmocka_unit_test_setup_teardown(test_hang_past_deadline, face_setup, face_teardown),
                cmocka_unit_test_setup_teardown(test_cancel_in_flight, face_setup, face_teardown),
                cmocka_unit_test_setup_teardown(test_cancel_after_answer, face_setup,
                                                face_teardown),
                cmocka_unit_test_setup_teardown(test_parallel, face_setup, face_teardown),
                cmocka_unit_test_setup_teardown(test_free_with_pending, face_setup, face_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
