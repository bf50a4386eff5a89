/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "placement.h"
#include "options.h"

/* Far beyond any useful run, low enough that rounds * per_round cannot overflow. */
#define ROUNDS_MAX 100000u

static int parse_count(const char *option, const char *text, unsigned *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(text, &end, 10);
        if (errno != 0 || end == text || *end || text[0] == '-' || v == 0 || v > ROUNDS_MAX) {
                fprintf(stderr, "bench: %s: expected a whole number from 1 to %u, not '%s'\n",
                        option, ROUNDS_MAX, text);
                return -EINVAL;
        }
        *ret = (unsigned) v;
        return 0;
}

static void help(const char *case_name, const char *summary, const struct bench_options *o) {
        printf("Usage: case-%s [OPTIONS]\n"
               "\n"
               "%s\n"
               "Prints one JSON result line on stdout (see docs/benchmarks.md).\n"
               "\n"
               "  -h --help              Show this help and exit\n"
               "     --rounds N         Interleaved rounds of baseline and subject (default %u)\n"
               "     --per-round N      Calls of each side per round (default %u)\n"
               "     --build-root DIR   The build tree to take egated from (default %s)\n"
               "     --source-root DIR  The source tree (default %s)\n"
               "     --cpu N|any        Run everything on CPU N, or unpinned (default: the\n"
               "                        highest-numbered CPU allowed; see docs/benchmarks.md)\n",
               case_name, summary, o->rounds, o->per_round, o->build_root, o->source_root);
}

int bench_options_parse(int argc, char *argv[], const char *case_name, const char *summary,
                        struct bench_options *o) {
        enum { ARG_ROUNDS = 0x100, ARG_PER_ROUND, ARG_BUILD_ROOT, ARG_SOURCE_ROOT, ARG_CPU };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "rounds", required_argument, NULL, ARG_ROUNDS },
                { "per-round", required_argument, NULL, ARG_PER_ROUND },
                { "build-root", required_argument, NULL, ARG_BUILD_ROOT },
                { "source-root", required_argument, NULL, ARG_SOURCE_ROOT },
                { "cpu", required_argument, NULL, ARG_CPU },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help(case_name, summary, o);
                        return 0;
                case ARG_ROUNDS:
                        if (parse_count("--rounds", optarg, &o->rounds) < 0)
                                return -EINVAL;
                        break;
                case ARG_PER_ROUND:
                        if (parse_count("--per-round", optarg, &o->per_round) < 0)
                                return -EINVAL;
                        break;
                case ARG_BUILD_ROOT:
                        o->build_root = optarg;
                        break;
                case ARG_SOURCE_ROOT:
                        o->source_root = optarg;
                        break;
                case ARG_CPU:
                        o->cpu = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "bench: unexpected argument '%s' (see --help)\n", argv[optind]);
                return -EINVAL;
        }
        /* Now, before anything starts, so that every process of the case inherits it. */
        return bench_place(o->cpu) < 0 ? -EINVAL : 1;
}
