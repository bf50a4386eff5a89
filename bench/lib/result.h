/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A case's result: one JSON line on stdout, read by bench/run (through
 * bench-report).  Absolute numbers are there to be looked at; only the
 * ratio subject/baseline is judged against the case's target.
 *
 *   {"case":"bus-property","metric":"latency","unit":"ns",
 *    "baseline":{"name":...,"n":...,"min":...,"p50":...,"p99":...,"max":...,"mean":...},
 *    "subject":{...same...},
 *    "ratio":{"p50":1.08,"p99":1.15},"target":1.2,"verdict":"PASS",
 *    "rounds":50,"per_round":100,"params":{...}}
 *
 * A case that could not run prints {"case":NAME,"verdict":"ERROR","error":TEXT}.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "macro.h"
#include "samples.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

struct bench_result {
        const char *case_name;
        const char *metric; /* e.g. "latency" */
        const char *baseline_name, *subject_name;
        struct bench_summary baseline, subject;
        double target; /* the largest acceptable ratio, for p50 and p99 alike */
        unsigned rounds, per_round;
        json_object *params; /* extra facts (e.g. the frame size); may be NULL; not taken */
};

/* subject / baseline; a negative value when the baseline is 0 (no ratio). */
double bench_ratio(uint64_t subject, uint64_t baseline);

/* Both the p50 and the p99 ratio are at most the target. */
bool bench_result_passes(const struct bench_result *r);

/* The result as a JSON object (NULL on OOM). */
json_object *bench_result_to_json(const struct bench_result *r);

/* One line each on f; -errno on failure. */
int bench_result_print(const struct bench_result *r, FILE *f);
int bench_error_print(const char *case_name, const char *message, FILE *f);

/* A case that cannot go on: says why on stderr, prints the ERROR line on
 * stdout, returns `error` (negative errno). */
int bench_case_failed(const char *case_name, int error, const char *what);
