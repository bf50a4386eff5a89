/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Camera: sees whoever stands in the mantrap.  The frame's PGM comment says
 * what it shows ("face=match subject=t01"); egated's mock comparator
 * (core/src/pipeline/face-mock.c) reads it.
 *
 * "presentation-attack" is a photo of the traveller held up: the frame is
 * exactly the one "match" gives, so the comparator finds the member, and
 * only the camera's own presentation attack detection tells, through the
 * result's presentation_attack.  Several people in the mantrap, or a
 * "multi-face" traveller, give a frame with result.faces above 1.
 */
#include <stdio.h>
#include <string.h>

#include "images.h"
#include "mock.h"

static void camera_begin(struct mock_device *d, struct mock_op *op) {
        (void) mock_op_delay(op, mock_device_latency(d, op->kind));
}

static void camera_finish(struct mock_device *d, struct mock_op *op) {
        struct mock_world *w = d->lane->world;
        const struct mock_traveller *t = mock_world_in_mantrap(w);
        unsigned people = mock_world_people_in_mantrap(w);
        struct eg_op_result r = { .fd = -1 };
        char comment[64];
        int fd, k;

        if (people == 0) {
                mock_op_end(op, -ENOMSG, "no face");
                return;
        }
        /* The camera counts the faces it sees (SDK 1.2): several give a frame of no one in
         * particular, with the count, which egated never compares. */
        r.faces = people;
        if (people > 1)
                (void) snprintf(comment, sizeof(comment), "face=several");
        else if (t) {
                enum mock_face_outcome o = mock_world_face_outcome(w, true);
                enum mock_face_outcome shown = o;

                if (o == MOCK_FACE_NO_FACE) {
                        mock_op_end(op, -ENOMSG, "no face");
                        return;
                }
                if (o == MOCK_FACE_MULTI_FACE) {
                        /* Someone behind the traveller, or a face on a poster. */
                        r.faces = 2;
                        shown = MOCK_FACE_MULTI_FACE;
                }
                if (o == MOCK_FACE_PRESENTATION_ATTACK) {
                        shown = MOCK_FACE_MATCH; /* the photo is of the traveller's own face */
                        r.presentation_attack = true;
                }
                (void) snprintf(comment, sizeof(comment), "face=%s subject=%s",
                                mock_face_outcome_to_string(shown), t->id);
        } else
                (void) snprintf(comment, sizeof(comment), "face=unknown");

        k = mock_image_memfd_sized(MOCK_IMAGE_FACE, EG_LIGHT_VISIBLE, comment,
                                   d->plugin->camera_width, d->plugin->camera_height, &fd);
        if (k < 0) {
                char why[96];

                (void) snprintf(why, sizeof(why), "cannot capture a frame: %s", strerror(-k));
                mock_op_end(op, -EIO, why);
                return;
        }
        r.fd = fd;
        r.format = MOCK_IMAGE_MIME;
        mock_op_complete(op, &r);
}

static void camera_attached(struct mock_device *d) {
}

const struct mock_class mock_camera_class = {
        .begin = camera_begin,
        .finish = camera_finish,
        .attached = camera_attached,
};
