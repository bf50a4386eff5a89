/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-report: the table of bench/run, from the cases' JSON result lines
 * (bench/lib/result.h).  Exit status: 0 when every case passed, 1 when one
 * failed its target or could not run, 2 when the input is unusable.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "result.h"

struct tally {
        unsigned pass, fail, error;
};

static const char *get_string(json_object *o, const char *key, const char *fallback) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return fallback;
        return json_object_get_string(v);
}

/* o.key.sub as a number; false when missing or not a number. */
static bool get_number(json_object *o, const char *key, const char *sub, double *ret) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v))
                return false;
        if (sub && !json_object_object_get_ex(v, sub, &v))
                return false;
        if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
                return false;
        *ret = json_object_get_double(v);
        return true;
}

/* One unit for the four times of a row, from the smallest of them. */
static void pick_unit(double smallest_ns, const char **name, double *divisor, int *decimals) {
        if (smallest_ns >= 1e7) {
                *name = "ms", *divisor = 1e6, *decimals = 2;
        } else {
                *name = "us", *divisor = 1e3, *decimals = smallest_ns >= 1e4 ? 1 : 2;
        }
}

static void format_pair(char *buf, size_t size, double p50, double p99, double divisor,
                        int decimals, const char *unit) {
        (void) snprintf(buf, size, "%.*f / %.*f %s", decimals, p50 / divisor, decimals,
                        p99 / divisor, unit);
}

static void print_header(void) {
        printf("%-16s %-8s %-24s %-24s %-15s %-7s %s\n", "case", "metric", "baseline p50/p99",
               "subject p50/p99", "ratio p50/p99", "target", "verdict");
}

static void print_row(json_object *o, struct tally *t) {
        const char *name = get_string(o, "case", "?"), *verdict = get_string(o, "verdict", "?");
        double b50, b99, s50, s99, r50, r99, target;
        char baseline[64], subject[64], ratio[32], target_text[16];
        const char *unit;
        double divisor;
        int decimals;

        if (streq(verdict, "ERROR") || !get_number(o, "baseline", "p50", &b50) ||
            !get_number(o, "baseline", "p99", &b99) || !get_number(o, "subject", "p50", &s50) ||
            !get_number(o, "subject", "p99", &s99) || !get_number(o, "target", NULL, &target)) {
                t->error++;
                printf("%-16s ERROR: %s\n", name, get_string(o, "error", "incomplete result"));
                return;
        }
        pick_unit(b50 < s50 ? b50 : s50, &unit, &divisor, &decimals);
        format_pair(baseline, sizeof(baseline), b50, b99, divisor, decimals, unit);
        format_pair(subject, sizeof(subject), s50, s99, divisor, decimals, unit);
        if (get_number(o, "ratio", "p50", &r50) && get_number(o, "ratio", "p99", &r99))
                (void) snprintf(ratio, sizeof(ratio), "%.2f / %.2f", r50, r99);
        else
                (void) snprintf(ratio, sizeof(ratio), "n/a");
        (void) snprintf(target_text, sizeof(target_text), "<= %.2f", target);

        if (streq(verdict, "PASS"))
                t->pass++;
        else
                t->fail++;
        printf("%-16s %-8s %-24s %-24s %-15s %-7s %s\n", name, get_string(o, "metric", "?"),
               baseline, subject, ratio, target_text, verdict);
}

int main(int argc, char *argv[]) {
        _cleanup_(fclosep) FILE *in = NULL;
        _cleanup_free_ char *line = NULL;
        struct tally t = {};
        size_t size = 0;
        unsigned lineno = 0;
        ssize_t n;

        if (argc != 2 || streq(argv[1], "-h") || streq(argv[1], "--help")) {
                fprintf(stderr, "Usage: bench-report RESULTS.jsonl\n\n"
                                "Prints bench/run's table from the cases' JSON lines.\n");
                return argc == 2 ? EXIT_SUCCESS : 2;
        }
        in = fopen(argv[1], "re");
        if (!in) {
                fprintf(stderr, "bench-report: %s: %m\n", argv[1]);
                return 2;
        }

        print_header();
        while ((n = getline(&line, &size, in)) >= 0) {
                _cleanup_(json_object_putp) json_object *o = NULL;

                lineno++;
                if (n == 0 || line[strspn(line, " \t\r\n")] == '\0')
                        continue;
                o = json_tokener_parse(line);
                if (!o || !json_object_is_type(o, json_type_object)) {
                        fprintf(stderr, "bench-report: %s:%u: not a JSON object\n", argv[1],
                                lineno);
                        t.error++;
                        continue;
                }
                print_row(o, &t);
        }
        printf("\n%u passed, %u failed, %u could not run (ratios judged; absolute times only "
               "shown)\n",
               t.pass, t.fail, t.error);
        if (t.pass + t.fail + t.error == 0) {
                fprintf(stderr, "bench-report: no results in %s\n", argv[1]);
                return 2;
        }
        return t.fail + t.error > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
