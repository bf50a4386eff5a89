/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Camera: sees whoever stands in the mantrap. */
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
        if (people > 1) {
                mock_op_end(op, -EAGAIN, "multiple faces");
                return;
        }

        if (t) {
                enum mock_face_outcome o = mock_world_face_outcome(w, true);

                if (o == MOCK_FACE_NO_FACE) {
                        mock_op_end(op, -ENOMSG, "no face");
                        return;
                }
                if (o == MOCK_FACE_MULTI_FACE) {
                        mock_op_end(op, -EAGAIN, "multiple faces");
                        return;
                }
                (void) snprintf(comment, sizeof(comment), "face=%s subject=%s",
                                mock_face_outcome_to_string(o), t->id);
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
