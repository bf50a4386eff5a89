#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
The external face comparator end to end: egated in mock mode with [face] backend =
external asks a bridge on a Unix socket (written here, as a deployment would write one
around its vendor's SDK) while travellers walk through a mock lane with a camera.  The
configured bridge takes precedence over the mock comparator.  For every comparison the
test checks what the bridge was handed: the question line, exactly two descriptors, both
sealed memfds, the mock camera's PGM frame and the member's reference bytes.  The bridge
scores by the reference (the mock registry's reference is the traveller's id):

  - "face-match" scores 90: accepted, the face step successful with its score;
  - "face-mismatch" scores 10: referred E_FACE_NO_MATCH after face-attempts tries;
  - "face-unavailable" gets "unavailable": referred E_FACE_COMPARATOR_UNAVAILABLE, the face
    step undetermined, not a failed match;
  - "face-photo" gets "presentation-attack": a silent alarm (A_FACE_PAD_ALARM, Lane.Alarm
    kind presentation-attack), the face step failed with it, no score.

Run by meson (suite "pipeline"); EGATE_BUILD_ROOT and EGATE_SOURCE_ROOT come from the
environment.
"""
import fcntl
import json
import os
import socket
import sys

import lane_harness
from lane_harness import read_line

ALL_SEALS = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL
QUESTION = {"version": 1, "op": "compare", "probe_mime": "image/x-portable-graymap",
            "reference_mime": "image/x-egate-mock-face"}


class FaceBridge(lane_harness.SocketBridge):
    """A face comparator bridge: the question and two memfds in, one JSON line out."""

    SCORES = {b"face-match": 90, b"face-mismatch": 10}

    def __init__(self, path):
        self.asked = []  # (question, n_fds, probe, probe seals, reference, reference seals)
        super().__init__(path)

    @staticmethod
    def _image(fd):
        size = os.fstat(fd).st_size
        data = os.pread(fd, size, 0)
        memfd = os.readlink("/proc/self/fd/%d" % fd).startswith("/memfd:")
        return data, fcntl.fcntl(fd, fcntl.F_GET_SEALS) if memfd else -1

    def serve(self, conn):
        data, fds, _, _ = socket.recv_fds(conn, 4096, 4)
        try:
            data = read_line(conn, data)
            if data is None:
                return
            images = [self._image(fd) for fd in fds]
        finally:
            for fd in fds:
                os.close(fd)
        question = json.loads(data)
        probe, probe_seals = images[0] if images else (b"", -1)
        reference, reference_seals = images[1] if len(images) > 1 else (b"", -1)
        self.asked.append((question, len(fds), probe, probe_seals, reference, reference_seals))
        if reference in self.SCORES:
            answer = {"version": 1, "result": "scored", "score": self.SCORES[reference]}
        elif reference == b"face-photo":
            answer = {"version": 1, "result": "presentation-attack"}
        else:
            answer = {"version": 1, "result": "unavailable", "message": "model not loaded"}
        conn.sendall(json.dumps(answer).encode() + b"\n")
        conn.close()


def check_asked(asked, name, Failure):
    """Every comparison of this traveller handed the bridge the right things."""
    if not asked:
        raise Failure("the bridge was never asked")
    for question, n_fds, probe, probe_seals, reference, reference_seals in asked:
        if question != QUESTION:
            raise Failure("the bridge was asked %r" % question)
        if n_fds != 2:
            raise Failure("%d descriptors with the question" % n_fds)
        if not probe.startswith(b"P5") or name.encode() not in probe:
            raise Failure("the probe is not the camera's frame of %s" % name)
        if reference != name.encode():
            raise Failure("the reference is %r" % reference[:40])
        if probe_seals & ALL_SEALS != ALL_SEALS or reference_seals != ALL_SEALS:
            raise Failure("seals: probe %#x, reference %#x" % (probe_seals, reference_seals))


def main():
    if not hasattr(socket, "recv_fds"):
        print("1..0 # SKIP Python without socket.recv_fds")
        return 77
    started = lane_harness.begin("egate-extface-")
    if not started:
        return 77
    matrix, work, state = started
    Failure = matrix.Failure

    # (traveller, decision, reasons, face steps (result, reason), scores)
    cases = [
        ("face-match", "accept", [], [("successful", None)], [90]),
        ("face-mismatch", "refer", ["E_FACE_NO_MATCH"],
         [("failed", "E_FACE_NO_MATCH"), ("failed", "E_FACE_NO_MATCH")], [10, 10]),
        ("face-unavailable", "refer", ["E_FACE_COMPARATOR_UNAVAILABLE"],
         [("undetermined", "E_FACE_COMPARATOR_UNAVAILABLE")], [None]),
        ("face-photo", "alarm", ["A_FACE_PAD_ALARM"], [("failed", "A_FACE_PAD_ALARM")], [None]),
    ]
    travellers = [matrix.scenario_traveller(name, i, {}) for i, (name, *_) in enumerate(cases)]
    scenario_path = lane_harness.write_scenario(matrix, work, "external face", travellers,
                                                camera=True)
    face_path = os.path.join(work, "face.sock")
    config = lane_harness.write_file(
        work, "egated.conf",
        "[face]\nbackend = external\nsocket = %s\n" % face_path +
        "[policy.ses]\nface-verification = yes\nface-attempts = 2\n"
        "mantrap-timeout-ms = 3000\nfingerprint-timeout-ms = 1500\n"
        "document-timeout-ms = 1500\nbackground-timeout-ms = 1500\n"
        "registry-timeout-ms = 1000\nexit-timeout-ms = 3000\n")

    bridge = FaceBridge(face_path)
    lane = matrix.Lane(work, scenario_path, config, state)

    def one(case):
        name, decision, reasons, face_steps, scores = case
        asked = len(bridge.asked)
        since = lane.mark()
        i, got = lane_harness.arrive(lane, matrix, name, decision, reasons)
        lane_harness.leave(lane)
        alarms = [e["args"].get("kind") for e in lane.events[since:i + 1]
                  if e.get("event") == "Alarm"]
        if alarms != (["presentation-attack"] if decision == "alarm" else []):
            raise Failure("Lane.Alarm kinds %r" % alarms)
        check_asked(bridge.asked[asked:], name, Failure)
        if len(bridge.asked) - asked != len(face_steps):
            raise Failure("%d comparisons, expected %d" %
                          (len(bridge.asked) - asked, len(face_steps)))
        record = lane.audit(got["id"])
        steps = [s for s in record["steps"] if s["step"] == "face"]
        if [(s["result"], s.get("reason") or None) for s in steps] != face_steps:
            raise Failure("face steps in the audit record: %r" % steps)
        for s, score in zip(steps, scores):
            if s.get("score") != score or (score is not None and
                                           s.get("threshold") != 60):
                raise Failure("face step %r, expected score %s" % (s, score))
        return "%s: %s %s" % (name, decision, reasons)

    return lane_harness.run_lane(
        lane, matrix, work, cases, one, [bridge],
        log_must_have=[("face comparison: the external bridge on",
                        "egated did not say it uses the bridge")])


if __name__ == "__main__":
    sys.exit(main())
