#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""egate's udev rules run by udev itself, on fake devices.

    test-udev-rules.py FIXTURE RULES...

systemd 252 has no `udevadm verify`, and `udevadm test` wants the device in
/sys and reads rules only from the system's directories.  So this test makes
both true in private: in a new mount namespace (a user namespace too when not
root) it mounts a tmpfs on /run, copies RULES into /run/udev/rules.d (which
udevadm reads along with the system's rules), adds group "egate" to a copy of
/etc/group bound over the real one, and runs
    umockdev-run -d FIXTURE -- udevadm test --action=add /sys/...
for each fake device: umockdev puts the devices in /sys.  udev's own parser
reads every rules file (a problem in ours is logged with its file and line),
and the builtins (usb_id, path_id) compute ID_VENDOR_ID, ID_SERIAL_SHORT and
ID_PATH from the fake sysfs as they would on a gate.

Exit 77 when udevadm, umockdev-run or the namespaces are not available.
"""
import os
import shutil
import subprocess
import sys
import tempfile

USB1 = "/sys/devices/pci0000:00/0000:00:14.0/usb1"
TTY = "/sys/devices/platform/serial8250/tty"
EGATE_GID = "4242"

# syspath -> what the properties must say; None means "not set (or empty)".
EXPECTED = {
    USB1 + "/1-1": {"ID_VENDOR_ID": "072f", "ID_SERIAL_SHORT": "RDR0001",
                    "ID_EGATE_CANDIDATE": "1", "ID_EGATE_PLUGIN": "udev-acr",
                    "ID_EGATE_LANE": "A1", "ID_EGATE_ROLE": "chip-reader", "tagged": True},
    # A site rule says ignore: no tag, no candidate, no plugin.
    USB1 + "/1-2": {"ID_SERIAL_SHORT": "RDR0003", "ID_EGATE_IGNORE": "1",
                    "ID_EGATE_CANDIDATE": None, "ID_EGATE_PLUGIN": None, "tagged": False},
    # Nobody's device: untouched.
    USB1 + "/1-3": {"ID_VENDOR_ID": "046d", "ID_EGATE_CANDIDATE": None,
                    "ID_EGATE_PLUGIN": None, "tagged": False},
    # The site chose the plugin: the generated rule leaves it.
    USB1 + "/1-4": {"ID_EGATE_CANDIDATE": "1", "ID_EGATE_PLUGIN": "vendor-acr",
                    "tagged": True},
    # The root hub is a USB device node too.
    USB1: {"ID_VENDOR_ID": "1d6b", "ID_EGATE_CANDIDATE": None, "tagged": False},
    # A serial port the site marked as a document reader: the plugin rule takes it.
    TTY + "/ttyS1": {"ID_EGATE_CLASS": "document-reader", "ID_EGATE_CANDIDATE": "1",
                     "ID_EGATE_PLUGIN": "udev-mrz", "ID_EGATE_LANE": "A1", "tagged": True},
    TTY + "/ttyS2": {"ID_EGATE_CANDIDATE": None, "ID_EGATE_PLUGIN": None, "tagged": False},
}
PROBLEM_WORDS = ("invalid", "unknown", "ignoring", "failed", "error", "unterminated")

failures = 0


def check(condition, what):
    global failures
    print(("ok: " if condition else "FAIL: ") + what)
    if not condition:
        failures += 1


def udevadm_test(fixture, syspath):
    p = subprocess.run(["umockdev-run", "-d", fixture, "--", "udevadm", "test",
                        "--action=add", syspath], capture_output=True, text=True)
    props = {}
    for line in p.stdout.splitlines():
        key, eq, value = line.partition("=")
        if eq and key.isupper() or key.startswith("ID_"):
            props[key] = value
    return p.returncode, props, p.stderr


def inner(fixture, rules):
    rules_dir = "/run/udev/rules.d"
    names = [os.path.basename(r) for r in rules]

    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", "/run"], check=True)
    os.makedirs(rules_dir)
    for r in rules:
        shutil.copy(r, rules_dir)
    with tempfile.NamedTemporaryFile("w", prefix="egate-group.", delete=False) as g:
        with open("/etc/group", encoding="utf-8") as real:
            g.write("".join(l for l in real if not l.startswith("egate:")))
        g.write(f"egate:x:{EGATE_GID}:\n")
    subprocess.run(["mount", "--bind", g.name, "/etc/group"], check=True)

    parse_checked = False
    for syspath, want in EXPECTED.items():
        rc, props, log = udevadm_test(fixture, syspath)
        check(rc == 0, f"{syspath}: udevadm test ran (rc {rc})")
        if rc != 0:
            print(log[-2000:])
            continue
        if not parse_checked:
            ours = [l for l in log.splitlines() if any(n in l for n in names)]
            read = [n for n in names if any(f"Reading rules file: {rules_dir}/{n}" in l
                                             for l in ours)]
            check(sorted(read) == sorted(names), f"udev read all our rules files: {read}")
            problems = [l for l in ours if any(w in l.lower() for w in PROBLEM_WORDS)]
            check(not problems, f"udev's parser found nothing wrong: {problems or 'clean'}")
            parse_checked = True

        tags = props.get("CURRENT_TAGS", "")
        tagged = want.get("tagged")
        check((":egate:" in tags) == tagged, f"{syspath}: tagged egate: {tagged} ({tags})")
        for key, value in want.items():
            if key == "tagged":
                continue
            got = props.get(key) or None
            check(got == value, f"{syspath}: {key}={value} (got {got})")
        if tagged:
            rule_lines = [l for l in log.splitlines() if "71-egate.rules" in l]
            check(any(f"GROUP {EGATE_GID}" in l for l in rule_lines)
                  and any("MODE 0660" in l for l in rule_lines),
                  f"{syspath}: node group egate, mode 0660")
    print(f"{failures} failure(s)")
    return 1 if failures else 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "--inner":
        return inner(argv[2], argv[3:])
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    for tool in ("udevadm", "umockdev-run", "unshare"):
        if not shutil.which(tool):
            print(f"SKIP: {tool} not installed")
            return 77
    ns = ["unshare", "--mount"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
    probe = subprocess.run(ns + ["true"], capture_output=True, text=True)
    if probe.returncode != 0:
        print(f"SKIP: cannot make a mount namespace: {probe.stderr.strip()}")
        return 77
    rules = [os.path.abspath(r) for r in argv[2:]]
    return subprocess.run(ns + [sys.executable, os.path.abspath(__file__), "--inner",
                                os.path.abspath(argv[1])] + rules).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
