#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
The external member registry end to end: egated with [registry] backend =
external asks a bridge on a Unix socket (written here, as a deployment would
write one for its central back end) while travellers walk through a mock
lane.  For each traveller the test asserts the decision and the reasons, and
for every question the exact request line the bridge received:

  - a member the bridge knows is accepted (fingerprint verified against the
    template the bridge sent);
  - one it does not know is referred E_NOT_ENROLLED (after the holder lookup);
  - "unavailable", garbage, a bridge that never answers and a bridge that is
    gone are each referred E_REGISTRY_UNAVAILABLE, and egated keeps serving;
  - after a reload that gives registry-timeout-ms more time than any lane had
    at start (and than the registry's own 3 s), an answer slower than those and
    within the new timeout is taken (the registry's own deadline follows the
    policies);
  - a reload that moves [registry] to another socket is named in the log as
    taking effect at the next restart, and the next traveller is still looked
    up by the open bridge.

The background check goes to a second bridge ([background] backend =
external), which clears everyone but one traveller: referred at once as not
enrolled, that traveller's watchlist hit arrives after the decision and must
still reach the operator as a silent alarm.

Run by meson (suite "pipeline"); EGATE_BUILD_ROOT and EGATE_SOURCE_ROOT come
from the environment.
"""
import base64
import datetime
import json
import os
import sys
import time

import lane_harness
from lane_harness import read_line

TODAY = datetime.date.today()


class Bridge(lane_harness.SocketBridge):
    """A registry bridge: one JSON line in, one JSON line out, per connection."""

    def __init__(self, path, members):
        self.members = members  # document number -> member object
        self.behaviour = "answer"
        self.requests = []
        self.hung = []
        super().__init__(path)

    def serve(self, conn):
        data = read_line(conn, size=65536)
        if data is None:
            conn.close()
            return
        request = json.loads(data)
        self.requests.append(request)
        if self.behaviour == "hang":
            self.hung.append(conn)  # keep it open, answer never
            return
        if self.behaviour == "slow":
            time.sleep(3.4)
        if self.behaviour == "garbage":
            conn.sendall(b"{\"result\": \"member\", \"member\": [1, 2\n")
        elif self.behaviour == "unavailable":
            conn.sendall(json.dumps({"result": "unavailable",
                                     "message": "central registry in maintenance"}).encode()
                         + b"\n")
        elif request.get("op") == "lookup" and request.get("document_number") in self.members:
            conn.sendall(json.dumps({"result": "member",
                                     "member": self.members[request["document_number"]]})
                         .encode() + b"\n")
        else:
            conn.sendall(b"{\"result\": \"not-found\"}\n")
        conn.close()

    def close(self):
        super().close()
        for conn in self.hung:
            conn.close()


class BackgroundBridge(lane_harness.SocketBridge):
    """The background check's bridge: clear, except a late hit for one document."""

    def __init__(self, path, late_hit):
        self.late_hit = late_hit
        self.requests = []
        super().__init__(path)

    def serve(self, conn):
        data = read_line(conn)
        if data is None:
            conn.close()
            return
        request = json.loads(data)
        self.requests.append(request)
        if request.get("document_number") == self.late_hit:
            time.sleep(0.4)  # after the registry's "not found" decided the referral
            conn.sendall(b"{\"result\": \"watchlist-hit\"}\n")
        else:
            conn.sendall(b"{\"result\": \"clear\"}\n")
        conn.close()


def member(traveller_id, number, birth, expiry):
    template = b"EGMOCK1\0" + traveller_id.encode()
    return {
        "id": "GE-" + number,
        "status": "active",
        "birth_date": birth.isoformat(),
        "enrolled": (TODAY - datetime.timedelta(days=400)).isoformat(),
        "passports": [{"issuing_state": "USA", "document_number": number,
                       "expiry": expiry.isoformat()}],
        "fingers": [{"finger": "right-index", "format": "egate-mock",
                     "template": base64.b64encode(template).decode()}],
    }


def main():
    started = lane_harness.begin("egate-extreg-")
    if not started:
        return 77
    matrix, work, state = started
    Failure = matrix.Failure  # what the harness raises, and so do we
    birth = datetime.date(1975, 6, 15)
    expiry = TODAY + datetime.timedelta(days=4 * 365)

    # (traveller, bridge behaviour, in the bridge's members, decision, reasons)
    cases = [
        ("known-member", "answer", True, "accept", []),
        ("unknown-person", "answer", False, "refer", ["E_NOT_ENROLLED"]),
        ("bridge-unavailable", "unavailable", True, "refer", ["E_REGISTRY_UNAVAILABLE"]),
        ("bridge-garbage", "garbage", True, "refer", ["E_REGISTRY_UNAVAILABLE"]),
        ("bridge-hangs", "hang", True, "refer", ["E_REGISTRY_UNAVAILABLE"]),
        ("bridge-gone", "gone", True, "refer", ["E_REGISTRY_UNAVAILABLE"]),
        ("known-again", "answer", True, "accept", []),
        ("slow-after-reload", "slow", True, "accept", []),
        ("registry-moved", "reload-socket", None, None, None),
        ("late-watchlist-hit", "answer", False, "refer", ["E_NOT_ENROLLED"]),
    ]
    travellers, members, numbers = [], {}, {}
    for i, (name, _, known, _, _) in enumerate(cases):
        if known is None:
            continue  # not a traveller
        number = "E%08d" % (i + 1)
        numbers[name] = number
        travellers.append({
            "id": name, "label": name.replace("-", " "),
            "mrz": matrix.td3("USA", number, birth + datetime.timedelta(days=i), expiry),
            "think_ms": 0, "patience_ms": 6000 if name == "slow-after-reload" else 2000,
            "membership": {"status": "none"},  # the bridge is the registry here
        })
        if known:
            members[number] = member(name, number, birth + datetime.timedelta(days=i), expiry)
    scenario_path = lane_harness.write_scenario(matrix, work, "external registry", travellers,
                                                camera=False)
    socket_path = os.path.join(work, "registry.sock")
    background_path = os.path.join(work, "background.sock")
    config = lane_harness.write_file(
        work, "egated.conf",
        "[background]\nbackend = external\nsocket = %s\n" % background_path +
        "[registry]\nbackend = external\nsocket = %s\n"
        "[policy.ses]\nregistry-timeout-ms = 800\nmantrap-timeout-ms = 3000\n"
        "fingerprint-timeout-ms = 1500\ndocument-timeout-ms = 1500\n"
        "background-timeout-ms = 1500\nexit-timeout-ms = 3000\n"
        "face-verification = no\n" % socket_path)

    bridge = Bridge(socket_path, members)
    background = BackgroundBridge(background_path, numbers["late-watchlist-hit"])
    lane = matrix.Lane(work, scenario_path, config, state)

    def one(case):
        name, behaviour, _, decision, reasons = case
        if behaviour == "reload-socket":
            with open(config) as f:
                text = f.read()
            with open(config, "w") as f:
                f.write(text.replace(socket_path, os.path.join(work, "moved.sock")))
            lane.reload()
            lane.wait_state("idle", 15, "after the reload")
            return "%s: reloaded" % name
        asked = len(bridge.requests)
        bridge.behaviour = behaviour
        if behaviour == "gone":
            bridge.close()
            os.unlink(socket_path)
        if behaviour == "slow":
            # 800 ms at start (the registry's own deadline: 3 s); the answer takes 3.4 s.
            lane.set_policy("registry-timeout-ms", 5000)
        i, got = lane_harness.arrive(lane, matrix, name, decision, reasons)
        if name == "late-watchlist-hit":
            tx = got["id"]
            lane.wait_event(i, lambda e: e.get("event") == "Alarm" and
                            e["args"].get("kind") == "watchlist-hit", 10,
                            "the late hit's Alarm")
            asked_background = [r for r in background.requests
                                if r.get("document_number") == numbers[name]]
            if len(asked_background) != 1:
                raise Failure("background bridge asked %d times" % len(asked_background))
            lane_harness.leave(lane)
            # The hit decided nothing, so the trail holds it as a lane event of
            # the transaction, whether or not the record was written by then.
            events = json.loads(lane.egatectl("--json", "audit", "events",
                                              "--transaction", tx))
            hits = [e for e in events if e["kind"] == "alarm" and
                    e["action"] == "watchlist-hit" and
                    e.get("transaction_id") == tx and e.get("reason")]
            if len(hits) != 1:
                raise Failure("lane events of %s: %r" % (tx, events))
            if numbers[name] in json.dumps(events):
                raise Failure("the document number in a lane event")
        if behaviour != "gone":
            request = bridge.requests[asked] if len(bridge.requests) > asked else None
            want = {"version": 1, "op": "lookup", "issuing_state": "USA",
                    "document_number": numbers[name]}
            if request != want:
                raise Failure("the bridge was asked %r, expected %r" % (request, want))
        lane_harness.leave(lane)
        if behaviour == "gone":
            # The deployment's bridge comes back: lookups work again.
            bridge.listen()
        return "%s: %s %s" % (name, decision, reasons)

    return lane_harness.run_lane(
        lane, matrix, work, cases, one, [bridge, background],
        log_must_have=[("[registry] changed: takes effect at the next restart; until then "
                        "lookups keep going to the open backend",
                        "the reload that moved [registry] is named in the log")])


if __name__ == "__main__":
    sys.exit(main())
