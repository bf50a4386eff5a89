/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the external face comparator's tests share (test-face-external.c, the transport and
 * the images; test-face-answers.c, what each answer means): a fixture with a loop, a fake
 * bridge (tests/bridge-test-util.h with fake-face-bridge.c) and a matcher on its socket,
 * and comparisons run the way the pipeline runs them (through ops->compare/cancel, answers
 * counted).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "fake-face-bridge.h"
#include "pipeline/face-matcher.h"

#define PGM "image/x-portable-graymap"
#define JPEG "image/jpeg"
#define QUESTION                                                                                   \
        "{\"version\":1,\"op\":\"compare\",\"probe_mime\":\"image/x-portable-graymap\","           \
        "\"reference_mime\":\"image/jpeg\"}\n"
#define SCORED(s) "{\"version\":1,\"result\":\"scored\",\"score\":" s "}\n"
#define SEVERAL(n) "{\"version\":1,\"result\":\"several-faces\",\"faces\":" n "}\n"
#define ALL_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

/* Image bytes: the markers must never reach the log. */
extern const char probe_bytes[];
extern const size_t probe_len;
extern const char reference_bytes[];
extern const size_t reference_len;

struct fixture {
        sd_event *event;
        struct bridge bridge;
        struct face_bridge face; /* what the bridge received */
        struct eg_face_matcher *matcher;
        int probe; /* a sealed memfd, as the camera gives it */
};

struct answer {
        unsigned calls;
        int status;
        double score;
        uint32_t faces;
        bool inside; /* set while the caller's own call runs */
        bool called_inside;
};

void on_match(int status, double score, uint32_t faces, void *userdata);
/* A memfd holding data, sealed as a camera seals its frames if asked. */
int memfd_with(const void *data, size_t len, bool seal);

int face_setup(void **state);
int face_teardown(void **state);

/* ops->compare() of probe against the reference, as the pipeline calls it. */
int compare(struct fixture *f, int probe, struct answer *a, uint64_t *ret_request);
void cancel(struct fixture *f, struct answer *a, uint64_t request);
/* One comparison run to its end: exactly one callback, from the loop. */
struct answer compared(struct fixture *f);
/* One comparison answered by the script on one connection; the bridge got the question
 * and both images, egated hung up, and no descriptor is left behind. */
struct answer compared_by_script(struct fixture *f, struct bridge_script script);
struct answer compared_by(struct fixture *f, enum bridge_act act, const char *reply);
/* The status of a comparison answered with `reply` (no score unless 0, no count of faces
 * unless -ETOOMANYREFS). */
int status_of(struct fixture *f, const char *reply);

void assert_no_image_bytes(const char *log);
