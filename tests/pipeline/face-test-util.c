/* SPDX-License-Identifier: LGPL-2.1-or-later */
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

const char probe_bytes[] = "P5\n# PROBE-MARKER-7f3a\n2 2\n255\n\x01\x02\x00\x04";
const size_t probe_len = sizeof(probe_bytes) - 1;
const char reference_bytes[] = "\xff\xd8\xff\xe0REFERENCE-MARKER-91c2\x00\x10JFIF\xff\xd9";
const size_t reference_len = sizeof(reference_bytes) - 1;

void on_match(int status, double score, uint32_t faces, void *userdata) {
        struct answer *a = userdata;

        a->calls++;
        a->status = status;
        a->score = score;
        a->faces = faces;
        a->called_inside = a->called_inside || a->inside;
}

int memfd_with(const void *data, size_t len, bool seal) {
        int fd = memfd_create("test-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, len), (ssize_t) len);
        if (seal)
                assert_int_equal(fcntl(fd, F_ADD_SEALS, ALL_SEALS), 0);
        return fd;
}

int face_setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        f->event = event_new_warm();
        bridge_open(&f->bridge, "face.sock", &face_bridge_ops, &f->face);
        assert_int_equal(eg_face_matcher_external_new(f->event, f->bridge.path, &f->matcher), 0);
        f->probe = memfd_with(probe_bytes, probe_len, true);
        *state = f;
        return 0;
}

int face_teardown(void **state) {
        struct fixture *f = *state;

        eg_face_matcher_free(f->matcher);
        bridge_close(&f->bridge);
        close(f->probe);
        sd_event_unref(f->event);
        free(f);
        return 0;
}

int compare(struct fixture *f, int probe, struct answer *a, uint64_t *ret_request) {
        uint64_t request = 0;
        int r;

        a->inside = true;
        r = f->matcher->ops->compare(f->matcher->matcher, probe, PGM,
                                     (const uint8_t *) reference_bytes, reference_len, JPEG,
                                     on_match, a, &request);
        a->inside = false;
        if (ret_request)
                *ret_request = request;
        return r;
}

void cancel(struct fixture *f, struct answer *a, uint64_t request) {
        a->inside = true;
        f->matcher->ops->cancel(f->matcher->matcher, request);
        a->inside = false;
}

/* One comparison run to its end: exactly one callback, from the loop. */
struct answer compared(struct fixture *f) {
        struct answer a = {};

        assert_int_equal(compare(f, f->probe, &a, NULL), 0);
        run_to_one_answer(f->event, &a.calls, &a.called_inside);
        return a;
}

/* One comparison answered by the script on one connection; the bridge got the question
 * and both images, egated hung up, and no descriptor is left behind. */
struct answer compared_by_script(struct fixture *f, struct bridge_script script) {
        unsigned fds = count_fds();
        struct answer a;

        script.connections = 1;
        assert_int_equal(bridge_run(&f->bridge, script), 0);
        a = compared(f);
        bridge_join_expect(&f->bridge, 1, script.act != ACT_REPLY_CLOSE ? 1 : -1, fds);
        assert_string_equal(f->bridge.conn[0].question, QUESTION);
        assert_int_equal(f->face.got[0].n_fds, 2);
        return a;
}

struct answer compared_by(struct fixture *f, enum bridge_act act, const char *reply) {
        return compared_by_script(f, (struct bridge_script){ .act = act, .reply = reply });
}

/* The status of a comparison answered with `reply`. */
int status_of(struct fixture *f, const char *reply) {
        struct answer a = compared_by(f, ACT_REPLY, reply);

        if (a.status != 0)
                assert_true(a.score == 0);
        if (a.status != -ETOOMANYREFS)
                assert_int_equal(a.faces, 0);
        return a.status;
}

void assert_no_image_bytes(const char *log) {
        assert_null(strstr(log, "PROBE-MARKER"));
        assert_null(strstr(log, "REFERENCE-MARKER"));
        assert_null(strstr(log, "JFIF"));
}
