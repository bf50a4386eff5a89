#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
Operator attendance end to end: egated in mock mode, the lane's policy with
operator-attendance = required.

  - nobody attends: the lane is out of service, NotReadyReason E_LANE_NO_OPERATOR;
  - `egatectl attend A1` runs: the lane is in service, Attendants is 1, a traveller is
    accepted, and the audit trail has the operator's "attend" with the caller;
  - a reload keeps the attendance;
  - Ctrl-C on egatectl: it leaves ("left" audited), the lane goes out of service;
  - an attending egatectl killed outright: its connection closing ends the attendance;
  - Leave from a caller who does not attend: org.egate.EGate1.Error.NotFound.

Run by meson (suite "pipeline"); EGATE_BUILD_ROOT and EGATE_SOURCE_ROOT come from the
environment.
"""
import json
import signal
import subprocess
import sys
import time

import lane_harness

LANE_PATH = "/org/egate/EGate1/Lane/A1"


def main():
    started = lane_harness.begin("egate-attend-")
    if not started:
        return 77
    matrix, work, state = started
    Failure = matrix.Failure
    travellers = [matrix.scenario_traveller("attended", 0, {})]
    scenario = lane_harness.write_scenario(matrix, work, "operator attendance", travellers,
                                           camera=False)
    config = lane_harness.write_file(
        work, "egated.conf",
        "[policy.ses]\noperator-attendance = required\n" + lane_harness.SHORT_TIMEOUTS)
    lane = matrix.Lane(work, scenario, config, state)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
    consoles = []

    def lane_json():
        return json.loads(lane.egatectl("--json", "lane", matrix.LANE))

    def attendants():
        out = subprocess.run(["busctl", "--user", "get-property", "org.egate.EGate1", LANE_PATH,
                              "org.egate.EGate1.Lane", "Attendants"], env=lane.env,
                             capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise Failure("Attendants: " + out.stderr.strip())
        return int(out.stdout.split()[1])

    def expect_unattended(what):
        lane.wait_state("out-of-service", 15, what)
        reason = lane_json().get("not_ready_reason") or ""
        if "E_LANE_NO_OPERATOR" not in reason:
            raise Failure("%s: NotReadyReason %r" % (what, reason))
        if attendants() != 0:
            raise Failure("%s: Attendants %d" % (what, attendants()))

    def attend():
        console = subprocess.Popen([lane_harness.BUILD + "/tools/egatectl/egatectl", "--user",
                                    "attend", matrix.LANE], env=lane.env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        consoles.append(console)
        lane.wait_state("idle", 15, "an operator attends")
        if attendants() != 1:
            raise Failure("Attendants %d with one console" % attendants())
        return console

    def events(action):
        got = json.loads(lane.egatectl("--json", "audit", "events", "--since", started))
        return [e for e in got if e["kind"] == "operator" and e["action"] == action and
                e["lane"] == matrix.LANE]

    def nobody():
        expect_unattended("nobody attends")
        return "nobody attends: out of service, E_LANE_NO_OPERATOR"

    def attended():
        attend()
        lane_harness.arrive(lane, matrix, "attended", "accept", [])
        lane_harness.leave(lane)
        found = events("attend")
        if not found or "uid" not in found[0]["operator"]:
            raise Failure("no audited attend with the operator: %r" % found)
        return "egatectl attend: in service, a traveller accepted, attend audited"

    def reload_keeps():
        lane.reload()
        time.sleep(0.5)
        lane.wait_state("idle", 15, "after a reload")
        if attendants() != 1:
            raise Failure("Attendants %d after a reload" % attendants())
        return "a reload keeps the attendance"

    def ctrl_c():
        console = consoles[-1]
        console.send_signal(signal.SIGINT)
        _, err = console.communicate(timeout=15)
        if console.returncode != 0 or "Left lane A1" not in err:
            raise Failure("egatectl attend: status %s, %r" % (console.returncode, err))
        expect_unattended("after Ctrl-C")
        if not any(e["detail"] == "left" for e in events("leave")):
            raise Failure("no audited leave: %r" % events("leave"))
        return "Ctrl-C: left (audited), out of service"

    def killed():
        console = attend()
        console.kill()
        console.wait(timeout=15)
        expect_unattended("after the console was killed")
        if "the operator's connection closed" not in lane.log_text():
            raise Failure("egated did not say the connection closed")
        return "a console killed outright: its attendance ends with its connection"

    def leave_unattended():
        out = subprocess.run(["busctl", "--user", "call", "org.egate.EGate1", LANE_PATH,
                              "org.egate.EGate1.Lane", "Leave"], env=lane.env,
                             capture_output=True, text=True, timeout=30)
        if out.returncode == 0 or "does not attend lane A1" not in out.stderr:
            raise Failure("Leave by a non-attendant: %s %r" % (out.returncode, out.stderr))
        return "Leave by a caller who does not attend: NotFound"

    cases = [("nobody", nobody), ("attended", attended), ("reload", reload_keeps),
             ("ctrl-c", ctrl_c), ("killed", killed), ("leave-unattended", leave_unattended)]

    try:
        return lane_harness.run_lane(lane, matrix, work, cases, lambda case: case[1](), [],
                                     start_state="out-of-service")
    finally:
        for console in consoles:
            if console.poll() is None:
                console.kill()
                console.wait()


if __name__ == "__main__":
    sys.exit(main())
