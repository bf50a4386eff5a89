/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Presence sensor: the people counts of the lane's zones. */
#include "mock.h"

static void presence_begin(struct mock_device *d, struct mock_op *op) {
        (void) mock_op_delay(op, mock_device_latency(d, op->kind));
}

static void presence_finish(struct mock_device *d, struct mock_op *op) {
        const char *zone = op->zone ? op->zone : d->zone;
        struct eg_op_result r = { .fd = -1 };
        int count;

        count = zone ? mock_world_zone_count(d->lane->world, zone) : -ENOENT;
        if (count < 0) {
                mock_op_end(op, -EINVAL, "unknown zone");
                return;
        }
        r.value = count;
        mock_op_complete(op, &r);
}

static void presence_attached(struct mock_device *d) {
        struct mock_world *w = d->lane->world;

        for (size_t i = 0; i < mock_world_n_zones(w); i++) {
                const char *zone = mock_world_zone_name(w, i);

                mock_device_emit(d, EG_EVENT_OCCUPANCY, mock_world_zone_count(w, zone), zone, NULL);
        }
}

const struct mock_class mock_presence_class = {
        .begin = presence_begin,
        .finish = presence_finish,
        .attached = presence_attached,
};
