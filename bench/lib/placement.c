/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "macro.h"
#include "placement.h"

#define BENCH_NICE (-10)

static int pick_cpu(const char *spec, const cpu_set_t *allowed) {
        char *end;
        long v;

        if (!spec) {
                for (int i = CPU_SETSIZE - 1; i >= 0; i--)
                        if (CPU_ISSET(i, allowed))
                                return i;
                return -ENXIO;
        }
        errno = 0;
        v = strtol(spec, &end, 10);
        if (errno != 0 || end == spec || *end || v < 0 || v >= CPU_SETSIZE ||
            !CPU_ISSET((int) v, allowed)) {
                fprintf(stderr,
                        "bench: --cpu: '%s' is not a CPU this process may use (or say "
                        "any)\n",
                        spec);
                return -EINVAL;
        }
        return (int) v;
}

static int pin(const char *spec) {
        cpu_set_t allowed, one;
        int cpu;

        if (spec && streq(spec, "any"))
                return 0;
        if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
                return -errno;
        cpu = pick_cpu(spec, &allowed);
        if (cpu < 0)
                return cpu;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        if (sched_setaffinity(0, sizeof(one), &one) < 0) {
                int r = -errno;
                fprintf(stderr, "bench: cannot pin to CPU %d: %m\n", cpu);
                return r;
        }
        return 0;
}

int bench_place(const char *cpu) {
        int r = pin(cpu);

        if (r < 0)
                return r;
        /* Only ever raised: a caller that asked for less (nice bench/run) keeps it. */
        errno = 0;
        if (getpriority(PRIO_PROCESS, 0) > BENCH_NICE && errno == 0 &&
            setpriority(PRIO_PROCESS, 0, BENCH_NICE) < 0)
                fprintf(stderr, "bench: cannot raise the priority (%m): expect noisier p99s\n");
        return 0;
}
