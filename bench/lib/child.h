/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The helper processes of a case (dbus-daemon, egated, the echo service, a
 * frame sender).  Each runs in its own process group, so a Ctrl-C reaches
 * only the case, which then stops them in order; each also dies with the
 * case (PR_SET_PDEATHSIG), so a killed benchmark leaves nothing running.
 */
#pragma once

#include <stdio.h>
#include <sys/types.h>

struct bench_child {
        const char *name; /* for messages */
        pid_t pid; /* 0 when not running */
        char *log_path; /* its stdout and stderr; NULL for forked helpers */
};

/* Fork only: 0 in the child, 1 in the parent, -errno on failure. */
int bench_child_fork(struct bench_child *c, const char *name);

/* Fork and exec argv with stdin from /dev/null and stdout, stderr to
 * log_path; pass_fd, unless -1, becomes fd 3 of the child. */
int bench_child_spawn(struct bench_child *c, const char *name, char *const argv[],
                      const char *log_path, int pass_fd);

/* 0 while it runs; -ECHILD once it has exited (reaped and reported on stderr). */
int bench_child_check(struct bench_child *c);

/* SIGTERM, up to timeout_ms to exit, then SIGKILL.  No-op if not running. */
void bench_child_stop(struct bench_child *c, unsigned timeout_ms);

/* The last lines of its log on f, to explain a failure. */
void bench_child_show_log(const struct bench_child *c, FILE *f);

void bench_child_clear(struct bench_child *c);
