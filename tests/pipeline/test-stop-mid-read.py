#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
egated told to stop (SIGTERM) while a traveller's passport chip is still being read: it
exits 0 and, in the sanitizer build, LeakSanitizer finds nothing.  The loop has stopped by
the time the lanes are freed, so nothing may wait for it to end the chip session.

Run by meson (suite "pipeline"); EGATE_BUILD_ROOT and EGATE_SOURCE_ROOT come from the
environment.
"""
import sys
import time

import lane_harness

SLOW_CHIP_MS = 20000


def main():
    started = lane_harness.begin("egate-stopmidread-")
    if not started:
        return 77
    matrix, work, state = started
    Failure = matrix.Failure
    slow = matrix.scenario_traveller(
        "slow", 0, {"chip": {"behaviour": "slow", "delay_ms": SLOW_CHIP_MS}})
    scenario = lane_harness.write_scenario(matrix, work, "stopped mid-read", [slow],
                                           camera=False)
    config = lane_harness.write_file(work, "egated.conf",
                                     "[policy.ses]\n" + lane_harness.SHORT_TIMEOUTS +
                                     "chip-timeout-ms = %d\n" % (2 * SLOW_CHIP_MS))
    lane = matrix.Lane(work, scenario, config, state)

    def chip_read_in_flight(case):
        since = lane.mark()
        reply = lane.mock("arrive %s slow" % matrix.LANE)
        if not reply.startswith("OK"):
            raise Failure("arrive: " + reply)
        lane.wait_event(since, lambda e: e.get("event") == "TransactionStarted", 10,
                        "TransactionStarted")
        end = time.monotonic() + 10
        while "chip-connect=1" not in lane.mock("ops %s-chip-reader" % matrix.LANE):
            if time.monotonic() > end:
                raise Failure("the chip read did not start")
            time.sleep(0.05)
        time.sleep(0.5)
        with lane.lock:
            if any(e.get("event") == "TransactionFinished" for e in lane.events[since:]):
                raise Failure("the transaction ended before egated was stopped")
        return case[0]

    # run_lane() then stops egated: it must exit 0 with no sanitizer report.
    cases = [("a chip read is in flight when egated is stopped", chip_read_in_flight)]
    return lane_harness.run_lane(lane, matrix, work, cases, lambda c: c[1](c), [])


if __name__ == "__main__":
    sys.exit(main())
