/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fingerprint scanner.  A scan needs a finger on the glass: it waits for one
 * (the walking traveller puts it down when a scan starts), then takes the
 * scan's latency.  Verify results are posted from the worker thread (see
 * worker.h); everything else completes on the main thread.
 *
 * Outcomes come from the traveller's "fingerprint.behaviour" list, one entry
 * per attempt: FINGER_VERIFY always uses an entry up; CAPTURE and ENROLL
 * only use up a "timeout" or "poor-quality" entry (that attempt is over),
 * otherwise they leave it for the verify that follows.
 *
 * "presentation-attack" is a fake finger moulded from the traveller's own
 * print: it compares as well as the real one, and only the scanner's own
 * presentation attack detection can tell, so VERIFY says match (with the
 * match score) and sets presentation_attack; CAPTURE sets it on the image.
 * The daemon must let PAD win over the comparison, and tests see both.
 */
#include <stdio.h>

#include "images.h"
#include "mock.h"
#include "worker.h"

/* The template format is the scenario library's (mock_traveller_template()). */
#define TEMPLATE_MAGIC MOCK_TEMPLATE_MAGIC
#define TEMPLATE_MAGIC_LEN MOCK_TEMPLATE_MAGIC_LEN
#define TEMPLATE_FORMAT MOCK_TEMPLATE_FORMAT

static void scan(struct mock_device *d, struct mock_op *op) {
        mock_timer_stop(d->plugin, &op->deadline);
        (void) mock_op_delay(op, mock_device_latency(d, op->kind));
}

static void deadline_fired(void *userdata) {
        struct mock_op *op = userdata;

        mock_timer_fired(&op->deadline);
        mock_op_end(op, -ETIMEDOUT, "no finger on the scanner");
}

static void finger_begin(struct mock_device *d, struct mock_op *op) {
        int r;

        mock_world_finger_wanted(d->lane->world);
        if (mock_world_finger(d->lane->world)) {
                scan(d, op);
                return;
        }

        op->state = MOCK_OP_WAITING;
        if (op->timeout_ms == 0) /* the daemon's deadline alone ends the wait */
                return;
        r = mock_timer_start(d->plugin, &op->deadline, op->timeout_ms, deadline_fired, op);
        if (r < 0)
                mock_op_end(op, -EIO, "mock: cannot add a timer");
}

void mock_fingerprint_finger_changed(struct mock_device *d, bool present) {
        mock_device_emit(d, present ? EG_EVENT_FINGER_PRESENT : EG_EVENT_FINGER_REMOVED, 0, NULL,
                         NULL);
        if (!present)
                return;
        for (struct mock_op *op = d->ops, *next; op; op = next) {
                next = op->next; /* scan() may finish the op */
                if (op->state == MOCK_OP_WAITING)
                        scan(d, op);
        }
}

