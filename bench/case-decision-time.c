/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * decision-time: how long a lane takes from the passport on the reader to
 * its decision, against the least the devices allow.
 *
 * Subject: the time from Lane.TransactionStarted to Lane.TransactionFinished
 * for accepted travellers on a mock lane with realistic latencies (the
 * mock's "realistic" profile, written into the scenario one by one so the
 * bound below uses exactly the same numbers).
 * Baseline: the critical path through those latencies, with the operations
 * the daemon really started (the chip's APDUs counted by the mock):
 *
 *   read MRZ + max(chip (connect + APDUs x transmit + disconnect), inspect the page)
 *   + entry door open + walk in + entry door close + lock + presence read
 *   + max(finger placed + verify, camera capture)
 *
 * The registry lookup and the background check run beside the chip and take
 * no time in mock mode; the audit record is written before the decision is
 * announced and is part of the subject.  Target: 1.05x (egated adds at most
 * 5 % to what the hardware takes).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-env.h"
#include "lane-world.h"
#include "macro.h"
#include "mock-control.h"
#include "result.h"
#include "timing.h"

#define CASE "decision-time"
#define TRANSACTION_TIMEOUT_MS 60000u

/* The mock's realistic profile (plugins/mock/README.md, "Latency"). */
static const struct lane_latencies realistic = {
        .read_mrz = 800,
        .document_inspect = 600,
        .chip_connect = 150,
        .chip_transmit = 25,
        .chip_disconnect = 20,
        .door_open = 1200,
        .door_close = 1200,
        .door_lock = 200,
        .presence_read = 10,
        .camera_capture = 400,
        .finger_verify = 700,
        .finger_place = 400,
        .walk = 1500,
};

static int64_t ops(struct bench_env *e, const char *device, const char *kind) {
        return lane_mock_ops(e, device, kind);
}

static int run(struct bench_env *e, const struct bench_options *o, struct bench_samples *bound,
               struct bench_samples *measured, int64_t *ret_apdus) {
        _cleanup_free_ char *scenario = NULL;
        struct lane_watch w;
        int r;

        if (asprintf(&scenario, "%s/lanes.json", e->dir) < 0)
                return -ENOMEM;
        r = lane_world_write_scenario(scenario, 1, o->rounds, &realistic, 0, NULL);
        if (r < 0)
                return r;
        r = bench_env_start_egated_with(e, scenario, "[daemon]\n", "warning");
        if (r < 0)
                return r;
        r = lane_wait_state(e, "L0", "idle", 20000);
        if (r < 0)
                return r;
        r = lane_watch_start(e, &w);
        if (r < 0)
                return r;

        for (unsigned k = 0; k < o->rounds; k++) {
                int64_t apdus = ops(e, "L0-chip-reader", "chip-transmit");
                int64_t verifies = ops(e, "L0-fingerprint-scanner", "finger-verify");
                int64_t inspections = ops(e, "L0-document-reader", "document-inspect");
                int64_t captures = ops(e, "L0-camera", "camera-capture");
                char command[64];
                uint64_t chip_ms, path_ms;

                (void) snprintf(command, sizeof(command), "arrive L0 L0-t%u", k);
                r = bench_mock_command(e->mock_socket, command);
                if (r >= 0)
                        r = lane_watch_wait_finished(e, &w, k + 1, TRANSACTION_TIMEOUT_MS);
                if (r < 0)
                        break;
                if (!streq(w.last_decision, "accept")) {
                        fprintf(stderr, "bench: traveller %u: decision %s, not accept\n", k,
                                w.last_decision);
                        r = -EPROTO;
                        break;
                }
                apdus = ops(e, "L0-chip-reader", "chip-transmit") - apdus;
                verifies = ops(e, "L0-fingerprint-scanner", "finger-verify") - verifies;
                inspections = ops(e, "L0-document-reader", "document-inspect") - inspections;
                captures = ops(e, "L0-camera", "camera-capture") - captures;
                if (verifies != 1 || captures != 1 || inspections != 1 || apdus <= 0) {
                        fprintf(stderr,
                                "bench: traveller %u: %" PRId64 " verifies, %" PRId64
                                " captures, %" PRId64 " inspections, %" PRId64 " APDUs\n",
                                k, verifies, captures, inspections, apdus);
                        r = -EPROTO;
                        break;
                }
                chip_ms = realistic.chip_connect + (uint64_t) apdus * realistic.chip_transmit +
                          realistic.chip_disconnect;
                path_ms =
                        realistic.read_mrz +
                        (chip_ms > realistic.document_inspect ? chip_ms
                                                              : realistic.document_inspect) +
                        realistic.door_open + realistic.walk + realistic.door_close +
                        realistic.door_lock + realistic.presence_read +
                        (realistic.finger_place + realistic.finger_verify > realistic.camera_capture
                                 ? realistic.finger_place + realistic.finger_verify
                                 : realistic.camera_capture);
                *ret_apdus = apdus;
                if (bench_samples_add(bound, path_ms * 1000000u) < 0 ||
                    bench_samples_add(measured, w.last_finished_ns - w.last_started_ns) < 0) {
                        r = -ENOMEM;
                        break;
                }
                fprintf(stderr, "bench: %s traveller %u: %.3f s (critical path %.3f s)\n", CASE, k,
                        (w.last_finished_ns - w.last_started_ns) / 1e9, path_ms / 1e3);
                r = lane_wait_state(e, "L0", "idle", 30000);
                if (r >= 0)
                        r = lane_mock_wait_clear(e, "L0", 30000);
                if (r < 0)
                        break;
        }
        lane_watch_stop(&w);
        return r;
}

int main(int argc, char *argv[]) {
        struct bench_options o = BENCH_OPTIONS_INIT(5, 1);
        struct bench_env e = {};
        struct bench_samples bound = {}, measured = {};
        _cleanup_(json_object_putp) json_object *params = NULL;
        struct bench_result res = {
                .case_name = CASE,
                .metric = "time-to-decision",
                .baseline_name = "critical path of the mock's realistic latencies",
                .subject_name = "TransactionStarted to TransactionFinished (accept)",
                .target = 1.05,
        };
        int64_t apdus = 0;
        int r;

        r = bench_options_parse(argc, argv, CASE,
                                "Time to decision on a mock lane with realistic latencies, "
                                "against the critical path of those latencies.",
                                &o);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        r = bench_env_start_bus(&e, &o);
        if (r >= 0)
                r = run(&e, &o, &bound, &measured, &apdus);
        bench_env_stop(&e, r < 0);
        if (r < 0)
                return bench_case_failed(CASE, r, "measuring the time to decision");

        params = json_object_new_object();
        if (!params ||
            json_object_object_add(params, "chip_apdus", json_object_new_int64(apdus)) < 0 ||
            json_object_object_add(params, "latency_profile", json_object_new_string("realistic")))
                return bench_case_failed(CASE, -ENOMEM, "the result");
        if (bench_samples_summarize(&bound, &res.baseline) < 0 ||
            bench_samples_summarize(&measured, &res.subject) < 0)
                return bench_case_failed(CASE, -ENOMEM, "the summary");
        res.rounds = o.rounds;
        res.per_round = 1;
        res.params = params;
        r = bench_result_print(&res, stdout);
        bench_samples_clear(&bound);
        bench_samples_clear(&measured);
        return r < 0 ? 1 : 0;
}
