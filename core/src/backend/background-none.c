/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "none" background backend: no watchlist service is configured, so
 * every check is "not supported" and the policy's background-unavailable
 * decides (refer by default).  The answer still comes from the loop, never
 * from inside eg_background_check(), like any backend's.
 */
#include <errno.h>
#include <stdlib.h>

#include "background-queue.h"
#include "background.h"

static int none_check(void *backend, const struct eg_background_query *q,
                      eg_background_done_fn done, void *userdata, uint64_t *ret_request) {
        return background_queue_add(backend, EG_BACKGROUND_NOT_SUPPORTED, 0, done, userdata,
                                    ret_request);
}

static void none_cancel(void *backend, uint64_t request) {
        background_queue_cancel(backend, request);
}

static void none_free(void *backend) {
        background_queue_free(backend);
}

static const struct eg_background_backend_ops none_ops = {
        .name = "none",
        .check = none_check,
        .cancel = none_cancel,
        .free = none_free,
};

int eg_background_none_new(sd_event *e, struct eg_background **ret) {
        struct eg_background *b;
        struct background_queue *q;
        int r;

        r = background_queue_new(e, &q);
        if (r < 0)
                return r;
        b = calloc(1, sizeof(*b));
        if (!b) {
                background_queue_free(q);
                return -ENOMEM;
        }
        b->ops = &none_ops;
        b->backend = q;
        *ret = b;
        return 0;
}
