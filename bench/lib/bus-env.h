/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A private bus for one case: a dbus-daemon of its own in a 0700 temporary
 * directory (also the XDG_RUNTIME_DIR of everything started here, so the
 * mock's control socket lands there too), egated from the build tree with
 * the mock plugin, and the echo service that serves as the baseline.  Both
 * services sit on the same bus, so both paths go through the same
 * dbus-daemon and the ratio isolates egated's own overhead.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "child.h"
#include "options.h"

#define BENCH_EGATE_NAME "org.egate.EGate1"
#define BENCH_ECHO_NAME "org.egate.Bench.Echo"
#define BENCH_ECHO_PATH "/org/egate/Bench/Echo"
#define BENCH_ECHO_IFACE "org.egate.Bench.Echo1"

/* How long a service may take to appear on the bus. */
#define BENCH_START_TIMEOUT_MS 10000u

struct bench_env {
        char *dir; /* the private runtime directory */
        char *bus_address;
        char *mock_socket; /* the mock plugin's control socket */
        struct bench_child bus, egated, echo;
        sd_bus *client; /* the case's one client connection */
        const struct bench_options *options;
};

/* The directory, the dbus-daemon and the client connection. */
int bench_env_start_bus(struct bench_env *e, const struct bench_options *o);

/* egated --user --mock all-devices.json, zero latency, log level warning;
 * returns once it owns its name. */
int bench_env_start_egated(struct bench_env *e);

/* egated with another scenario (an absolute path) and `config` as its whole config file,
 * a state directory of its own in the case's directory (registry, audit trail) and
 * log level `log_level`; returns once it owns its name.  The pipeline cases use it. */
int bench_env_start_egated_with(struct bench_env *e, const char *scenario, const char *config,
                                const char *log_level);

/* The echo service (bench/echo-service.c) with extra_args (NULL-terminated,
 * may be NULL); returns once it owns its name. */
int bench_env_start_echo(struct bench_env *e, char *const extra_args[]);

/* Polls Properties.Get until it answers, for objects that appear after the
 * name (egated's devices come from a plugin). */
int bench_env_wait_property(struct bench_env *e, const char *dest, const char *path,
                            const char *iface, const char *property, unsigned timeout_ms);

/* Stops everything started, in reverse order, and removes the directory;
 * with show_logs, the services' logs go to stderr first. */
void bench_env_stop(struct bench_env *e, bool show_logs);
