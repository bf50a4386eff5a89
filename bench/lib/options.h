/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command line every case binary shares (bench/run passes it on). */
#pragma once

struct bench_options {
        unsigned rounds, per_round;
        const char *build_root; /* egated, the mock plugin, the echo service */
        const char *source_root; /* the mock scenarios */
        const char *cpu; /* see bench_place(); NULL: the default CPU */
};

/* The defaults: the case's own round sizes, this build tree and its sources. */
#define BENCH_OPTIONS_INIT(r, p)                                                                   \
        {                                                                                          \
                .rounds = (r), .per_round = (p), .build_root = BENCH_BUILD_ROOT,                   \
                .source_root = BENCH_SOURCE_ROOT                                                   \
        }

/* Parses, then places this process (--cpu, see placement.h) before anything
 * starts.  1: go on; 0: --help was printed, exit successfully; -EINVAL: bad
 * usage or the CPU cannot be used (said why). */
int bench_options_parse(int argc, char *argv[], const char *case_name, const char *summary,
                        struct bench_options *o);
