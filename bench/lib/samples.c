/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "samples.h"

int bench_samples_add(struct bench_samples *s, uint64_t value) {
        if (s->n == s->allocated) {
                size_t want = s->allocated ? s->allocated * 2 : 1024;
                uint64_t *v = reallocarray(s->values, want, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                s->values = v;
                s->allocated = want;
        }
        s->values[s->n++] = value;
        return 0;
}

void bench_samples_clear(struct bench_samples *s) {
        free(s->values);
        *s = (struct bench_samples){};
}

static int compare_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

uint64_t bench_percentile_sorted(const uint64_t *sorted, size_t n, unsigned percent) {
        size_t rank;

        if (n == 0)
                return 0;
        if (percent == 0)
                percent = 1;
        if (percent > 100)
                percent = 100;
        /* Nearest rank: the smallest value with at least percent% of the
         * samples at or below it, i.e. rank ceil(percent * n / 100). */
        rank = ((size_t) percent * n + 99) / 100;
        if (rank < 1)
                rank = 1;
        return sorted[rank - 1];
}

int bench_samples_summarize(const struct bench_samples *s, struct bench_summary *ret) {
        _cleanup_free_ uint64_t *sorted = NULL;
        double sum = 0;

        if (s->n == 0)
                return -ENODATA;
        sorted = malloc(s->n * sizeof(*sorted));
        if (!sorted)
                return -ENOMEM;
        memcpy(sorted, s->values, s->n * sizeof(*sorted));
        qsort(sorted, s->n, sizeof(*sorted), compare_u64);
        for (size_t i = 0; i < s->n; i++)
                sum += (double) sorted[i];

        *ret = (struct bench_summary){
                .n = s->n,
                .min = sorted[0],
                .p50 = bench_percentile_sorted(sorted, s->n, 50),
                .p99 = bench_percentile_sorted(sorted, s->n, 99),
                .max = sorted[s->n - 1],
                .mean = sum / (double) s->n,
        };
        return 0;
}
