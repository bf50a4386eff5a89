/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "background-queue.h"
#include "list.h"
#include "macro.h"

struct pending_answer {
        uint64_t id;
        enum eg_background_verdict verdict;
        uint64_t due_usec; /* CLOCK_MONOTONIC; UINT64_MAX: never */
        eg_background_done_fn done;
        void *userdata;
        EG_LIST_FIELDS(struct pending_answer, answers);
};

struct background_queue {
        sd_event *event;
        sd_event_source *timer;
        struct pending_answer *answers;
        uint64_t next_id;
};

static uint64_t now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static void rearm(struct background_queue *q) {
        struct pending_answer *a;
        uint64_t next = UINT64_MAX;

        EG_LIST_FOREACH (answers, a, q->answers)
                if (a->due_usec < next)
                        next = a->due_usec;
        if (next == UINT64_MAX) {
                (void) sd_event_source_set_enabled(q->timer, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(q->timer, next);
        (void) sd_event_source_set_enabled(q->timer, SD_EVENT_ONESHOT);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct background_queue *q = userdata;
        uint64_t now = now_usec();

        /* One answer per pass: a callback may add, cancel or free. */
        for (;;) {
                struct pending_answer *a, *due = NULL;

                EG_LIST_FOREACH (answers, a, q->answers)
                        if (a->due_usec <= now) {
                                due = a;
                                break;
                        }
                if (!due)
                        break;
                EG_LIST_REMOVE(answers, q->answers, due);
                rearm(q);
                due->done(due->verdict, due->userdata);
                free(due);
                if (!q->answers)
                        return 0;
        }
        rearm(q);
        return 0;
}

int background_queue_new(sd_event *e, struct background_queue **ret) {
        struct background_queue *q = calloc(1, sizeof(*q));
        int r;

        if (!q)
                return -ENOMEM;
        q->event = sd_event_ref(e);
        r = sd_event_add_time(e, &q->timer, CLOCK_MONOTONIC, UINT64_MAX, 0, on_timer, q);
        if (r < 0) {
                sd_event_unref(q->event);
                free(q);
                return r;
        }
        (void) sd_event_source_set_enabled(q->timer, SD_EVENT_OFF);
        *ret = q;
        return 0;
}

void background_queue_free(struct background_queue *q) {
        if (!q)
                return;
        while (q->answers) {
                struct pending_answer *a = q->answers;

                EG_LIST_REMOVE(answers, q->answers, a);
                free(a);
        }
        sd_event_source_disable_unref(q->timer);
        sd_event_unref(q->event);
        free(q);
}

int background_queue_add(struct background_queue *q, enum eg_background_verdict verdict,
                         uint32_t delay_ms, eg_background_done_fn done, void *userdata,
                         uint64_t *ret_request) {
        struct pending_answer *a = calloc(1, sizeof(*a));

        if (!a)
                return -ENOMEM;
        a->id = ++q->next_id;
        a->verdict = verdict;
        a->due_usec = delay_ms == BACKGROUND_NEVER ? UINT64_MAX
                                                   : now_usec() + (uint64_t) delay_ms * 1000u;
        a->done = done;
        a->userdata = userdata;
        EG_LIST_APPEND(answers, q->answers, a);
        rearm(q);
        *ret_request = a->id;
        return 0;
}

void background_queue_cancel(struct background_queue *q, uint64_t request) {
        struct pending_answer *a;

        EG_LIST_FOREACH (answers, a, q->answers)
                if (a->id == request) {
                        a->verdict = EG_BACKGROUND_UNAVAILABLE;
                        a->due_usec = 0;
                        rearm(q);
                        return;
                }
}
