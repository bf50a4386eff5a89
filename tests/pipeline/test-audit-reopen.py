#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
An audit trail that cannot be opened when egated starts, end to end: something is in
the way of the database (here a directory named audit.db in the state directory).

  - egated runs, and the lane stays closed: without a trail nobody may pass;
  - the log says why and that egated tries again;
  - once the obstacle is gone, the trail opens by itself within a few seconds (no
    restart, no reload), the lane opens, and the next traveller is accepted with the
    record on disk.

Run by meson (suite "pipeline"); EGATE_BUILD_ROOT and EGATE_SOURCE_ROOT come from the
environment.
"""
import json
import os
import sys

import lane_harness


def main():
    started = lane_harness.begin("egate-auditreopen-")
    if not started:
        return 77
    matrix, work, state = started
    Failure = matrix.Failure
    in_the_way = os.path.join(state, "audit.db")
    os.mkdir(in_the_way, 0o700)
    scenario = lane_harness.write_scenario(
        matrix, work, "audit trail reopened", [matrix.scenario_traveller("after", 0, {})],
        camera=False)
    config = lane_harness.write_file(work, "egated.conf",
                                     "[policy.ses]\n" + lane_harness.SHORT_TIMEOUTS)
    lane = matrix.Lane(work, scenario, config, state)

    def closed_without_trail(case):
        if lane.lane_state() != "closed":
            raise Failure("lane %s without an audit trail" % lane.lane_state())
        if "trying again every 5 s" not in lane.log_text():
            raise Failure("the log does not say the trail is tried again")
        return case[0]

    def opens_by_itself(case):
        os.rmdir(in_the_way)
        lane.wait_state("idle", 15, "the trail opened and the lane with it")
        if "the audit trail in %s is open now" % state not in lane.log_text():
            raise Failure("the log does not say the trail opened")
        return case[0]

    def traveller_recorded(case):
        _, got = lane_harness.arrive(lane, matrix, "after", "accept", [])
        lane_harness.leave(lane)
        record = lane.audit(got["id"])
        if record.get("decision") != "accept":
            raise Failure("audit record: %s" % json.dumps(record)[:200])
        return case[0]

    cases = [("without a trail the lane is closed", closed_without_trail),
             ("the trail opens once the obstacle is gone", opens_by_itself),
             ("the next traveller is recorded", traveller_recorded)]
    return lane_harness.run_lane(lane, matrix, work, cases, lambda c: c[1](c), [],
                                 start_state="closed")


if __name__ == "__main__":
    sys.exit(main())
