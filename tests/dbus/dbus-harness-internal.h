/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal to the D-Bus harness (dbus-harness*.c), not for the tests, which include
 * dbus-harness.h only: the helpers the harness's files share.
 *
 *   dbus-harness.c           processes: the private bus and egated started and stopped,
 *                            the cmocka fixtures, the mock's control socket, properties
 *   dbus-harness-accounts.c  the private mount namespace with the test accounts
 *   dbus-harness-signals.c   signals collected from egated and waited for
 *   dbus-harness-clients.c   calls made by another identity (forked clients)
 *   dbus-harness-contract.c  tests/dbus/contract.py and the contract's members
 *   dbus-harness-util.c      clocks, files, child processes, connections
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "dbus-harness.h"

/* The harness running now, for the exit handler when a setup assertion left it behind. */
extern struct harness *harness_current;

uint64_t harness_now_usec(void);
/* Asserts that it could allocate. */
char *harness_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The variable's value; exits the program when it is not set (not run through meson test). */
const char *harness_env_or_die(const char *name);
/* The whole file (free it), or NULL with errno set. */
char *harness_read_file(const char *path);
int harness_write_file(const char *path, const char *text, mode_t mode);
void harness_remove_tree(const char *path);
/* Wait for pid until the deadline; returns the wait status or -1 on timeout. */
int harness_wait_until(pid_t pid, uint64_t timeout_usec);
/* A bus client connection to address, or NULL. */
sd_bus *harness_connect_bus(const char *address);

/* The match callback collecting egated's signals into struct harness (userdata). */
int harness_on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error);
