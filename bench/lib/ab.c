/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>

#include "ab.h"
#include "timing.h"

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig) {
        interrupted = 1;
}

int bench_handle_interrupts(void) {
        /* No SA_RESTART: a blocking bus call returns -EINTR at once. */
        struct sigaction sa = { .sa_handler = on_interrupt };

        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
                return -errno;
        return 0;
}

static int run_side(bench_fn fn, void *ctx, unsigned n, struct bench_samples *record) {
        for (unsigned i = 0; i < n; i++) {
                uint64_t start, end;
                int r;

                if (interrupted)
                        return -EINTR;
                start = bench_now_ns();
                r = fn(ctx);
                end = bench_now_ns();
                if (r < 0)
                        return interrupted ? -EINTR : r;
                if (record) {
                        r = bench_samples_add(record, end - start);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int bench_ab(unsigned rounds, unsigned per_round, bench_fn fn_a, bench_fn fn_b, void *ctx,
             struct bench_samples *ret_a, struct bench_samples *ret_b) {
        int r;

        bench_samples_clear(ret_a);
        bench_samples_clear(ret_b);
        if (rounds == 0 || per_round == 0)
                return -EINVAL;

        r = run_side(fn_a, ctx, per_round, NULL);
        if (r >= 0)
                r = run_side(fn_b, ctx, per_round, NULL);
        for (unsigned round = 0; r >= 0 && round < rounds; round++) {
                bool a_first = round % 2 == 0;

                r = a_first ? run_side(fn_a, ctx, per_round, ret_a)
                            : run_side(fn_b, ctx, per_round, ret_b);
                if (r >= 0)
                        r = a_first ? run_side(fn_b, ctx, per_round, ret_b)
                                    : run_side(fn_a, ctx, per_round, ret_a);
        }
        return r < 0 ? r : 0;
}
