/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* egated: command line. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "daemon.h"
#include "egate-build-config.h"
#include "log.h"
#include "mock-support.h"

static void help(void) {
        printf("Usage: egated [OPTIONS]\n"
               "\n"
               "The egate daemon: device plugins, the D-Bus API and the lane pipeline of\n"
               "automated border-control e-gates.\n"
               "\n"
               "  -h --help               Show this help and exit\n"
               "     --version            Show the version and exit\n"
               "  -c --config FILE        Configuration file (default %s,\n"
               "                          plus drop-ins in egated.conf.d/*.conf beside it)\n"
               "     --check-config       Read the configuration, report every problem or\n"
               "                          what it holds, and exit (1 if egated would refuse it)\n"
               "  -p --plugin-dir DIR     Load plugins from DIR (repeatable; replaces the\n"
               "                          configured and built-in directories, default %s)\n"
               "     --user               Use the session bus instead of the system bus\n"
               "                          (development and tests)\n"
               "     --mock SCENARIO      Load the test-only mock plugins and run SCENARIO\n"
               "                          (a JSON file; see plugins/mock/README.md)\n"
               "     --state-directory DIR  Registry, audit trail and keys (default\n"
               "                          $STATE_DIRECTORY, else [daemon] state-directory)\n"
               "     --log-level LEVEL    err, warning, notice, info or debug (default info)\n"
               "     --log-personal-data  Allow passport data in logs (never in production)\n"
               "\n"
               "Signals: SIGTERM/SIGINT stop (doors go to their safe state first),\n"
               "SIGHUP reloads the configuration (an invalid one is refused).\n",
               EG_DEFAULT_CONFIG_FILE, EGATE_PLUGINSDIR);
}

enum {
        ARG_VERSION = 0x100,
        ARG_USER,
        ARG_MOCK,
        ARG_LOG_LEVEL,
        ARG_LOG_PERSONAL_DATA,
        ARG_STATE_DIRECTORY,
        ARG_CHECK_CONFIG,
};

static int parse_argv(int argc, char *argv[], struct eg_daemon_options *o, bool *check_config) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "config", required_argument, NULL, 'c' },
                { "plugin-dir", required_argument, NULL, 'p' },
                { "user", no_argument, NULL, ARG_USER },
                { "mock", required_argument, NULL, ARG_MOCK },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                { "log-personal-data", no_argument, NULL, ARG_LOG_PERSONAL_DATA },
                { "state-directory", required_argument, NULL, ARG_STATE_DIRECTORY },
                { "check-config", no_argument, NULL, ARG_CHECK_CONFIG },
                {},
        };
        int c, r;

        while ((c = getopt_long(argc, argv, "hc:p:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("egated %s (plugin SDK ABI %d.%d)\n", EGATE_VERSION,
                               EG_SDK_ABI_MAJOR, EG_SDK_ABI_MINOR);
                        return 0;
                case 'c':
                        o->config_file = optarg;
                        break;
                case 'p':
                        r = strv_extend(&o->plugin_dirs, optarg);
                        if (r < 0)
                                return log_oom();
                        break;
                case ARG_USER:
                        o->user_bus = true;
                        break;
                case ARG_MOCK:
                        o->mock_scenario = optarg;
                        break;
                case ARG_LOG_LEVEL:
                        r = log_level_from_string(optarg);
                        if (r < 0)
                                return log_error_errno(EINVAL,
                                                       "--log-level: unknown level '%s' (use err, "
                                                       "warning, notice, info or debug)",
                                                       optarg);
                        o->log_level = r;
                        break;
                case ARG_STATE_DIRECTORY:
                        if (optarg[0] != '/')
                                return log_error_errno(EINVAL,
                                                       "--state-directory needs an absolute path");
                        o->state_directory = optarg;
                        break;
                case ARG_LOG_PERSONAL_DATA:
                        o->log_personal_data = true;
                        break;
                case ARG_CHECK_CONFIG:
                        *check_config = true;
                        break;
                case '?':
                        return -EINVAL;
                default:
                        return -EINVAL;
                }
        if (optind < argc)
                return log_error_errno(EINVAL, "unexpected argument '%s' (see --help)",
                                       argv[optind]);
        return 1;
}

int main(int argc, char *argv[]) {
        struct eg_daemon_options o = {
                .log_level = -1, .mock_setup = eg_mock_support_setup, /* PIPELINE */
        };
        bool check_config = false;
        int r;

        log_setup(EG_LOG_TARGET_AUTO);
        r = parse_argv(argc, argv, &o, &check_config);
        if (r > 0 && check_config)
                r = eg_config_check(o.config_file, stdout, stderr) < 0 ? -EINVAL : 0;
        if (r <= 0) {
                strv_free(o.plugin_dirs);
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        }
        if (o.log_personal_data)
                log_warning("--log-personal-data: passport data may appear in the logs");
        r = eg_daemon_run(&o);
        strv_free(o.plugin_dirs);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