static void verify(struct mock_device *d, struct mock_op *op, const struct mock_traveller *t) {
        struct mock_worker_result res = { .threshold = MOCK_FINGERPRINT_THRESHOLD };
        enum mock_finger_outcome outcome;
        const char *identity;
        size_t len;

        if (!op->format || !streq(op->format, TEMPLATE_FORMAT)) {
                mock_op_end(op, -EOPNOTSUPP, "template format not supported");
                return;
        }
        if (op->data_len <= TEMPLATE_MAGIC_LEN ||
            memcmp(op->data, TEMPLATE_MAGIC, TEMPLATE_MAGIC_LEN) != 0) {
                mock_op_end(op, -EINVAL, "malformed template");
                return;
        }
        identity = (const char *) op->data + TEMPLATE_MAGIC_LEN;
        len = op->data_len - TEMPLATE_MAGIC_LEN;

        outcome = mock_world_finger_outcome(d->lane->world, true);
        switch (outcome) {
        case MOCK_FINGER_TIMEOUT:
                op->state = MOCK_OP_HANGING; /* the daemon's deadline fires */
                return;
        case MOCK_FINGER_POOR_QUALITY:
                mock_op_end(op, -EAGAIN, "poor quality");
                return;
        case MOCK_FINGER_MATCH:
        case MOCK_FINGER_PRESENTATION_ATTACK: /* the fake carries the traveller's own ridges */
                res.match = strlen(t->fingerprint.identity) == len &&
                            memcmp(identity, t->fingerprint.identity, len) == 0;
                break;
        default:
                res.match = false;
                break;
        }
        res.score = res.match ? t->fingerprint.score_match : t->fingerprint.score_no_match;
        /* PAD judges the sample, not the comparison: a fake is flagged whoever's template the
         * daemon compares it with. */
        res.presentation_attack = outcome == MOCK_FINGER_PRESENTATION_ATTACK;
        mock_log(d->plugin, EG_LOG_DEBUG, "device %s: verify of traveller %s: score %.0f, %s%s",
                 d->key, t->id, res.score, res.match ? "match" : "no match",
                 res.presentation_attack ? ", presentation attack detected" : "");

        if (mock_worker_post(d->plugin->worker, op->id, d, &res) < 0) {
                struct eg_op_result r = {
                        .fd = -1,
                        .score = res.score,
                        .threshold = res.threshold,
                        .match = res.match,
                        .presentation_attack = res.presentation_attack,
                };
                mock_op_complete(op, &r);
                return;
        }
        mock_op_forget(op); /* done here; the worker completes it */
}

static void finger_finish(struct mock_device *d, struct mock_op *op) {
        const struct mock_traveller *t = mock_world_finger(d->lane->world);
        struct eg_op_result r = { .fd = -1 };
        enum mock_finger_outcome outcome;

        if (!t) {
                mock_op_end(op, -EAGAIN, "finger lifted during the scan");
                return;
        }
        if (op->kind == EG_OP_FINGER_VERIFY) {
                verify(d, op, t);
                return;
        }

        outcome = mock_world_finger_outcome(d->lane->world, false);
        if (outcome == MOCK_FINGER_TIMEOUT || outcome == MOCK_FINGER_POOR_QUALITY)
                (void) mock_world_finger_outcome(d->lane->world, true);
        if (outcome == MOCK_FINGER_TIMEOUT) {
                op->state = MOCK_OP_HANGING;
                return;
        }
        if (outcome == MOCK_FINGER_POOR_QUALITY) {
                mock_op_end(op, -EAGAIN, "poor quality");
                return;
        }

        if (op->kind == EG_OP_FINGER_ENROLL) {
                uint8_t template[MOCK_TEMPLATE_MAX];
                int len = mock_traveller_template(t, template, sizeof(template));

                if (len < 0) {
                        mock_op_end(op, -EIO, "template too large");
                        return;
                }
                r.data = template;
                r.data_len = (size_t) len;
                r.format = TEMPLATE_FORMAT;
                mock_op_complete(op, &r);
                return;
        }

        char comment[64];
        int fd, k;

        (void) snprintf(comment, sizeof(comment), "finger subject=%s", t->id);
        k = mock_image_memfd(MOCK_IMAGE_FINGER, EG_LIGHT_VISIBLE, comment, &fd);
        if (k < 0) {
                mock_op_end(op, -EIO, "cannot capture the finger");
                return;
        }
        r.fd = fd;
        r.format = MOCK_IMAGE_MIME;
        /* Not on ENROLL's template above: the SDK defines the flag for CAPTURE and VERIFY. */
        r.presentation_attack = outcome == MOCK_FINGER_PRESENTATION_ATTACK;
        mock_op_complete(op, &r);
}

static void finger_release(struct mock_device *d, struct mock_op *op) {
        mock_world_finger_done(d->lane->world);
}

static void finger_attached(struct mock_device *d) {
        if (mock_world_finger(d->lane->world))
                mock_device_emit(d, EG_EVENT_FINGER_PRESENT, 0, NULL, NULL);
}

const struct mock_class mock_fingerprint_class = {
        .begin = finger_begin,
        .finish = finger_finish,
        .release = finger_release,
        .attached = finger_attached,
};
