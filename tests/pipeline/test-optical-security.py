#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
A document reader that cannot inspect the data page (an MRZ-only reader, or a
plugin built against SDK 1.1), end to end: egated in mock mode, the lane's reader
without DOCUMENT_INSPECT (the mock lane's "document_inspection": false).

  - document-inspection = required (the default): the traveller is referred at the
    reader, N_DOC_INSPECTION_UNSUPPORTED, the document-model step "not-supported",
    no door moved;
  - document-inspection = optional (after a reload): the traveller is accepted and
    carries N_DOC_INSPECTION_UNSUPPORTED; no optical-security step is recorded (nothing
    was inspected);
  - `egatectl inspect` on that reader: NotSupported (exit status 1, see egatectl(1)).

The matrix (test-matrix.py) covers a reader that inspects: model unknown, failed
checks evaluatory and mandatory, undetermined ones.

Run by meson (suite "pipeline"); EGATE_BUILD_ROOT and EGATE_SOURCE_ROOT come from the
environment.
"""
import json
import subprocess
import sys

import lane_harness


def main():
    started = lane_harness.begin("egate-optical-")
    if not started:
        return 77
    matrix, work, state = started
    Failure = matrix.Failure
    travellers = [matrix.scenario_traveller("required", 0, {}),
                  matrix.scenario_traveller("optional", 1, {})]
    scenario = lane_harness.write_file(work, "scenario.json", json.dumps({
        "version": 1, "name": "MRZ-only reader", "latency": "zero",
        "lanes": [{"name": matrix.LANE, "camera": False, "document_inspection": False}],
        "travellers": travellers}))
    config_text = "[policy.ses]\n" + lane_harness.SHORT_TIMEOUTS
    config = lane_harness.write_file(work, "egated.conf", config_text)
    lane = matrix.Lane(work, scenario, config, state)

    def steps_of(tx):
        return [(s["step"], s["result"], s.get("reason") or None) for s in lane.audit(tx)["steps"]]

    def required(case):
        i, got = lane_harness.arrive(lane, matrix, "required", "refer",
                                     ["N_DOC_INSPECTION_UNSUPPORTED"])
        steps = steps_of(got["id"])
        if ("document-model", "not-supported", "N_DOC_INSPECTION_UNSUPPORTED") not in steps:
            raise Failure("document-model step: %s" % steps)
        lane_harness.leave(lane)
        moved = [e for e in lane.events[i:] if e.get("event") == "PropertyChanged"
                 and e.get("args", {}).get("property") == "position"
                 and e.get("args", {}).get("value") == "open"]
        if moved:
            raise Failure("a door opened for a document nobody inspected: %s" % moved)
        return case[0]

    def optional(case):
        lane.set_policy("document-inspection", "optional")
        _, got = lane_harness.arrive(lane, matrix, "optional", "accept",
                                     ["N_DOC_INSPECTION_UNSUPPORTED"])
        steps = steps_of(got["id"])
        if ("document-model", "not-supported", "N_DOC_INSPECTION_UNSUPPORTED") not in steps:
            raise Failure("document-model step: %s" % steps)
        if any(s[0] == "optical-security" for s in steps):
            raise Failure("an optical-security step with nothing inspected: %s" % steps)
        lane_harness.leave(lane)
        return case[0]

    def egatectl_inspect(case):
        lane.egatectl("lane-mode", matrix.LANE, "manual", "reader check")
        out = subprocess.run([matrix.BUILD + "/tools/egatectl/egatectl", "--user", "inspect",
                              "mock-%s-document-reader" % matrix.LANE],
                             env=lane.env, capture_output=True, text=True, timeout=30)
        lane.egatectl("lane-mode", matrix.LANE, "automatic", "reader checked")
        if out.returncode != 1 or "NotSupported" not in out.stderr:
            raise Failure("egatectl inspect: exit %d, %s" % (out.returncode,
                                                              out.stderr.strip()))
        return case[0]

    cases = [("document-inspection required: referred", required),
             ("document-inspection optional: accepted", optional),
             ("egatectl inspect: NotSupported", egatectl_inspect)]
    return lane_harness.run_lane(lane, matrix, work, cases, lambda c: c[1](c), [])


if __name__ == "__main__":
    sys.exit(main())
