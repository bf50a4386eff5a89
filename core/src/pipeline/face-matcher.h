/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The face comparator plugin point: a live frame from the lane's camera
 * against the member's reference image (1:1, TR-03121-3 §4.10.1).  Scores
 * run from 0 to 100; the policy's face-threshold decides.  A comparator
 * answers from the loop, exactly once, and must not block it: a real one
 * runs its model on a worker thread.
 *
 * egated ships no production comparator (vendors' are proprietary SDKs): the
 * "external" one hands the images to a deployment's bridge on a Unix socket
 * (face-external.c, docs/face.md).  Without a comparator the face step is "not
 * supported" (N_FACE_UNSUPPORTED) and face-verification = auto skips it.
 * Mock mode uses face-mock.c, which reads the mock camera's frame labels,
 * unless [face] configures the external one.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

/* status 0 with a score, or -EINVAL (not an image it can read), -ENOMSG (no
 * face in it), -EHOSTDOWN (the comparator is unavailable: down, silent, or
 * answering nonsense; the face step is undetermined, not a failed match),
 * -EACCES (its presentation attack detection rejected the probe: a photo, a
 * screen, a mask; the pipeline raises a silent alarm), -ETOOMANYREFS (several
 * faces in the probe: never compared; the pipeline treats it as a camera's
 * frame with several faces), -ECANCELED (after cancel()).
 *
 * score is the score for status 0 and 0 otherwise; faces is how many faces the
 * comparator found, 2..EG_FACE_MATCH_FACES_MAX, for -ETOOMANYREFS and 0
 * otherwise.  The count has its own argument so that no check of the status
 * that goes wrong can ever read a number of faces as a score. */
typedef void (*eg_face_match_fn)(int status, double score, uint32_t faces, void *userdata);

/* More faces than this in one frame is a comparator talking nonsense, not a crowd. */
#define EG_FACE_MATCH_FACES_MAX 64u

struct eg_face_matcher_ops {
        const char *name;
        /* The comparator reads probe_fd before compare() returns or dups it.  0 and
         * exactly one callback later, from the loop (never from inside compare() or
         * cancel()), or a negative errno and none.  After cancel() that callback is
         * -ECANCELED; free() drops pending requests without calling back. */
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

/*
 * "external": each comparison goes to the deployment's bridge listening on
 * socket_path, over a fresh Unix stream connection: one JSON line each way, the
 * probe and the reference as two sealed memfds sent with the question
 * (docs/face.md).  Nothing is connected here (the bridge may start later).  A
 * bridge that cannot be reached or gives no usable answer makes the comparison
 * -EHOSTDOWN; the caller's deadline (the policy's face-timeout-ms) covers a
 * silent one, by cancelling.  -EINVAL for a bad path.
 */
#define EG_FACE_EXTERNAL_LINE_MAX 4096u /* bytes of the answer line before its newline */

/* An absolute path that fits a sockaddr_un (shorter than sizeof(sun_path)). */
bool eg_face_external_socket_path_is_valid(const char *path);
int eg_face_matcher_external_new(sd_event *e, const char *socket_path,
                                 struct eg_face_matcher **ret);

/* The label check itself, for tests: the score of frame `pgm` against `reference`. */
int eg_face_mock_score(const uint8_t *pgm, size_t len, const uint8_t *reference,
                       size_t reference_len, double *ret_score);
