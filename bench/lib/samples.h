/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sample arrays and their percentiles.  Percentiles are nearest-rank on a
 * sorted copy: the value reported is always one that was measured, never an
 * interpolation between two.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct bench_samples {
        uint64_t *values;
        size_t n, allocated;
};

struct bench_summary {
        size_t n;
        uint64_t min, p50, p99, max;
        double mean;
};

int bench_samples_add(struct bench_samples *s, uint64_t value);
void bench_samples_clear(struct bench_samples *s);

/* The nearest-rank `percent` percentile (1..100) of `n` sorted values. */
uint64_t bench_percentile_sorted(const uint64_t *sorted, size_t n, unsigned percent);

/* min, p50, p99, max and mean of the samples, from a sorted copy (they stay
 * in measurement order).  -ENODATA when there are none. */
int bench_samples_summarize(const struct bench_samples *s, struct bench_summary *ret);
