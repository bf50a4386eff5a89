/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "result.h"

double bench_ratio(uint64_t subject, uint64_t baseline) {
        if (baseline == 0)
                return -1;
        return (double) subject / (double) baseline;
}

bool bench_result_passes(const struct bench_result *r) {
        double p50 = bench_ratio(r->subject.p50, r->baseline.p50);
        double p99 = bench_ratio(r->subject.p99, r->baseline.p99);

        return p50 >= 0 && p99 >= 0 && p50 <= r->target && p99 <= r->target;
}

/* json_object_object_add() takes the value even when it fails.  NULL is JSON
 * null here, where a value may be missing on purpose (a ratio to zero). */
static int add_nullable(json_object *o, const char *key, json_object *value) {
        return json_object_object_add(o, key, value) < 0 ? -ENOMEM : 0;
}

/* Everywhere else a NULL value is a failed allocation. */
static int add(json_object *o, const char *key, json_object *value) {
        if (!value)
                return -ENOMEM;
        return add_nullable(o, key, value);
}

/* A double printed with 3 decimals: more would only report noise.  A
 * negative value (no ratio) is added as JSON null. */
static int add_number(json_object *o, const char *key, double value) {
        char text[64];

        if (value < 0)
                return add_nullable(o, key, NULL);
        (void) snprintf(text, sizeof(text), "%.3f", value);
        return add(o, key, json_object_new_double_s(value, text));
}

static json_object *summary_to_json(const char *name, const struct bench_summary *s) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();

        if (!o || add(o, "name", json_object_new_string(name)) < 0 ||
            add(o, "n", json_object_new_uint64(s->n)) < 0 ||
            add(o, "min", json_object_new_uint64(s->min)) < 0 ||
            add(o, "p50", json_object_new_uint64(s->p50)) < 0 ||
            add(o, "p99", json_object_new_uint64(s->p99)) < 0 ||
            add(o, "max", json_object_new_uint64(s->max)) < 0 || add_number(o, "mean", s->mean) < 0)
                return NULL;
        return TAKE_PTR(o);
}

json_object *bench_result_to_json(const struct bench_result *r) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object(), *ratio = NULL;

        ratio = json_object_new_object();
        if (!o || !ratio ||
            add_number(ratio, "p50", bench_ratio(r->subject.p50, r->baseline.p50)) < 0 ||
            add_number(ratio, "p99", bench_ratio(r->subject.p99, r->baseline.p99)) < 0)
                return NULL;

        if (add(o, "case", json_object_new_string(r->case_name)) < 0 ||
            add(o, "metric", json_object_new_string(r->metric)) < 0 ||
            add(o, "unit", json_object_new_string("ns")) < 0 ||
            add(o, "baseline", summary_to_json(r->baseline_name, &r->baseline)) < 0 ||
            add(o, "subject", summary_to_json(r->subject_name, &r->subject)) < 0 ||
            add(o, "ratio", TAKE_PTR(ratio)) < 0 || add_number(o, "target", r->target) < 0 ||
            add(o, "verdict", json_object_new_string(bench_result_passes(r) ? "PASS" : "FAIL")) <
                    0 ||
            add(o, "rounds", json_object_new_uint64(r->rounds)) < 0 ||
            add(o, "per_round", json_object_new_uint64(r->per_round)) < 0)
                return NULL;
        if (r->params && add(o, "params", json_object_get(r->params)) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static int print_line(json_object *o, FILE *f) {
        const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

        if (!text)
                return -ENOMEM;
        if (fprintf(f, "%s\n", text) < 0 || fflush(f) != 0)
                return -EIO;
        return 0;
}

int bench_result_print(const struct bench_result *r, FILE *f) {
        _cleanup_(json_object_putp) json_object *o = bench_result_to_json(r);

        if (!o)
                return -ENOMEM;
        return print_line(o, f);
}

int bench_error_print(const char *case_name, const char *message, FILE *f) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();

        if (!o || add(o, "case", json_object_new_string(case_name)) < 0 ||
            add(o, "verdict", json_object_new_string("ERROR")) < 0 ||
            add(o, "error", json_object_new_string(message)) < 0)
                return -ENOMEM;
        return print_line(o, f);
}

int bench_case_failed(const char *case_name, int error, const char *what) {
        _cleanup_free_ char *message = NULL;

        if (asprintf(&message, "%s: %s", what, strerror(error < 0 ? -error : error)) < 0)
                message = NULL;
        fprintf(stderr, "bench: %s: %s\n", case_name, message ? message : what);
        (void) bench_error_print(case_name, message ? message : what, stdout);
        return error < 0 ? error : -error;
}
