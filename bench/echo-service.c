/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The baseline service: the least an sd-bus service can do, on the same
 * private bus and with the same event loop machinery as egated (sd-event,
 * sd_bus_attach_event), so a case's ratio egated/echo is egated's own cost.
 *
 *   org.egate.Bench.Echo on /org/egate/Bench/Echo, interface org.egate.Bench.Echo1:
 *     State (s)          always "online", as long as a device's State
 *     Echo(s) -> s       returns its argument
 *     Fail()             returns the error --fail-name with --fail-message, so an
 *                        error reply can be matched in name and size
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bus-env.h"
#include "macro.h"

struct echo {
        const char *fail_name, *fail_message;
};

static int property_state(sd_bus *bus, const char *path, const char *iface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", "online");
}

static int method_echo(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *text;
        int r = sd_bus_message_read(m, "s", &text);

        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "s", text);
}

static int method_fail(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct echo *e = userdata;

        return sd_bus_error_set(error, e->fail_name, e->fail_message);
}

static const sd_bus_vtable echo_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("State", "s", property_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_NAMES("Echo", "s", SD_BUS_PARAM(text), "s", SD_BUS_PARAM(text),
                                 method_echo, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Fail", "", "", method_fail, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

static int parse_argv(int argc, char *argv[], struct echo *e) {
        enum { ARG_FAIL_NAME = 0x100, ARG_FAIL_MESSAGE };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "fail-name", required_argument, NULL, ARG_FAIL_NAME },
                { "fail-message", required_argument, NULL, ARG_FAIL_MESSAGE },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: bench-echo-service [--fail-name NAME] "
                               "[--fail-message TEXT]\n\n"
                               "The benchmarks' baseline D-Bus service, on the session bus as "
                               "%s.\n",
                               BENCH_ECHO_NAME);
                        return 0;
                case ARG_FAIL_NAME:
                        if (!sd_bus_interface_name_is_valid(optarg)) {
                                fprintf(stderr, "--fail-name: '%s' is not a D-Bus error name\n",
                                        optarg);
                                return -EINVAL;
                        }
                        e->fail_name = optarg;
                        break;
                case ARG_FAIL_MESSAGE:
                        e->fail_message = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

static int run(struct echo *e) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;

        r = sd_event_default(&event);
        if (r < 0)
                return r;
        r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
        if (r < 0)
                return r;

        r = sd_bus_open_user(&bus);
        if (r < 0) {
                fprintf(stderr, "cannot connect to the session bus: %s\n", strerror(-r));
                return r;
        }
        r = sd_bus_add_object_vtable(bus, NULL, BENCH_ECHO_PATH, BENCH_ECHO_IFACE, echo_vtable, e);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_request_name(bus, BENCH_ECHO_NAME, 0);
        if (r < 0) {
                fprintf(stderr, "cannot serve %s: %s\n", BENCH_ECHO_NAME, strerror(-r));
                return r;
        }
        return sd_event_loop(event);
}

int main(int argc, char *argv[]) {
        struct echo e = {
                .fail_name = "org.egate.Bench.Error.Refused",
                .fail_message = "refused",
        };
        int r = parse_argv(argc, argv, &e);

        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        r = run(&e);
        if (r < 0) {
                fprintf(stderr, "bench-echo-service: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
