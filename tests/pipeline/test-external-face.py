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
    step undetermined, not a failed match.

Run by meson (suite "pipeline"); EGATE_BUILD_ROOT and EGATE_SOURCE_ROOT come from the
environment.
"""
import fcntl
import importlib.machinery
import json
import os
import shutil
import socket
import sys
import tempfile
import threading

BUILD = os.environ.get("EGATE_BUILD_ROOT")
SOURCE = os.environ.get("EGATE_SOURCE_ROOT")
ALL_SEALS = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL
QUESTION = {"version": 1, "op": "compare", "probe_mime": "image/x-portable-graymap",
            "reference_mime": "image/x-egate-mock-face"}


def load_matrix():
    """The matrix test's Lane harness and traveller helpers."""
    path = os.path.join(SOURCE, "tests", "pipeline", "test-matrix.py")
    return importlib.machinery.SourceFileLoader("matrix", path).load_module()


class FaceBridge:
    """A face comparator bridge: the question and two memfds in, one JSON line out."""

    SCORES = {b"face-match": 90, b"face-mismatch": 10}

    def __init__(self, path):
        self.asked = []  # (question, n_fds, probe, probe seals, reference, reference seals)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, 0o600)
        self.sock.listen(8)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    @staticmethod
    def _image(fd):
        size = os.fstat(fd).st_size
        data = os.pread(fd, size, 0)
        memfd = os.readlink("/proc/self/fd/%d" % fd).startswith("/memfd:")
        return data, fcntl.fcntl(fd, fcntl.F_GET_SEALS) if memfd else -1

    def _one(self, conn):
        data, fds, _, _ = socket.recv_fds(conn, 4096, 4)
        try:
            while not data.endswith(b"\n"):
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
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
        else:
            answer = {"version": 1, "result": "unavailable", "message": "model not loaded"}
        conn.sendall(json.dumps(answer).encode() + b"\n")
        conn.close()

    def close(self):
        self.sock.close()


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
    if not BUILD or not SOURCE:
        print("run through meson test (EGATE_BUILD_ROOT, EGATE_SOURCE_ROOT)")
        return 77
    if not hasattr(socket, "recv_fds"):
        print("1..0 # SKIP Python without socket.recv_fds")
        return 77
    matrix = load_matrix()
    Failure = matrix.Failure
    work = tempfile.mkdtemp(prefix="egate-extface-")
    os.chmod(work, 0o700)
    state = os.path.join(work, "state")
    os.mkdir(state, 0o700)

    # (traveller, decision, reasons, face steps (result, reason), scores)
    cases = [
        ("face-match", "accept", [], [("successful", None)], [90]),
        ("face-mismatch", "refer", ["E_FACE_NO_MATCH"],
         [("failed", "E_FACE_NO_MATCH"), ("failed", "E_FACE_NO_MATCH")], [10, 10]),
        ("face-unavailable", "refer", ["E_FACE_COMPARATOR_UNAVAILABLE"],
         [("undetermined", "E_FACE_COMPARATOR_UNAVAILABLE")], [None]),
    ]
    travellers = [matrix.scenario_traveller(name, i, {}) for i, (name, *_) in enumerate(cases)]
    scenario = {"version": 1, "name": "external face", "latency": "zero",
                "lanes": [{"name": matrix.LANE, "camera": True}], "travellers": travellers}
    scenario_path = os.path.join(work, "scenario.json")
    with open(scenario_path, "w") as f:
        json.dump(scenario, f)
    face_path = os.path.join(work, "face.sock")
    config = os.path.join(work, "egated.conf")
    with open(config, "w") as f:
        f.write("[face]\nbackend = external\nsocket = %s\n" % face_path)
        f.write("[policy.ses]\nface-verification = yes\nface-attempts = 2\n"
                "mantrap-timeout-ms = 3000\nfingerprint-timeout-ms = 1500\n"
                "document-timeout-ms = 1500\nbackground-timeout-ms = 1500\n"
                "registry-timeout-ms = 1000\nexit-timeout-ms = 3000\n")

    bridge = FaceBridge(face_path)
    lane = matrix.Lane(work, scenario_path, config, state)
    passed = failed = 0
    try:
        lane.wait_state("idle", 30, "egated started")
        for name, decision, reasons, face_steps, scores in cases:
            try:
                asked = len(bridge.asked)
                since = lane.mark()
                reply = lane.mock("arrive %s %s" % (matrix.LANE, name))
                if not reply.startswith("OK"):
                    raise Failure("arrive: " + reply)
                i = lane.wait_event(since, lambda e: e.get("event") == "TransactionFinished",
                                    20, "TransactionFinished")
                got = lane.events[i]["args"]
                if got["decision"] != decision or got["reasons"] != reasons:
                    raise Failure("%s %s, expected %s %s" % (got["decision"], got["reasons"],
                                                              decision, reasons))
                lane.wait_traveller_gone()
                lane.wait_state("idle", 20, "after the traveller")
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
                print("ok - %s: %s %s" % (name, decision, reasons))
                passed += 1
            except Failure as e:
                print("not ok - %s: %s" % (name, e))
                failed += 1
                try:
                    lane.wait_traveller_gone(20)
                    lane.wait_state("idle", 30, "recovery")
                except Failure:
                    break
    except Failure as e:
        print("not ok - start: %s" % e)
        failed += 1
    finally:
        problem = lane.close()
        bridge.close()
        if problem:
            print("not ok - egated stops cleanly: %s" % problem)
            failed += 1
        else:
            print("ok - egated stops cleanly")
        with open(os.path.join(work, "egated.log")) as f:
            log = f.read()
        if "face comparison: the external bridge on" not in log:
            print("not ok - egated did not say it uses the bridge")
            failed += 1
        if failed:
            for line in log.splitlines()[-120:]:
                sys.stdout.write("# " + line + "\n")
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
