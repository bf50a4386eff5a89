# SPDX-License-Identifier: LGPL-2.1-or-later
"""
What the end-to-end tests of the external bridges share (test-external-registry.py,
test-external-face.py): the matrix test's Lane harness (egated on a private bus with the
mock devices), a bridge on a Unix socket that serves each connection on its own thread,
the work directory and scenario, and the walk of one traveller after another.
"""
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


def load_matrix():
    """The matrix test's Lane harness and traveller and MRZ helpers."""
    path = os.path.join(SOURCE, "tests", "pipeline", "test-matrix.py")
    return importlib.machinery.SourceFileLoader("matrix", path).load_module()


class SocketBridge:
    """A bridge listening on a Unix socket: serve(conn) runs for each connection on a
    thread of its own."""

    def __init__(self, path):
        self.path = path
        self.listen()

    def listen(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o600)
        self.sock.listen(8)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        raise NotImplementedError

    def close(self):
        self.sock.close()


def read_line(conn, data=b"", size=4096):
    """data and the rest of its line from conn; None if the peer hung up before the newline."""
    while not data.endswith(b"\n"):
        chunk = conn.recv(size)
        if not chunk:
            return None
        data += chunk
    return data


# The lane policy of the one-concern tests: every wait short enough that a case that goes
# wrong fails within seconds, long enough for the mock at zero latency.
SHORT_TIMEOUTS = ("mantrap-timeout-ms = 3000\nfingerprint-timeout-ms = 1500\n"
                  "document-timeout-ms = 1500\nbackground-timeout-ms = 1500\n"
                  "registry-timeout-ms = 1000\nexit-timeout-ms = 3000\n")


def begin(prefix):
    """What every test starts with: the matrix module, a work directory and the state
    directory in it; None outside meson (the caller exits 77, "skipped")."""
    if not BUILD or not SOURCE:
        print("run through meson test (EGATE_BUILD_ROOT, EGATE_SOURCE_ROOT)")
        return None
    return (load_matrix(),) + work_dir(prefix)


def work_dir(prefix):
    """A private work directory and the state directory in it."""
    work = tempfile.mkdtemp(prefix=prefix)
    os.chmod(work, 0o700)
    state = os.path.join(work, "state")
    os.mkdir(state, 0o700)
    return work, state


def write_file(work, name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def write_scenario(matrix, work, name, travellers, camera):
    scenario = {"version": 1, "name": name, "latency": "zero",
                "lanes": [{"name": matrix.LANE, "camera": camera}], "travellers": travellers}
    return write_file(work, "scenario.json", json.dumps(scenario))


def arrive(lane, matrix, name, decision, reasons):
    """The traveller walks in; the decision must be as expected: the TransactionFinished
    event's index and arguments."""
    since = lane.mark()
    reply = lane.mock("arrive %s %s" % (matrix.LANE, name))
    if not reply.startswith("OK"):
        raise matrix.Failure("arrive: " + reply)
    i = lane.wait_event(since, lambda e: e.get("event") == "TransactionFinished",
                        20, "TransactionFinished")
    got = lane.events[i]["args"]
    if got["decision"] != decision or got["reasons"] != reasons:
        raise matrix.Failure("%s %s, expected %s %s" % (got["decision"], got["reasons"],
                                                         decision, reasons))
    return i, got


def leave(lane):
    """The traveller has gone and the lane is idle again."""
    lane.wait_traveller_gone()
    lane.wait_state("idle", 20, "after the traveller")


def run_lane(lane, matrix, work, cases, one, bridges, log_must_have=(), start_state="idle"):
    """one(case) for each case (its name first), once egated is up (the lane in
    start_state): it returns what to print after "ok - " or raises matrix.Failure.  Then
    egated must stop cleanly and its log have each (text, what is wrong without it) of
    log_must_have; the bridges are closed and the work directory removed.  The exit
    status."""
    passed = failed = 0
    try:
        lane.wait_state(start_state, 30, "egated started")
        for case in cases:
            try:
                print("ok - %s" % one(case))
                passed += 1
            except matrix.Failure as e:
                print("not ok - %s: %s" % (case[0], e))
                failed += 1
                try:
                    lane.wait_traveller_gone(20)
                    lane.wait_state("idle", 30, "recovery")
                except matrix.Failure:
                    break
    except matrix.Failure as e:
        print("not ok - start: %s" % e)
        failed += 1
    finally:
        problem = lane.close()
        for bridge in bridges:
            bridge.close()
        if problem:
            print("not ok - egated stops cleanly: %s" % problem)
            failed += 1
        else:
            print("ok - egated stops cleanly")
        with open(os.path.join(work, "egated.log")) as f:
            log = f.read()
        for text, what in log_must_have:
            if text not in log:
                print("not ok - " + what)
                failed += 1
        if failed:
            for line in log.splitlines()[-120:]:
                sys.stdout.write("# " + line + "\n")
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0
