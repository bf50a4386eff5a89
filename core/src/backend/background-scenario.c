/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "scenario" background backend (mock mode): verdicts from a table the
 * daemon's mock support fills from the scenario's travellers.  Document
 * numbers are personal data: they are compared, never logged.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "background-queue.h"
#include "background.h"
#include "macro.h"

struct scenario_backend {
        struct background_queue *queue;
        struct eg_background_entry *entries;
        size_t n_entries;
};

static bool state_equal(const char *a, const char *b) {
        size_t la = strcspn(a, "<"), lb = strcspn(b, "<");

        return la == lb && strncmp(a, b, la) == 0;
}

static int scenario_check(void *backend, const struct eg_background_query *q,
                          eg_background_done_fn done, void *userdata, uint64_t *ret_request) {
        struct scenario_backend *s = backend;

        if (!q->issuing_state || !q->document_number)
                return -EINVAL;
        for (size_t i = 0; i < s->n_entries; i++) {
                const struct eg_background_entry *e = &s->entries[i];

                if (!state_equal(e->issuing_state, q->issuing_state) ||
                    !streq(e->document_number, q->document_number))
                        continue;
                return background_queue_add(
                        s->queue, e->verdict,
                        e->verdict == EG_BACKGROUND_UNAVAILABLE ? BACKGROUND_NEVER : e->delay_ms,
                        done, userdata, ret_request);
        }
        return background_queue_add(s->queue, EG_BACKGROUND_CLEAR, 0, done, userdata, ret_request);
}

static void scenario_cancel(void *backend, uint64_t request) {
        struct scenario_backend *s = backend;

        background_queue_cancel(s->queue, request);
}

static void scenario_free(void *backend) {
        struct scenario_backend *s = backend;

        background_queue_free(s->queue);
        if (s->entries)
                explicit_bzero(s->entries, sizeof(*s->entries) * s->n_entries);
        free(s->entries);
        free(s);
}

static const struct eg_background_backend_ops scenario_ops = {
        .name = "scenario",
        .check = scenario_check,
        .cancel = scenario_cancel,
        .free = scenario_free,
};

int eg_background_scenario_new(sd_event *e, const struct eg_background_entry *entries,
                               size_t n_entries, struct eg_background **ret) {
        struct scenario_backend *s;
        struct eg_background *b;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (n_entries > 0) {
                s->entries = calloc(n_entries, sizeof(*s->entries));
                if (!s->entries) {
                        free(s);
                        return -ENOMEM;
                }
                memcpy(s->entries, entries, sizeof(*entries) * n_entries);
                s->n_entries = n_entries;
        }
        r = background_queue_new(e, &s->queue);
        if (r < 0) {
                scenario_free(s);
                return r;
        }
        b = calloc(1, sizeof(*b));
        if (!b) {
                scenario_free(s);
                return -ENOMEM;
        }
        b->ops = &scenario_ops;
        b->backend = s;
        *ret = b;
        return 0;
}
