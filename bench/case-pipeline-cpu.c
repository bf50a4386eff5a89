/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pipeline-cpu-LANES: egated's CPU time per transaction with LANES lanes busy
 * at once (1, 8 and 64: one program each, built with -DLANES=N).
 *
 * Subject: the CPU time of every egated thread (schedstat of /proc/PID/task)
 * over a run in which each lane takes its queue of accepted travellers, the
 * mock at zero latency, divided by the number of transactions, less what the
 * mock's card emulator spent answering APDUs (its "stats"): on a gate that
 * cryptography runs on the passport's chip, not in egated.  What remains is
 * all of egated's work for a traveller: the MRZ, the chip session with PACE
 * and secure messaging, passive and chip authentication, the registry
 * lookup (SQLite worker), eligibility, doors, sensors, indicators,
 * fingerprint and face, the durable audit record (SQLite worker, fsync), the
 * D-Bus signals, and the other mock devices, which run inside egated too.
 * The card's share and the total are printed beside it.
 *
 * The passports are those of the last decade: PACE (AES secure messaging)
 * and extended-length APDUs, 23 per passport.  EGATE_BENCH_PASSPORTS=legacy
 * measures BAC chips read in short APDUs instead (90 per passport; 3DES
 * secure messaging of the 15 KB DG2 alone costs about 0.7 ms).
 * Baseline: the budget, 1 ms per transaction.  Target: 1.0x.
 * Each round is a fresh egated; samples are per round.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-env.h"
#include "lane-world.h"
#include "macro.h"
#include "result.h"
#include "timing.h"

#ifndef LANES
#define LANES 1
#endif
#define STR_(x) #x
#define STR(x) STR_(x)
#define CASE "pipeline-cpu-" STR(LANES)
#define BUDGET_NS 1000000u
/* Enough transactions that /proc's accounting and one-off costs do not matter. */
#define PER_LANE (LANES == 1 ? 40u : LANES == 8 ? 8u : 3u)
#define QUEUE_START_MS 4000u

static bool legacy_passports(void) {
        const char *kind = getenv("EGATE_BENCH_PASSPORTS");

        return kind && streq(kind, "legacy");
}

static const char *passports_name(void) {
        return legacy_passports() ? "legacy" : "modern";
}

static const char *chip_settings(void) {
        return legacy_passports() ? "{\"access\": \"bac\", \"extended_length\": false}"
                                  : "{\"access\": \"pace\", \"extended_length\": true}";
}

static int one_round(const struct bench_options *o, uint64_t *ret_ns_per_transaction) {
        struct bench_env e = {};
        _cleanup_free_ char *scenario = NULL;
        struct lane_watch w = {};
        uint64_t before, after, card_before, card_after, total = (uint64_t) LANES * PER_LANE;
        int r;

        r = bench_env_start_bus(&e, o);
        if (r < 0)
                goto finish;
        if (asprintf(&scenario, "%s/lanes.json", e.dir) < 0) {
                r = -ENOMEM;
                goto finish;
        }
        r = lane_world_write_scenario(scenario, LANES, PER_LANE, NULL, QUEUE_START_MS,
                                      chip_settings());
        if (r >= 0)
                r = bench_env_start_egated_with(&e, scenario, "[daemon]\n", "warning");
        if (r >= 0)
                r = lane_watch_start(&e, &w);
        /* Every lane ready (the registry import done) before the queues start. */
        for (unsigned l = 0; r >= 0 && l < LANES; l++) {
                char lane[16];

                (void) snprintf(lane, sizeof(lane), "L%u", l);
                r = lane_wait_state(&e, lane, "idle", 20000);
        }
        if (r >= 0 && w.started > 0) {
                fprintf(stderr, "bench: the queues started before the lanes were ready\n");
                r = -EPROTO;
        }
        if (r >= 0)
                r = lane_mock_card_cpu_ns(&e, &card_before);
        if (r >= 0)
                r = lane_egated_cpu_ns(&e, &before);
        if (r >= 0)
                r = lane_watch_wait_finished(&e, &w, total, QUEUE_START_MS + 120000u);
        if (r >= 0) {
                /* The last travellers leave and the doors close: part of the work. */
                uint64_t end = bench_now_ns() + 500000000u;

                while (bench_now_ns() < end) {
                        if (sd_bus_process(e.client, NULL) <= 0)
                                (void) sd_bus_wait(e.client, 10000);
                }
                r = lane_egated_cpu_ns(&e, &after);
                if (r >= 0)
                        r = lane_mock_card_cpu_ns(&e, &card_after);
        }
        if (r >= 0 && w.accepted != total) {
                fprintf(stderr, "bench: %" PRIu64 " of %" PRIu64 " travellers accepted\n",
                        w.accepted, total);
                r = -EPROTO;
        }
        if (r >= 0 && card_after - card_before > after - before) {
                fprintf(stderr, "bench: the card's CPU time exceeds egated's\n");
                r = -EPROTO;
        }
        if (r >= 0) {
                uint64_t egated = after - before, card = card_after - card_before;

                *ret_ns_per_transaction = (egated - card) / total;
                fprintf(stderr,
                        "bench: %s (%s passports): %" PRIu64 " transactions; CPU per "
                        "transaction %.3f ms without the card emulator (%.3f ms in all, card "
                        "%.3f ms)\n",
                        CASE, passports_name(), total, (egated - card) / 1e6 / total,
                        egated / 1e6 / total, card / 1e6 / total);
        }
finish:
        lane_watch_stop(&w);
        bench_env_stop(&e, r < 0);
        return r;
}

int main(int argc, char *argv[]) {
        struct bench_options o = BENCH_OPTIONS_INIT(3, 1);
        struct bench_samples budget = {}, used = {};
        _cleanup_(json_object_putp) json_object *params = NULL;
        struct bench_result res = {
                .case_name = CASE,
                .metric = "cpu-per-transaction",
                .baseline_name = "budget: 1 ms of CPU per transaction",
                .subject_name = "egated CPU time per transaction without the simulated chip, " STR(
                        LANES) " lane(s) busy",
                .target = 1.0,
        };
        int r;

        r = bench_options_parse(argc, argv, CASE,
                                "egated's CPU time per transaction with " STR(
                                        LANES) " lane(s) busy, zero-latency mock devices.",
                                &o);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        for (unsigned k = 0; k < o.rounds; k++) {
                uint64_t ns;

                r = one_round(&o, &ns);
                if (r < 0)
                        return bench_case_failed(CASE, r, "a round of transactions");
                if (bench_samples_add(&used, ns) < 0 || bench_samples_add(&budget, BUDGET_NS) < 0)
                        return bench_case_failed(CASE, -ENOMEM, "samples");
        }
        params = json_object_new_object();
        if (!params || json_object_object_add(params, "lanes", json_object_new_int(LANES)) < 0 ||
            json_object_object_add(params, "transactions_per_round",
                                   json_object_new_int(LANES * PER_LANE)) < 0 ||
            json_object_object_add(params, "passports", json_object_new_string(passports_name())) <
                    0)
                return bench_case_failed(CASE, -ENOMEM, "the result");
        if (bench_samples_summarize(&budget, &res.baseline) < 0 ||
            bench_samples_summarize(&used, &res.subject) < 0)
                return bench_case_failed(CASE, -ENOMEM, "the summary");
        res.rounds = o.rounds;
        res.per_round = LANES * PER_LANE;
        res.params = params;
        r = bench_result_print(&res, stdout);
        bench_samples_clear(&budget);
        bench_samples_clear(&used);
        return r < 0 ? 1 : 0;
}
