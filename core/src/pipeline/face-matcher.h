/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The face comparator plugin point: a live frame from the lane's camera
 * against the member's reference image (1:1, TR-03121-3 §4.10.1).  Scores
 * run from 0 to 100; the policy's face-threshold decides.  A comparator
 * answers from the loop, exactly once, and must not block it: a real one
 * runs its model on a worker thread.
 *
 * egated ships no production comparator: without one the face step is "not
 * supported" (N_FACE_UNSUPPORTED) and face-verification = auto skips it.
 * Mock mode uses face-mock.c, which reads the mock camera's frame labels.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

/* status 0 with a score, or -EINVAL (not an image it can read), -ENOMSG (no
 * face in it), -ECANCELED. */
typedef void (*eg_face_match_fn)(int status, double score, void *userdata);

struct eg_face_matcher_ops {
        const char *name;
        /* The comparator reads probe_fd before compare() returns or dups it. */
        int (*compare)(void *matcher, int probe_fd, const char *probe_mime,
                       const uint8_t *reference, size_t reference_len, const char *reference_mime,
                       eg_face_match_fn done, void *userdata, uint64_t *ret_request);
        void (*cancel)(void *matcher, uint64_t request);
        void (*free)(void *matcher);
};

struct eg_face_matcher {
        const struct eg_face_matcher_ops *ops;
        void *matcher;
};

void eg_face_matcher_free(struct eg_face_matcher *f);

/*
 * The mock comparator.  References it understands are
 * EG_FACE_MOCK_REFERENCE_MIME images whose bytes are the traveller id the
 * mock scenario names; a frame labelled "face=match subject=<id>" by the
 * mock camera scores 90 against the reference of <id>, anything else 10.
 */
#define EG_FACE_MOCK_REFERENCE_MIME "image/x-egate-mock-face"
#define EG_FACE_MOCK_MATCH_SCORE 90.0
#define EG_FACE_MOCK_NO_MATCH_SCORE 10.0

int eg_face_matcher_mock_new(sd_event *e, struct eg_face_matcher **ret);

/* The label check itself, for tests: the score of frame `pgm` against `reference`. */
int eg_face_mock_score(const uint8_t *pgm, size_t len, const uint8_t *reference,
                       size_t reference_len, double *ret_score);
