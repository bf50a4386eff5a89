/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the chip reader tests (and bench case chip-read) need around them:
 * a private mount and network namespace, so that a pcscd of their own can
 * have /run/pcscd/pcscd.comm (pcsc-lite 1.9.9 always uses that path) and
 * vpcd its TCP ports; child processes (pcscd, vicc-passport) started and
 * stopped; pcscd's reader configuration for vpcd slots.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PEER_PCSCD_SOCKET "/run/pcscd/pcscd.comm"
#define PEER_VPCD_DRIVER "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
#define PEER_VPCD_PORT 0x8C7B /* 35963: slot 00 00 of the first vpcd reader */

/*
 * Enter a new mount and network namespace (with a user namespace if that is
 * what it takes without root), with tmpfs on /run and the loopback interface
 * up.  Call before any thread starts.  On failure `why` says what refused,
 * for the test's skip message.
 */
int peer_isolate(char *why, size_t size);

struct peer_process {
        pid_t pid; /* 0: not running */
        int out; /* its stdout, when asked for; -1 otherwise */
        char name[32];
};

/*
 * Start argv[0] (a path) with stderr appended to `log_path` (NULL: ours).
 * With `ready_line`, wait up to timeout_ms for that line on its stdout.
 * stdout goes to the log too when no line is awaited.
 */
int peer_spawn(const char *const *argv, const char *log_path, const char *ready_line,
               unsigned timeout_ms, struct peer_process *ret);
/* Send `sig`, wait up to timeout_ms (then SIGKILL).  The exit status as
 * waitpid() gives it, or -errno.  A process not running: 0. */
int peer_stop(struct peer_process *p, int sig, unsigned timeout_ms);
/* Still running?  Reaps it if it ended. */
bool peer_alive(struct peer_process *p);

/* reader.conf.d for pcscd (-c): one vpcd reader per port, named `names[i]`. */
int pcscd_write_config(const char *dir, const char *const *names, const uint16_t *ports, size_t n);
/* pcscd --foreground --config dir; returns once its socket accepts connections. */
int pcscd_start(const char *pcscd, const char *conf_dir, const char *log_path,
                struct peer_process *ret);
int pcscd_stop(struct peer_process *p);

/* The file's contents on stderr, for a failing test's log. */
void peer_dump_log(const char *path);
