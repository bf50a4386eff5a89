# SPDX-License-Identifier: LGPL-2.1-or-later
"""
egated on a private session bus with the mock devices, driven the way the end-to-end
pipeline tests drive it: its `egatectl monitor --json` events collected on a thread, the
mock's control socket, egatectl, and waits for events and lane states.  The matrix
(test-matrix.py) adds its cases' actions on top; the bridge tests use it as it is.
"""
import json
import os
import socket
import subprocess
import threading
import time

BUILD = os.environ.get("EGATE_BUILD_ROOT")
LANE = "A1"


class Failure(Exception):
    pass


class Lane:
    """egated, its private bus, its monitor and the mock's control socket."""

    def __init__(self, work, scenario, config, state_dir):
        self.work = work
        self.events = []
        self.lock = threading.Condition()
        self.procs = []
        self.config = config
        env = dict(os.environ)
        env["XDG_RUNTIME_DIR"] = work
        out = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1",
                              "--print-pid=1", "--address=unix:path=%s/bus.sock" % work],
                             check=True, capture_output=True, text=True).stdout.split("\n")
        env["DBUS_SESSION_BUS_ADDRESS"] = out[0]
        self.bus_pid = int(out[1])
        self.env = env
        self.log = open(os.path.join(work, "egated.log"), "w")
        self.egated = subprocess.Popen(
            [BUILD + "/core/egated", "--user", "--mock", scenario, "-c", config,
             "--plugin-dir", BUILD + "/plugins/mock", "--state-directory", state_dir],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.monitor = subprocess.Popen([BUILD + "/tools/egatectl/egatectl", "--user", "--json",
                                         "monitor"], env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        threading.Thread(target=self._read_monitor, daemon=True).start()
        self.socket = os.path.join(work, "egate-mock.sock")

    def _read_monitor(self):
        for line in self.monitor.stdout:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                self.events.append(e)
                self.lock.notify_all()

    def close(self):
        """Stop everything; the problem with egated's stop, if any."""
        problem = None
        for p in (self.monitor, self.egated):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
                    problem = "egated did not stop within 20 s"
        if self.egated.returncode != 0 and not problem:
            problem = "egated exited with status %d" % self.egated.returncode
        try:
            os.kill(self.bus_pid, 15)
        except OSError:
            pass
        self.log.close()
        with open(self.log.name) as f:
            log = f.read()
        for sign in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            if sign in log:
                problem = "sanitizer report in egated's log (%s)" % sign
        return problem

    # -- tools

    def mock(self, command):
        for _ in range(100):
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.socket)
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise Failure("no mock control socket")
        with s:
            s.sendall((command + "\n").encode())
            data = b""
            while not data.endswith(b"\n"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        return data.decode().strip()

    def egatectl(self, *args):
        r = subprocess.run([BUILD + "/tools/egatectl/egatectl", "--user"] + list(args),
                           env=self.env, capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise Failure("egatectl %s: %s" % (" ".join(args), r.stderr.strip()))
        return r.stdout

    def log_text(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def reload(self):
        """SIGHUP, and wait until egated has taken its configuration again."""
        before = self.log_text().count("configuration reloaded")
        self.egated.send_signal(1)  # SIGHUP: reload
        end = time.monotonic() + 15
        while time.monotonic() < end:
            if self.log_text().count("configuration reloaded") > before:
                return
            time.sleep(0.05)
        raise Failure("egated did not reload its configuration")

    def mark(self):
        with self.lock:
            return len(self.events)

    def wait_event(self, since, predicate, seconds, what):
        end = time.monotonic() + seconds
        with self.lock:
            while True:
                for i in range(since, len(self.events)):
                    if predicate(self.events[i]):
                        return i
                left = end - time.monotonic()
                if left <= 0:
                    raise Failure("waited %.0fs for %s" % (seconds, what))
                self.lock.wait(left)

    def lane_state(self, lane=LANE):
        out = self.egatectl("--json", "lane", lane)
        return json.loads(out)["state"]

    def wait_state(self, state, seconds, what, lane=LANE):
        end = time.monotonic() + seconds
        now = None
        while time.monotonic() < end:
            try:
                now = self.lane_state(lane)
            except Failure as e:  # egated still starting
                now = str(e)
            if now == state:
                return
            time.sleep(0.05)
        raise Failure("%s: the lane is %s, not %s, after %.0fs" % (what, now, state, seconds))

    def traveller_gone(self, lane=LANE):
        return " phase=idle " in self.mock("status " + lane) + " "

    def wait_traveller_gone(self, seconds=15, lane=LANE):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.traveller_gone(lane):
                return
            time.sleep(0.05)
        raise Failure("the traveller did not leave the lane: " + self.mock("status " + lane))

    def mock_device_state(self, key, lane=LANE):
        """What the mock says of one of the lane's devices: "open/unlocked",
        "moving/unlocked,ops=1", "ready", "unplugged", ..."""
        prefix = key + "="
        for item in self.mock("status " + lane).split():
            if item.startswith(prefix):
                return item[len(prefix):]
        raise Failure("no %s in the mock's status" % key)

    def device(self, device_id):
        """egated's view of a device (`egatectl --json device`); None once it is gone."""
        try:
            return json.loads(self.egatectl("--json", "device", device_id))
        except Failure:
            return None

    def lane_mode(self):
        return json.loads(self.egatectl("--json", "lane", LANE))["mode"]

    def audit(self, tx):
        out = json.loads(self.egatectl("--json", "audit", "show", tx))
        return out[0] if isinstance(out, list) else out
