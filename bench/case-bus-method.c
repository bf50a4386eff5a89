/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-method: the cheapest real egated method call, against the echo
 * service answering the same way.
 *
 * The call is Device.Release on a device nobody claimed: egated answers
 * org.egate.EGate1.Error.NotClaimed.  It takes the path every egated method
 * takes before its own work (the access filter with its credential check,
 * the object lookup, the vtable dispatch, an error reply) and nothing more:
 * no device operation, no state change, no signal, no log line at level
 * warning, and the same answer every time.  Cheap successful calls are
 * not: Claim emits PropertiesChanged and adds a bus match, SetMode emits
 * ModeChanged, the class methods run device operations (frame-fd measures
 * one).  Peer.Ping would not do either: sd-bus answers it before egated's
 * code runs.
 *
 * The baseline is the echo's Fail(), started with egated's error name and
 * message, so both replies have the same name and size.  Target: 1.2x.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ab.h"
#include "bus-env.h"
#include "macro.h"
#include "result.h"

#define CASE "bus-method"
#define DEVICE_PATH "/org/egate/EGate1/Device/mock_2dA1_2dentry_2ddoor"
#define DEVICE_IFACE "org.egate.EGate1.Device"
#define NOT_CLAIMED "org.egate.EGate1.Error.NotClaimed"

/* One call that must fail with the expected error name, and nothing else. */
static int call_expecting(sd_bus *bus, const char *dest, const char *path, const char *iface,
                          const char *method, const char *expected_error, char **ret_message) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, dest, path, iface, method, &error, NULL, NULL);
        if (r >= 0) {
                fprintf(stderr, "bench: %s.%s succeeded where %s was expected\n", iface, method,
                        expected_error);
                return -EPROTO;
        }
        if (!sd_bus_error_has_name(&error, expected_error)) {
                fprintf(stderr, "bench: %s.%s: expected %s, got %s: %s\n", iface, method,
                        expected_error, strna(error.name),
                        error.message ? error.message : strerror(-r));
                return r == -EINTR ? r : -EPROTO;
        }
        if (ret_message) {
                *ret_message = strdup(strna(error.message));
                if (!*ret_message)
                        return -ENOMEM;
        }
        return 0;
}

static int fail_echo(void *userdata) {
        struct bench_env *e = userdata;

        return call_expecting(e->client, BENCH_ECHO_NAME, BENCH_ECHO_PATH, BENCH_ECHO_IFACE, "Fail",
                              NOT_CLAIMED, NULL);
}

static int release_egated(void *userdata) {
        struct bench_env *e = userdata;

        return call_expecting(e->client, BENCH_EGATE_NAME, DEVICE_PATH, DEVICE_IFACE, "Release",
                              NOT_CLAIMED, NULL);
}

static int run(struct bench_env *e, const struct bench_options *o) {
        _cleanup_(bench_samples_clear) struct bench_samples echo = {}, egated = {};
        _cleanup_free_ char *message = NULL;
        struct bench_result result = {
                .case_name = CASE,
                .metric = "latency",
                .baseline_name = "echo-service Fail() error reply",
                .subject_name = "egated Device.Release -> NotClaimed",
                .target = 1.2,
                .rounds = o->rounds,
                .per_round = o->per_round,
        };
        int r;

        r = bench_env_start_bus(e, o);
        if (r < 0)
                return bench_case_failed(CASE, r, "private bus");
        r = bench_env_start_egated(e);
        if (r >= 0)
                r = bench_env_wait_property(e, BENCH_EGATE_NAME, DEVICE_PATH, DEVICE_IFACE, "State",
                                            BENCH_START_TIMEOUT_MS);
        if (r < 0)
                return bench_case_failed(CASE, r, "egated");

        /* egated's own answer, so the echo can give one of the same size. */
        r = call_expecting(e->client, BENCH_EGATE_NAME, DEVICE_PATH, DEVICE_IFACE, "Release",
                           NOT_CLAIMED, &message);
        if (r < 0)
                return bench_case_failed(CASE, r, "probing Device.Release");
        char *echo_args[] = { "--fail-name", NOT_CLAIMED, "--fail-message", message, NULL };
        r = bench_env_start_echo(e, echo_args);
        if (r < 0)
                return bench_case_failed(CASE, r, "echo service");

        r = bench_ab(o->rounds, o->per_round, fail_echo, release_egated, e, &echo, &egated);
        if (r < 0)
                return bench_case_failed(CASE, r, "measuring");
        if (bench_samples_summarize(&echo, &result.baseline) < 0 ||
            bench_samples_summarize(&egated, &result.subject) < 0)
                return bench_case_failed(CASE, -ENODATA, "summarizing");
        r = bench_result_print(&result, stdout);
        return r < 0 ? bench_case_failed(CASE, r, "printing the result") : 0;
}

int main(int argc, char *argv[]) {
        struct bench_options o = BENCH_OPTIONS_INIT(100, 50);
        struct bench_env e = {};
        int r;

        r = bench_options_parse(argc, argv, CASE,
                                "Device.Release on an unclaimed device (NotClaimed) through "
                                "egated vs the echo service's Fail().",
                                &o);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        (void) bench_handle_interrupts();
        r = run(&e, &o);
        bench_env_stop(&e, r < 0 && r != -EINTR); /* an interrupted run is no failure to explain */
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
