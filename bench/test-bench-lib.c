/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The harness's own arithmetic: percentiles, the interleaving order of
 * bench_ab(), ratios, verdicts and the JSON line.  No timing is judged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "ab.h"
#include "macro.h"
#include "result.h"
#include "samples.h"

static void test_percentile_nearest_rank(void **state) {
        const uint64_t ten[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
        uint64_t hundred[100];

        for (unsigned i = 0; i < 100; i++)
                hundred[i] = i + 1;
        /* ceil(p * n / 100): rank 5 of 10 for p50, rank 10 for p99. */
        assert_int_equal(bench_percentile_sorted(ten, 10, 50), 5);
        assert_int_equal(bench_percentile_sorted(ten, 10, 99), 10);
        assert_int_equal(bench_percentile_sorted(ten, 10, 100), 10);
        assert_int_equal(bench_percentile_sorted(ten, 10, 1), 1);
        assert_int_equal(bench_percentile_sorted(hundred, 100, 99), 99);
        assert_int_equal(bench_percentile_sorted(hundred, 100, 50), 50);
        assert_int_equal(bench_percentile_sorted(ten, 1, 99), 1);
        assert_int_equal(bench_percentile_sorted(ten, 0, 50), 0);
}

static void test_summary_sorts_a_copy(void **state) {
        _cleanup_(bench_samples_clear) struct bench_samples s = {};
        const uint64_t values[] = { 900, 100, 500, 300, 700 };
        struct bench_summary sum;

        assert_int_equal(bench_samples_summarize(&s, &sum), -ENODATA);
        for (size_t i = 0; i < ELEMENTSOF(values); i++)
                assert_int_equal(bench_samples_add(&s, values[i]), 0);
        assert_int_equal(bench_samples_summarize(&s, &sum), 0);
        assert_int_equal(sum.n, 5);
        assert_int_equal(sum.min, 100);
        assert_int_equal(sum.p50, 500);
        assert_int_equal(sum.p99, 900);
        assert_int_equal(sum.max, 900);
        assert_true(sum.mean > 499.9 && sum.mean < 500.1);
        /* The samples stay in measurement order. */
        assert_memory_equal(s.values, values, sizeof(values));
}

static void test_samples_grow(void **state) {
        _cleanup_(bench_samples_clear) struct bench_samples s = {};
        struct bench_summary sum;

        for (uint64_t i = 5000; i > 0; i--)
                assert_int_equal(bench_samples_add(&s, i), 0);
        assert_int_equal(bench_samples_summarize(&s, &sum), 0);
        assert_int_equal(sum.n, 5000);
        assert_int_equal(sum.p50, 2500);
        assert_int_equal(sum.p99, 4950);
}

struct order {
        char calls[64];
        size_t n;
        unsigned fail_after; /* 0: never */
};

static int side(struct order *o, char which) {
        if (o->n == sizeof(o->calls) - 1)
                return -E2BIG;
        o->calls[o->n++] = which;
        if (o->fail_after && o->n >= o->fail_after)
                return -EIO;
        return 0;
}

static int side_a(void *ctx) {
        return side(ctx, 'a');
}

static int side_b(void *ctx) {
        return side(ctx, 'b');
}

static void test_ab_interleaves(void **state) {
        _cleanup_(bench_samples_clear) struct bench_samples a = {}, b = {};
        struct order o = {};

        assert_int_equal(bench_ab(3, 2, side_a, side_b, &o, &a, &b), 0);
        /* Warm-up of each side, then rounds whose first side alternates. */
        assert_string_equal(o.calls, "aabb"
                                     "aabb"
                                     "bbaa"
                                     "aabb");
        assert_int_equal(a.n, 6);
        assert_int_equal(b.n, 6);
}

static void test_ab_stops_at_a_failure(void **state) {
        _cleanup_(bench_samples_clear) struct bench_samples a = {}, b = {};
        struct order o = { .fail_after = 6 };

        assert_int_equal(bench_ab(3, 2, side_a, side_b, &o, &a, &b), -EIO);
        assert_int_equal(o.n, 6);
        assert_int_equal(bench_ab(0, 2, side_a, side_b, &o, &a, &b), -EINVAL);
        assert_int_equal(bench_ab(2, 0, side_a, side_b, &o, &a, &b), -EINVAL);
}

static struct bench_result make_result(uint64_t b50, uint64_t b99, uint64_t s50, uint64_t s99) {
        return (struct bench_result){
                .case_name = "unit",
                .metric = "latency",
                .baseline_name = "base",
                .subject_name = "subject",
                .baseline = { .n = 1, .min = b50, .p50 = b50, .p99 = b99, .max = b99 },
                .subject = { .n = 1, .min = s50, .p50 = s50, .p99 = s99, .max = s99 },
                .target = 1.2,
                .rounds = 2,
                .per_round = 3,
        };
}

static void test_verdict_needs_both_percentiles(void **state) {
        struct bench_result r;

        r = make_result(100, 200, 120, 240); /* exactly 1.2 and 1.2 */
        assert_true(bench_result_passes(&r));
        r = make_result(100, 200, 110, 260); /* p99 1.3 */
        assert_false(bench_result_passes(&r));
        r = make_result(100, 200, 130, 200); /* p50 1.3 */
        assert_false(bench_result_passes(&r));
        r = make_result(0, 200, 10, 200); /* no ratio to a zero baseline */
        assert_false(bench_result_passes(&r));
        assert_true(bench_ratio(10, 0) < 0);
}

static void test_json_line(void **state) {
        struct bench_result r = make_result(1000, 2000, 1500, 2200);
        json_object *o = bench_result_to_json(&r), *v;

        assert_non_null(o);
        assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
                            "{\"case\":\"unit\",\"metric\":\"latency\",\"unit\":\"ns\","
                            "\"baseline\":{\"name\":\"base\",\"n\":1,\"min\":1000,\"p50\":1000,"
                            "\"p99\":2000,\"max\":2000,\"mean\":0.000},"
                            "\"subject\":{\"name\":\"subject\",\"n\":1,\"min\":1500,\"p50\":1500,"
                            "\"p99\":2200,\"max\":2200,\"mean\":0.000},"
                            "\"ratio\":{\"p50\":1.500,\"p99\":1.100},\"target\":1.200,"
                            "\"verdict\":\"FAIL\",\"rounds\":2,\"per_round\":3}");
        json_object_put(o);

        r = make_result(0, 0, 10, 10);
        o = bench_result_to_json(&r);
        assert_true(json_object_object_get_ex(o, "ratio", &v));
        assert_true(json_object_object_get_ex(v, "p50", &v));
        assert_null(v); /* JSON null, not a made-up number */
        json_object_put(o);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_percentile_nearest_rank),
                cmocka_unit_test(test_summary_sorts_a_copy),
                cmocka_unit_test(test_samples_grow),
                cmocka_unit_test(test_ab_interleaves),
                cmocka_unit_test(test_ab_stops_at_a_failure),
                cmocka_unit_test(test_verdict_needs_both_percentiles),
                cmocka_unit_test(test_json_line),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
