/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The background check wrappers (background.h). */
#include <errno.h>
#include <stdlib.h>

#include "background.h"
#include "macro.h"

static const char *const verdict_names[] = {
        [EG_BACKGROUND_CLEAR] = "clear",
        [EG_BACKGROUND_WATCHLIST_HIT] = "watchlist-hit",
        [EG_BACKGROUND_LOST_STOLEN] = "lost-stolen",
        [EG_BACKGROUND_UNAVAILABLE] = "unavailable",
        [EG_BACKGROUND_NOT_SUPPORTED] = "not-supported",
};

const char *eg_background_verdict_to_string(enum eg_background_verdict v) {
        if ((unsigned) v >= ELEMENTSOF(verdict_names))
                return "invalid";
        return verdict_names[v];
}

int eg_background_verdict_from_string(const char *s) {
        for (size_t i = 0; s && i < ELEMENTSOF(verdict_names); i++)
                if (streq(s, verdict_names[i]))
                        return (int) i;
        return -EINVAL;
}

int eg_background_check(struct eg_background *b, const struct eg_background_query *q,
                        eg_background_done_fn done, void *userdata, uint64_t *ret_request) {
        uint64_t request = 0;
        int r;

        if (!b || !b->ops || !q || !done)
                return -EINVAL;
        r = b->ops->check(b->backend, q, done, userdata, &request);
        if (r < 0)
                return r;
        if (ret_request)
                *ret_request = request;
        return 0;
}

void eg_background_cancel(struct eg_background *b, uint64_t request) {
        if (b && b->ops && b->ops->cancel)
                b->ops->cancel(b->backend, request);
}

void eg_background_free(struct eg_background *b) {
        if (!b)
                return;
        if (b->ops && b->ops->free)
                b->ops->free(b->backend);
        free(b);
}
