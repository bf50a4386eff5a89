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
    kind presentation-attack), the face step failed with it, no score;
  - "face-crowd-once" gets "several-faces" (2) first and 90 for the second capture: the
    first face step failed A_MULTI_FACE without a score, then accepted;
  - "face-crowd" gets "several-faces" (3) every time: after face-attempts captures a silent
    alarm (A_MULTI_FACE, Lane.Alarm kind multi-face with the bridge's count), as when the
    camera itself counts several faces.

Run by meson (suite "pipeline"); EGATE_BUILD_ROOT and EGATE_SOURCE_ROOT come from the
environment.
"""
import fcntl
import json
import os
import socket
import sys
import threading

import lane_harness
from lane_harness import read_line

ALL_SEALS = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL
QUESTION = {"version": 1, "op": "compare", "probe_mime": "image/x-portable-graymap",
            "reference_mime": "image/x-egate-mock-face"}
# Lane.Alarm kinds of the alarm reasons a face step can end in.
ALARM_KINDS = {"A_FACE_PAD_ALARM": "presentation-attack", "A_MULTI_FACE": "multi-face"}


class FaceBridge(lane_harness.SocketBridge):
    """A face comparator bridge: the question and two memfds in, one JSON line out."""

    SCORES = {b"face-match": 90, b"face-mismatch": 10}
    # How many faces the SDK sees behind the traveller, by the reference; None: alone.
    CROWDS = {b"face-crowd-once": [2, None], b"face-crowd": [3]}

    def __init__(self, path):
        self.asked = []  # (question, n_fds, probe, probe seals, reference, reference seals)
        self.times = {}  # reference: how many times it was asked about
        self.lock = threading.Lock()
        super().__init__(path)

    def crowd(self, reference):
        """The faces this comparison of reference sees (its last count ever after)."""
        with self.lock:
            n = self.times.get(reference, 0)
            self.times[reference] = n + 1
        counts = self.CROWDS.get(reference, [None])
        return counts[min(n, len(counts) - 1)]

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
        faces = self.crowd(reference)
        if faces:
            answer = {"version": 1, "result": "several-faces", "faces": faces}
        elif reference in self.SCORES or reference in self.CROWDS:
            answer = {"version": 1, "result": "scored", "score": self.SCORES.get(reference, 90)}
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

    # (traveller, decision, reasons, face steps (result, reason), scores, alarm detail)
    cases = [
        ("face-match", "accept", [], [("successful", None)], [90], None),
        ("face-mismatch", "refer", ["E_FACE_NO_MATCH"],
         [("failed", "E_FACE_NO_MATCH"), ("failed", "E_FACE_NO_MATCH")], [10, 10], None),
        ("face-unavailable", "refer", ["E_FACE_COMPARATOR_UNAVAILABLE"],
         [("undetermined", "E_FACE_COMPARATOR_UNAVAILABLE")], [None], None),
        ("face-photo", "alarm", ["A_FACE_PAD_ALARM"], [("failed", "A_FACE_PAD_ALARM")], [None],
         None),
        # Only the SDK behind the bridge sees the second face: asked to stand alone, captured
        # again, then compared.
        ("face-crowd-once", "accept", [], [("failed", "A_MULTI_FACE"), ("successful", None)],
         [None, 90], None),
        ("face-crowd", "alarm", ["A_MULTI_FACE"],
         [("failed", "A_MULTI_FACE"), ("failed", "A_MULTI_FACE")], [None, None],
         "3 faces in the frame"),
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
        name, decision, reasons, face_steps, scores, alarm_detail = case
        asked = len(bridge.asked)
        since = lane.mark()
        i, got = lane_harness.arrive(lane, matrix, name, decision, reasons)
        lane_harness.leave(lane)
        alarms = [e["args"] for e in lane.events[since:i + 1] if e.get("event") == "Alarm"]
        if [a.get("kind") for a in alarms] != [ALARM_KINDS[r] for r in reasons
                                               if r in ALARM_KINDS]:
            raise Failure("Lane.Alarm %r" % alarms)
        if alarm_detail and alarms[0].get("detail") != alarm_detail:
            raise Failure("Lane.Alarm detail %r, expected %r" % (alarms, alarm_detail))
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
