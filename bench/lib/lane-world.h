/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pipeline cases' world: a mock scenario of N lanes with accepted
 * travellers (every MRZ check digit computed here, every member with a
 * passport of their own), written into the case's directory, and the
 * signals that tell when a traveller's transaction started and ended.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "bus-env.h"

/* The mock latencies of the decision-time case, written into its scenario so that the
 * critical-path bound uses exactly what the mock does (milliseconds). */
struct lane_latencies {
        unsigned read_mrz, document_inspect, chip_connect, chip_transmit, chip_disconnect;
        unsigned door_open, door_close, door_lock, presence_read;
        unsigned camera_capture, finger_verify, finger_place, walk;
};

/* Travellers are "L<lane>-t<k>"; latencies NULL: zero latency.  queue_start_ms > 0: each
 * lane's travellers queue up on their own, the first that long after the mock started,
 * each next one as soon as the lane is clear; 0: they come only when asked ("arrive").
 * chip: every traveller's "chip" settings as a JSON object (the mock's chip.*); NULL leaves
 * the mock's defaults. */
int lane_world_write_scenario(const char *path, unsigned lanes, unsigned travellers_per_lane,
                              const struct lane_latencies *latencies, unsigned queue_start_ms,
                              const char *chip);

/* Transactions seen on the bus: started and finished, per lane. */
struct lane_watch {
        sd_bus_slot *slot;
        uint64_t started, finished, accepted;
        uint64_t last_started_ns, last_finished_ns;
        char last_decision[16];
};

int lane_watch_start(struct bench_env *e, struct lane_watch *w);
void lane_watch_stop(struct lane_watch *w);
/* Process bus messages until `finished` reaches `count` or timeout_ms passes (-ETIMEDOUT). */
int lane_watch_wait_finished(struct bench_env *e, struct lane_watch *w, uint64_t count,
                             unsigned timeout_ms);

/* Poll Lane.State until it is `state` (-ETIMEDOUT after timeout_ms). */
int lane_wait_state(struct bench_env *e, const char *lane, const char *state, unsigned timeout_ms);

/* Poll the mock's "status LANE" until nobody walks the lane (-ETIMEDOUT after timeout_ms). */
int lane_mock_wait_clear(const struct bench_env *e, const char *lane, unsigned timeout_ms);

/* CPU time egated (all its threads) has used so far, ns; from /proc. */
int lane_egated_cpu_ns(const struct bench_env *e, uint64_t *ret);

/* CPU time the mock's card emulator (the passports' side of the chip) has used so far,
 * ns, from the mock's "stats": simulated hardware that runs inside egated. */
int lane_mock_card_cpu_ns(const struct bench_env *e, uint64_t *ret);

/* "ops <device>" through the mock's control socket: the count of one kind, or < 0. */
int64_t lane_mock_ops(const struct bench_env *e, const char *device, const char *kind);
