/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The interleaved A/B runner.  Machines here are shared and noisy, so a case
 * never measures its subject alone: it measures a baseline (A) and the
 * subject (B) in the same run, in alternating rounds, and judges only their
 * ratio.  A burst of noise then lands on both sides instead of on one.
 *
 * Each round runs per_round calls of one side, then per_round of the other;
 * the side that goes first alternates between rounds (AB, BA, AB, ...) so
 * neither side always inherits the other's warm caches.  One unrecorded
 * round of each side warms both up first.
 */
#pragma once

#include "samples.h"

/* One timed operation: 0 on success, -errno on failure (the run stops). */
typedef int (*bench_fn)(void *ctx);

/* Fills *ret_a and *ret_b (cleared first) with one sample (ns) per call.
 * Returns the first failure of fn_a or fn_b, or -EINTR when interrupted. */
int bench_ab(unsigned rounds, unsigned per_round, bench_fn fn_a, bench_fn fn_b, void *ctx,
             struct bench_samples *ret_a, struct bench_samples *ret_b);

/* SIGINT/SIGTERM make bench_ab() stop at the next call, so the case still
 * tears its processes and files down. */
int bench_handle_interrupts(void);
