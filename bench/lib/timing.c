/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <time.h>

#include "timing.h"

void bench_sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000 };

        (void) nanosleep(&ts, NULL);
}

uint64_t bench_now_ns(void) {
        struct timespec ts;

        /* Cannot fail for CLOCK_MONOTONIC on Linux; a zero would only show as an
         * absurd sample, never as a crash. */
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * UINT64_C(1000000000) + (uint64_t) ts.tv_nsec;
}
