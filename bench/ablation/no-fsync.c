/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An ablation for pipeline-cpu (docs/benchmarks.md), never for a gate: preloaded into
 * egated, fsync() and fdatasync() return at once, so the audit record is no longer
 * durable.  The difference to a normal run is what durability costs egated's CPU.
 *
 *   LD_PRELOAD=BUILD/bench/bench-no-fsync.so bench/run --case pipeline-cpu-1
 */
#include <unistd.h>

int fsync(int fd) {
        (void) fd;
        return 0;
}

int fdatasync(int fd) {
        (void) fd;
        return 0;
}
