/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-property: Properties.Get of a device's State through egated, against
 * the same Get of the echo service's State.  Sequential synchronous calls
 * from one client connection: each sample is one full round trip through
 * the same dbus-daemon.  Target: egated at most 1.2x the echo, p50 and p99.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ab.h"
#include "bus-env.h"
#include "macro.h"
#include "result.h"

#define CASE "bus-property"
#define DEVICE_PATH "/org/egate/EGate1/Device/mock_2dA1_2dentry_2ddoor"
#define DEVICE_IFACE "org.egate.EGate1.Device"

static int get_state(sd_bus *bus, const char *dest, const char *path, const char *iface) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *state = NULL;
        int r;

        r = sd_bus_get_property_string(bus, dest, path, iface, "State", &error, &state);
        if (r < 0)
                fprintf(stderr, "bench: %s: Get(%s.State): %s\n", dest, iface,
                        error.message ? error.message : strerror(-r));
        return r;
}

static int get_echo(void *userdata) {
        struct bench_env *e = userdata;

        return get_state(e->client, BENCH_ECHO_NAME, BENCH_ECHO_PATH, BENCH_ECHO_IFACE);
}

static int get_egated(void *userdata) {
        struct bench_env *e = userdata;

        return get_state(e->client, BENCH_EGATE_NAME, DEVICE_PATH, DEVICE_IFACE);
}

static int run(struct bench_env *e, const struct bench_options *o) {
        _cleanup_(bench_samples_clear) struct bench_samples echo = {}, egated = {};
        struct bench_result result = {
                .case_name = CASE,
                .metric = "latency",
                .baseline_name = "echo-service Properties.Get State",
                .subject_name = "egated Properties.Get Device.State",
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
        r = bench_env_start_echo(e, NULL);
        if (r < 0)
                return bench_case_failed(CASE, r, "echo service");

        r = bench_ab(o->rounds, o->per_round, get_echo, get_egated, e, &echo, &egated);
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
                                "Properties.Get of a device property through egated vs the "
                                "echo service.",
                                &o);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        (void) bench_handle_interrupts();
        r = run(&e, &o);
        bench_env_stop(&e, r < 0 && r != -EINTR); /* an interrupted run is no failure to explain */
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
