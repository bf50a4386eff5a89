/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Indicator: remembers what it shows (control "status" reports it); the
 * traveller at the reader reacts to red. */
#include <stdio.h>

#include "mock.h"

static void indicator_begin(struct mock_device *d, struct mock_op *op) {
        (void) mock_op_delay(op, mock_device_latency(d, op->kind));
}

static void indicator_finish(struct mock_device *d, struct mock_op *op) {
        struct mock_indicator_state *s = &d->indicator;

        if (op->colour > EG_COLOUR_WHITE || op->pattern > EG_PATTERN_FAST_FLASH) {
                mock_op_end(op, -EINVAL, "unknown colour or pattern");
                return;
        }
        s->set = true;
        s->colour = op->colour;
        s->pattern = op->pattern;
        s->buzzer = op->buzzer;
        s->message_id = op->message_id;
        (void) snprintf(s->language, sizeof(s->language), "%s", op->language);
        mock_op_end(op, 0, NULL);
        mock_world_indicator(d->lane->world, s->colour);
}

static void indicator_attached(struct mock_device *d) {
}

const struct mock_class mock_indicator_class = {
        .begin = indicator_begin,
        .finish = indicator_finish,
        .attached = indicator_attached,
};
