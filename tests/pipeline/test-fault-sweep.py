#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
The fault sweep: every fault the mock can inject, at every operation an accepted
traveller's pass makes of every device of an SES lane, each in an egated of its own.

A first egated runs one accepted traveller through lane A1 and counts, with the mock's
`ops`, which operations the pass made of each device and how often.  That list is the
sweep: for each (device, operation, occurrence) and each fault (error, hang, unplug,
crash), a fresh egated with lanes A1 and B1 arms the fault on A1's device to fire at that
occurrence (`fault DEV OP FAULT 1 AFTER`), sends a traveller through A1, and asserts what
must hold whatever the fault, not what a hand-written case expects:

  - the transaction ends and the lane settles (idle or out of service) within the
    policy's longest single deadline plus the exit timeout and a margin, never resting
    while somebody is in the mantrap (travellers take 200 ms a step, for that to show);
    when the lane asks for help (Alarm "assistance", "exit-timeout") an officer lets a
    traveller still inside out (OpenDoor), or ends a wait for one already gone (Abort);
  - the decision is refer or alarm (alarm exactly when an A_ code is among the reasons),
    never accept, unless the fault hit something an accept does not rest on (TOLERATED,
    with the reason) or the policy's attempts retried past it (a failed attempt on
    record before the successful one);
  - the exit door never opens for a traveller who was not accepted, unless the officer
    opened it; both doors end closed and locked, or a faulted one in its declared safe
    state;
  - exactly one audit record per transaction, as decided, every reason code one of
    docs/reason-codes.md, and a refusal's record holds the step that did not succeed; an
    alarm raised after the record is a lane event of the transaction in the trail;
  - a device that is gone or faulted keeps the lane out of service; egated keeps running
    and lane B1 accepts a traveller meanwhile;
  - the log never holds a traveller's name, document number or MRZ;
  - once the device is back (replugged, or recovered by the lane's probe), the lane is
    idle with both doors secured and accepts the next traveller.

The doors' points run twice: with A1's doors fail-secure, as the scenario has them by
default, and fail-safe ("fail-safe" in the case's name).  A fail-safe door releases on its
fault, so it is found open and unlocked at rest while faulted; all else must hold as it is,
the exit above all: a released entry door lets the traveller walk in or back, never out
through the exit.  The fail mode changes nothing for the other devices: swept once.

Run by meson (suite "pipeline"); -k TEXT runs only the cases whose name contains TEXT,
EGATE_SWEEP_JOBS sets how many cases run at once.
"""
import concurrent.futures
import json
import os
import re
import shutil
import sys
import time

import lane_harness
from lane_process import Failure, Lane

ROLES = ("document-reader", "chip-reader", "entry-door", "exit-door", "presence-sensor",
         "fingerprint-scanner", "camera", "indicator")
FAULTS = ("error", "hang", "unplug", "crash")
DOORS = ("entry-door", "exit-door")
FAIL_MODES = ("secure", "safe")
# Devices the lane probes with a harmless command once faulted (docs/pipeline.md, "Device
# faults"); the others come back when they are replugged.
PROBED = ("entry-door", "exit-door", "presence-sensor", "indicator")
PROBE_INTERVAL_S = 5

# An operation made more often than this in a pass (the chip's APDUs) is swept at its
# first, second, middle and last occurrence only.
EVERY_OCCURRENCE_UP_TO = 8

# The lane's policy: every wait short, so that a hang ends within seconds.
POLICY_MS = dict(line.split(" = ") for line in lane_harness.SHORT_TIMEOUTS.splitlines())
POLICY_MS.update({"turn-back-ms": "300", "face-timeout-ms": "1500", "chip-timeout-ms": "2000"})
POLICY = "[policy.ses]\n" + "".join("%s = %s\n" % kv for kv in POLICY_MS.items())


def policy_s(key):
    return int(POLICY_MS[key]) / 1000


# The longest single wait one fault can add (docs/pipeline.md "Deadlines"): a door movement
# (10 s), a finger or face capture's own timer plus the device's 5 s grace, the chip
# session, a document read, the mantrap.
DOOR_MOVEMENT_S = 10
DEVICE_GRACE_S = 5
LONGEST_DEADLINE_S = max(DOOR_MOVEMENT_S,
                         policy_s("fingerprint-timeout-ms") + DEVICE_GRACE_S,
                         policy_s("face-timeout-ms") + DEVICE_GRACE_S,
                         policy_s("chip-timeout-ms"), policy_s("document-timeout-ms"),
                         policy_s("mantrap-timeout-ms"))
MARGIN_S = 5
# From the arrival to a lane at rest: a normal pass takes well under a second at zero
# latency; the fault's deadline, then the referred traveller's exit-timeout-ms.
SETTLE_S = LONGEST_DEADLINE_S + policy_s("exit-timeout-ms") + MARGIN_S

# Faults an accept may survive, and why.  Anything else that ends in accept is a failure.
TOLERATED = {
    ("indicator", None, None):
        "the indicator only guides: a running transaction goes on without it",
    ("exit-door", None, None):
        "the record is written before any door acts on the decision (pipeline.md, 'The "
        "record first'): the exit door's commands all come after the accept",
    ("chip-reader", "chip-disconnect", None):
        "the chip session ends with the disconnect once the chip's verdict is in",
    # Arguably intended: steps-mantrap.c counts the mantrap from the reads and from the
    # sensor's own occupancy events together, the higher number winning; a read that
    # fails leaves the events' count, which the same sensor keeps reporting.
    ("presence-sensor", "presence-read", "error"):
        "the mantrap count also comes from the sensor's occupancy events",
}

SETTLED = ("idle", "out-of-service")
WALK_MS = 200
# A traveller the lane can let out is gone by then (each walk takes WALK_MS).
OFFICER_ARRIVES_S = 1.0


def tolerated(role, op, fault):
    for key in ((role, op, fault), (role, op, None), (role, None, None)):
        if key in TOLERATED:
            return TOLERATED[key]
    return None


def device_id(role, lane="A1"):
    return "mock-%s-%s" % (lane, role)


def documented_reasons():
    with open(os.path.join(lane_harness.SOURCE, "docs", "reason-codes.md")) as f:
        return set(re.findall(r"^\| `([A-Z]_[A-Z0-9_]+)` \|", f.read(), re.M))


class Setup:
    """What every case's egated gets: the scenario's travellers and the policy."""

    def __init__(self, matrix):
        self.matrix = matrix
        names = ("a1", "a1-again", "b1")
        self.travellers = [matrix.scenario_traveller(n, i, {}) for i, n in enumerate(names)]
        for t in self.travellers:
            # They wait at the reader for as long as it takes: the lane's deadlines, not
            # their patience, must end every wait.
            t["patience_ms"] = 60000
        self.reasons = documented_reasons()

    def personal(self):
        """What must never reach a log: names, document numbers, MRZ lines."""
        words = {"TESTER", "ALEX"}
        for t in self.travellers:
            words.update(t["mrz"])
            words.add(t["mrz"][1][:9].rstrip("<"))
        return words

    def start(self, prefix, fail_mode="secure"):
        work, state = lane_harness.work_dir(prefix)
        # A1's doors take one command at a time, like the gpio plugin's (as in the matrix).
        # Zero latency but for walking: a lane that ends the transaction before the traveller
        # is out of the mantrap rests while they are still inside, for the sweep to see.
        scenario = {"version": 1, "name": "fault sweep",
                    "latency": {"profile": "zero", "walk": WALK_MS},
                    "lanes": [{"name": "A1", "camera": True, "door_commands": "one-at-a-time",
                               "entry_door_fail_mode": fail_mode,
                               "exit_door_fail_mode": fail_mode},
                              {"name": "B1", "camera": True}],
                    "travellers": self.travellers}
        path = lane_harness.write_file(work, "scenario.json", json.dumps(scenario))
        config = lane_harness.write_file(work, "egated.conf", POLICY)
        lane = Lane(work, path, config, state)
        try:
            for name in ("A1", "B1"):
                lane.wait_state("idle", 30, "egated started", lane=name)
        except Failure:
            lane.close()
            raise
        return lane


# ---------------------------------------------------------------- the sweep's points


def parse_ops(reply):
    """`ops` → {operation: count}."""
    if not reply.startswith("OK"):
        raise Failure("ops: " + reply)
    return {k: int(v) for k, v in (w.split("=") for w in reply.split()[2:])}


def baseline(setup):
    """One accepted pass: the operations it made of each device, in the mock's count."""
    lane = setup.start("egate-sweep-baseline-")
    try:
        before = {r: parse_ops(lane.mock("ops A1-" + r)) for r in ROLES}
        tx, finished = pass_through(lane, "A1", "a1")
        if finished["decision"] != "accept":
            raise Failure("the baseline traveller was not accepted: %s" % finished)
        lane.wait_traveller_gone()
        lane.wait_state("idle", 20, "after the baseline traveller")
        points = []
        for role in ROLES:
            after = parse_ops(lane.mock("ops A1-" + role))
            for op, n in sorted(after.items()):
                made = n - before[role].get(op, 0)
                if made <= EVERY_OCCURRENCE_UP_TO:
                    indices = range(made)
                else:
                    indices = sorted({0, 1, made // 2, made - 1})
                points += [(role, op, i, made) for i in indices]
        return points
    finally:
        problem = lane.close()
        shutil.rmtree(lane.work, ignore_errors=True)
        if problem:
            raise Failure("baseline: " + problem)


def pass_through(lane, name, traveller, seconds=20):
    """A traveller walks into lane `name`; the transaction's id and TransactionFinished."""
    since = lane.mark()
    reply = lane.mock("arrive %s %s" % (name, traveller))
    if not reply.startswith("OK"):
        raise Failure("arrive: " + reply)
    i = lane.wait_event(since, lambda e: lane_event(e, name, "TransactionStarted"), 10,
                        "TransactionStarted on " + name)
    tx = lane.events[i]["args"]["id"]
    j = lane.wait_event(i, lambda e: lane_event(e, name, "TransactionFinished") and
                        e["args"]["id"] == tx, seconds, "TransactionFinished on " + name)
    return tx, lane.events[j]["args"]


def lane_event(e, name, event):
    return e.get("source") == "lane" and e.get("id") == name and e.get("event") == event


# ---------------------------------------------------------------- one case


class Case:
    def __init__(self, role, op, index, made, fault, fail_mode="secure"):
        self.role, self.op, self.index, self.made, self.fault = role, op, index, made, fault
        self.fail_mode = fail_mode
        self.name = "%s %s#%d/%d %s%s" % (role, op, index + 1, made, fault,
                                          " fail-safe" if fail_mode == "safe" else "")
        self.problems = []
        self.notes = []

    def check(self, ok, what):
        if not ok:
            self.problems.append(what)
        return ok


class Run:
    """A case's egated and what the case saw of it."""

    def __init__(self, setup, case):
        self.setup = setup
        self.case = case
        self.lane = setup.start("egate-sweep-", case.fail_mode)
        self.officer_opened_exit = False
        self.called_at = self.gone_since = None
        self.door_opened = self.aborted = False

    def lane_state(self, since, name="A1", initial="idle"):
        """A lane's State as the monitor last reported it since `since`."""
        state = initial
        with self.lane.lock:
            for e in self.lane.events[since:]:
                if lane_event(e, name, "PropertyChanged") and e["args"]["property"] == "state":
                    state = e["args"]["value"]
        return state

    def officer(self, since):
        """An alarm that asks for help (assistance, exit-timeout) calls an officer.  Arrived,
        the officer lets a traveller still in the lane out (OpenDoor: the way they came or,
        if that door cannot open, the exit); once they are gone and the lane still waits for
        them (it cannot see the mantrap), the officer ends the transaction (Abort)."""
        now = time.monotonic()
        if self.called_at is None:
            with self.lane.lock:
                if not any(lane_event(e, "A1", "Alarm") and
                           e["args"].get("kind") in ("assistance", "exit-timeout")
                           for e in self.lane.events[since:]):
                    return
            self.called_at = now
        if now - self.called_at < OFFICER_ARRIVES_S:
            return
        if not self.lane.traveller_gone():
            self.gone_since = None
            if not self.door_opened:
                self.door_opened = True
                self.case.notes.append("an officer lets the traveller out")
                try:
                    self.lane.egatectl("open-door", "A1", "entry", "officer escorts the traveller")
                except Failure:
                    self.lane.egatectl("open-door", "A1", "exit", "officer escorts the traveller")
                    self.officer_opened_exit = True
            return
        self.gone_since = self.gone_since or now
        if not self.aborted and now - self.gone_since >= OFFICER_ARRIVES_S and \
                self.lane_state(since) not in SETTLED:
            self.aborted = True
            self.case.notes.append("an officer ends the wait for a traveller gone")
            self.lane.egatectl("abort", "A1", "officer saw the mantrap empty")

    def mantrap_count(self):
        status = self.lane.mock("status A1")
        zones = re.search(r" zones=(\S+)", status).group(1)
        return dict((z.split(":")[0], int(z.split(":")[1])) for z in zones.split(","))["mantrap"]

    def settle(self, since, tx):
        """Until the transaction ended, the traveller left and A1 rests; the decision."""
        end = time.monotonic() + SETTLE_S
        finished = None
        while time.monotonic() < end:
            self.officer(since)
            if finished is None:
                with self.lane.lock:
                    done = [e for e in self.lane.events[since:]
                            if lane_event(e, "A1", "TransactionFinished") and
                            e["args"]["id"] == tx]
                finished = done[0]["args"] if done else None
            resting = self.lane_state(since) in SETTLED
            if resting and finished and self.mantrap_count() > 0:
                raise Failure("lane A1 is %s with %d in the mantrap" %
                              (self.lane_state(since), self.mantrap_count()))
            if finished and resting and self.lane.traveller_gone():
                return finished
            time.sleep(0.05)
        raise Failure("after %.0f s: %s, lane %s, %s" % (
            SETTLE_S, "decided %s" % finished["decision"] if finished else "no decision",
            self.lane_state(since), self.lane.mock("status A1")))


def check_decision(case, finished, record):
    decision, reasons = finished["decision"], finished["reasons"]
    alerts = [r for r in reasons if r.startswith("A_")]
    case.check((decision == "alarm") == bool(alerts),
               "decision %s with reasons %s: an alarm exactly when an A_ code says so" %
               (decision, reasons))
    if decision != "accept":
        return
    why = tolerated(case.role, case.op, case.fault)
    if why:
        case.notes.append("accepted: " + why)
        return
    retried = [s for s in record.get("steps", [])
               if s["result"] != "successful" or s.get("attempt", 1) > 1]
    if case.check(retried, "accepted although %s %s failed (%s) and nothing on record shows "
                  "it was retried" % (case.role, case.op, case.fault)):
        case.notes.append("accepted after a retry (%s attempt %s %s)" %
                          (retried[0]["step"], retried[0].get("attempt"), retried[0]["result"]))


def one_record(case, lane, tx):
    """Whether the trail holds exactly one record of tx."""
    records = [r for r in json.loads(lane.egatectl("--json", "audit", "list"))
               if r["transaction_id"] == tx]
    return case.check(len(records) == 1, "%d audit records for transaction %s, expected 1" %
                      (len(records), tx))


def check_record(case, setup, lane, tx, finished):
    """Exactly one record for tx, as decided, with documented codes and its failed step."""
    if not one_record(case, lane, tx):
        return {}
    record = lane.audit(tx)
    case.check(record["decision"] == finished["decision"] and
               record["reasons"] == finished["reasons"],
               "audit record %s %s, TransactionFinished %s %s" %
               (record["decision"], record["reasons"], finished["decision"],
                finished["reasons"]))
    undocumented = [r for r in record["reasons"] + [s["reason"] for s in record["steps"]]
                    if r and r not in setup.reasons]
    case.check(not undocumented, "reason codes not in docs/reason-codes.md: %s" % undocumented)
    if record["decision"] != "accept":
        failing = [s for s in record["steps"] if s["result"] != "successful" and
                   s["reason"] in record["reasons"]]
        case.check(failing, "a %s record without the step that did not succeed: reasons %s, "
                   "steps %s" % (record["decision"], record["reasons"],
                                 [(s["step"], s["result"], s["reason"])
                                  for s in record["steps"]]))
    return record


def check_late_alarms(case, run, since, tx):
    """An alarm raised once the record is written (an accepted traveller sent back, one who
    cannot get out) is a lane event of the transaction in the trail: the record alone says
    only the decision."""
    with run.lane.lock:
        events = run.lane.events[since:]
    done = next(i for i, e in enumerate(events) if lane_event(e, "A1", "TransactionFinished"))
    late = [e["args"]["kind"] for e in events[done + 1:] if lane_event(e, "A1", "Alarm")]
    if not late:
        return
    trail = json.loads(run.lane.egatectl("--json", "audit", "events"))
    for kind in late:
        case.check(any(e["kind"] == "alarm" and e["action"] == kind and
                       e.get("transaction_id") == tx for e in trail),
                   "Alarm %s after the record, but no lane event of it in the trail" % kind)
    case.notes.append("alarms after the record, in the trail: %s" % ", ".join(late))


def device_gone_or_faulted(run, role):
    """Why A1's `role` cannot serve (gone, faulted, offline), or None."""
    state = run.lane.mock_device_state("A1-" + role)
    if state.split(",")[0] in ("unplugged", "crashed"):
        return state.split(",")[0]
    d = run.lane.device(device_id(role))
    if d is None:
        return "gone from egated"
    if d["state"] in ("faulted", "offline"):
        return d["state"]
    return None


def check_doors(case, run, since, decision):
    matrix = run.setup.matrix
    with run.lane.lock:
        events = run.lane.events[since:]
    if decision != "accept" and not run.officer_opened_exit:
        case.check("open" not in matrix.door_positions(events, matrix.EXIT),
                   "the exit door opened for a traveller who was not accepted")
    for role in ("entry-door", "exit-door"):
        state = run.lane.mock_device_state("A1-" + role).split(",")[0]
        if state in ("unplugged", "crashed"):
            continue  # nothing can command it; the recovery secures it
        d = run.lane.device(device_id(role))
        secure = "closed/locked"
        if d and d["state"] == "faulted" and d["class_properties"]["fail_mode"] == "safe":
            secure = "open/unlocked"
        case.check(state == secure, "%s is %s at rest, expected %s" % (role, state, secure))


def check_log(case, setup, lane):
    log = lane.log_text()
    found = sorted(w for w in setup.personal() if w in log)
    case.check(not found, "personal data in egated's log: %d item(s)" % len(found))


def other_lane_serves(case, run):
    """Lane B1 takes a traveller while A1 is down."""
    try:
        tx, finished = pass_through(run.lane, "B1", "b1")
        run.lane.wait_traveller_gone(lane="B1")
    except Failure as e:
        case.check(False, "lane B1 meanwhile: %s" % e)
        return None
    case.check(finished["decision"] == "accept", "lane B1 meanwhile: %s %s" %
               (finished["decision"], finished["reasons"]))
    return tx


def recover(case, run):
    """The device back: replugged, or (probed classes) left to the lane's probe; then A1
    is idle, its doors secured, and it accepts the next traveller."""
    why = device_gone_or_faulted(run, case.role)
    if why in ("unplugged", "crashed"):
        run.lane.mock("replug A1-" + case.role)
    elif why == "faulted" and case.role not in PROBED:
        run.lane.mock("unplug A1-" + case.role)
        run.lane.mock("replug A1-" + case.role)
    run.lane.wait_state("idle", PROBE_INTERVAL_S + DOOR_MOVEMENT_S + MARGIN_S,
                        "the device back (%s)" % (why or "never lost"))
    for door in ("A1-entry-door", "A1-exit-door"):
        state = run.lane.mock_device_state(door)
        case.check(state == "closed/locked", "%s %s on the idle lane" % (door, state))
    tx, finished = pass_through(run.lane, "A1", "a1-again")
    case.check(finished["decision"] == "accept", "the next traveller after recovery: %s %s" %
               (finished["decision"], finished["reasons"]))
    run.lane.wait_traveller_gone()
    return tx


def run_case(setup, case):
    try:
        run = Run(setup, case)
    except Failure as e:
        case.problems.append("start: %s" % e)
        return case
    lane = run.lane
    transactions = []
    try:
        reply = lane.mock("fault A1-%s %s %s 1 %d" % (case.role, case.op, case.fault,
                                                     case.index))
        if not reply.startswith("OK"):
            raise Failure("fault: " + reply)
        since = lane.mark()
        reply = lane.mock("arrive A1 a1")
        if not reply.startswith("OK"):
            raise Failure("arrive: " + reply)
        i = lane.wait_event(since, lambda e: lane_event(e, "A1", "TransactionStarted"), 10,
                            "TransactionStarted")
        tx = lane.events[i]["args"]["id"]
        transactions.append(tx)
        finished = run.settle(since, tx)
        case.notes.insert(0, "%s %s" % (finished["decision"], finished["reasons"]))

        record = check_record(case, setup, lane, tx, finished)
        check_decision(case, finished, record)
        check_doors(case, run, since, finished["decision"])
        check_late_alarms(case, run, since, tx)
        why = device_gone_or_faulted(run, case.role)
        if why:
            case.check(run.lane_state(since) == "out-of-service",
                       "%s is %s, but lane A1 is %s" % (case.role, why,
                                                         run.lane_state(since)))
            case.notes.append("out of service (%s %s)" % (case.role, why))
        case.check(lane.egated.poll() is None, "egated exited")
        b1 = other_lane_serves(case, run)
        if b1:
            transactions.append(b1)
        transactions.append(recover(case, run))
        for t in transactions:
            one_record(case, lane, t)
        check_log(case, setup, lane)
    except Failure as e:
        case.problems.append(str(e))
    finally:
        problem = lane.close()
        if problem:
            case.problems.append(problem)
        if case.problems:
            with open(os.path.join(lane.work, "egated.log")) as f:
                case.log_tail = f.readlines()[-int(os.environ.get("EGATE_SWEEP_LOG_LINES", "40")):]
        shutil.rmtree(lane.work, ignore_errors=True)
    return case


def main():
    begun = lane_harness.begin("egate-sweep-")
    if not begun:
        return 77
    matrix, work, _ = begun
    shutil.rmtree(work, ignore_errors=True)
    only = sys.argv[sys.argv.index("-k") + 1] if "-k" in sys.argv else None
    jobs = int(os.environ.get("EGATE_SWEEP_JOBS", "8"))
    setup = Setup(matrix)
    started = time.monotonic()
    try:
        points = baseline(setup)
    except Failure as e:
        print("not ok - baseline: %s" % e)
        print("0 passed, 1 failed")
        return 1
    cases = [Case(role, op, i, made, fault, mode) for role, op, i, made in points
             for mode in FAIL_MODES if mode == "secure" or role in DOORS for fault in FAULTS]
    cases = [c for c in cases if not only or only in c.name]
    doors = sum(1 for p in points if p[0] in DOORS)
    print("# (%d operations of an accepted pass + %d of its doors fail-safe) x %d faults = "
          "%d cases, %d at once" % (len(points), doors, len(FAULTS), len(cases), jobs))
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for case in pool.map(lambda c: run_case(setup, c), cases):
            if case.problems:
                failed += 1
                print("not ok - %s: %s" % (case.name, "; ".join(case.problems)))
                for note in case.notes:
                    print("#   " + note)
                for line in getattr(case, "log_tail", []):
                    sys.stdout.write("#   " + line)
            else:
                passed += 1
                print("ok - %s: %s" % (case.name, "; ".join(case.notes)))
            sys.stdout.flush()
    print("# %.0f s" % (time.monotonic() - started))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
