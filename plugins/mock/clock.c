/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <time.h>

#include "mock.h"

static uint64_t monotonic_ms(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static uint64_t (*clock_fn)(void) = monotonic_ms;

uint64_t mock_now_ms(void) {
        return clock_fn();
}

void mock_clock_override(uint64_t (*now_ms)(void)) {
        clock_fn = now_ms ? now_ms : monotonic_ms;
}

int mock_timer_start(struct mock_plugin *p, struct mock_timer *t, uint64_t delay_ms, eg_timer_fn fn,
                     void *userdata) {
        int r;

        mock_timer_stop(p, t);
        r = eg_host_timer_add(p->host, delay_ms * 1000, fn, userdata, &t->source);
        if (r < 0)
                return r;
        t->armed = true;
        return 0;
}

void mock_timer_stop(struct mock_plugin *p, struct mock_timer *t) {
        if (!t->armed)
                return;
        eg_host_source_remove(p->host, t->source);
        t->armed = false;
}
