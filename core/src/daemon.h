/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The process around the manager: the event loop, signals (SIGTERM/SIGINT
 * stop with doors made safe first, SIGHUP reloads the config), the service
 * manager protocol (READY=1, RELOADING=1, STOPPING=1, watchdog) and the bus.
 */
#pragma once

#include <stdbool.h>

struct eg_manager;

struct eg_daemon_options {
        const char *config_file; /* NULL: the default file */
        char **plugin_dirs;
        bool user_bus;
        const char *mock_scenario;
        const char *state_directory; /* NULL: $STATE_DIRECTORY (systemd), then the config */
        int log_level; /* -1: from the config, else info */
        bool log_personal_data;
        /* PIPELINE: mock mode's test backends (core/src/mock-support.c, egated only). */
        int (*mock_setup)(struct eg_manager *m);
};

#define EG_BUS_NAME "org.egate.EGate1"

/* Run until stopped.  Returns 0 on a clean stop, a negative errno otherwise. */
int eg_daemon_run(const struct eg_daemon_options *o);
