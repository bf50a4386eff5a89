#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The udev rules generator (udev/egate-udev-gen.c) on test plugins.

    test-udev-gen.py GENERATOR PLUGIN_DIR BUILT_RULES

Checks the rules it writes, that it refuses two plugins claiming the same
devices and match strings that are not literal in a rule, and that the
rules generated for the in-tree plugins (BUILT_RULES) give no device to two
plugins.
"""
import os
import re
import subprocess
import sys
import tempfile

failures = 0


def check(condition, what):
    global failures
    print(("ok: " if condition else "FAIL: ") + what)
    if not condition:
        failures += 1


def generate(gen, plugin_dir, names, workdir):
    out = os.path.join(workdir, "out.rules")
    if os.path.exists(out):
        os.unlink(out)
    paths = [n if os.path.isabs(n) else os.path.join(plugin_dir, n + ".so") for n in names]
    p = subprocess.run([gen, "--output", out] + paths, capture_output=True, text=True)
    text = None
    if os.path.exists(out):
        with open(out, encoding="utf-8") as f:
            text = f.read()
    return p.returncode, text, p.stderr


SELECTOR = re.compile(r'^(SUBSYSTEM=="[^"]+", (?:ENV\{[A-Z_]+\}=="[^"]*", )*?)'
                      r'(?:ENV\{ID_EGATE_PLUGIN\}=="", )?'
                      r'ENV\{ID_EGATE_(CANDIDATE|PLUGIN)\}="([^"]*)"$')


def claims(text):
    """{selector: set of plugins} from the ID_EGATE_PLUGIN rules of a generated file."""
    result = {}
    for line in text.splitlines():
        m = SELECTOR.match(line)
        if m and m.group(2) == "PLUGIN":
            result.setdefault(m.group(1), set()).add(m.group(3))
    return result


def main(gen, plugin_dir, built_rules):
    with tempfile.TemporaryDirectory() as work:
        rc, text, err = generate(gen, plugin_dir, ["udev-acr", "udev-mrz", "udev-hid"], work)
        check(rc == 0 and text is not None,
              f"three distinct plugins: rules written ({err.strip()})")
        text = text or ""
        for line in [
            'SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ENV{ID_VENDOR_ID}=="072f", '
            'ENV{ID_MODEL_ID}=="2200", ENV{ID_EGATE_CANDIDATE}="1"',
            'SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ENV{ID_VENDOR_ID}=="072f", '
            'ENV{ID_MODEL_ID}=="2200", ENV{ID_EGATE_PLUGIN}=="", ENV{ID_EGATE_PLUGIN}="udev-acr"',
            'SUBSYSTEM=="tty", ENV{ID_EGATE_CLASS}=="document-reader", ENV{ID_EGATE_CANDIDATE}="1"',
            'SUBSYSTEM=="tty", ENV{ID_EGATE_CLASS}=="document-reader", ENV{ID_EGATE_PLUGIN}=="", '
            'ENV{ID_EGATE_PLUGIN}="udev-mrz"',
            '# udev hidraw: a whole subsystem is not opt-in; tag such devices with a site rule',
            'ACTION=="remove", GOTO="egate_plugins_end"',
            'LABEL="egate_plugins_end"',
        ]:
            check(line in text.splitlines(), f"rule present: {line}")
        check('SUBSYSTEM=="hidraw"' not in text, "no rule opts in a whole subsystem")
        check(all(len(p) == 1 for p in claims(text).values()) and len(claims(text)) == 2,
              "each selector names one plugin")

        for names, words in [
            (["udev-acr", "udev-acr-again"], ["udev-acr (usb 072f:2200)",
                                              "udev-acr-again (usb 072f:2200)"]),
            (["udev-mrz", "udev-mrz-again"], ["udev tty ID_EGATE_CLASS=document-reader",
                                              "udev-mrz-again"]),
            (["udev-hid", "udev-hid-key"], ["udev-hid (udev hidraw)",
                                            "udev-hid-key (udev hidraw ID_EGATE_CLASS=indicator)"]),
        ]:
            rc, text, err = generate(gen, plugin_dir, names, work)
            check(rc != 0 and text is None and "would both claim the same devices" in err
                  and all(w in err for w in words),
                  f"{' + '.join(names)} refused: {err.strip()}")

        for name in ["udev-glob", "udev-quote", "udev-badkey"]:
            rc, text, err = generate(gen, plugin_dir, [name], work)
            check(rc != 0 and text is None and "cannot be written as a udev rule" in err
                  and f"plugin {name}" in err, f"{name} refused: {err.strip()}")

        rc, text, err = generate(gen, plugin_dir, ["udev-acr", "udev-acr"], work)
        check(rc != 0 and "both are plugin udev-acr" in err, f"same plugin twice: {err.strip()}")

        rc, text, err = generate(gen, plugin_dir, [os.path.abspath(__file__)], work)
        check(rc != 0 and text is None and "not a usable plugin: not an ELF file" in err,
              f"a script is no plugin: {err.strip()}")

        rc, text, err = generate(gen, plugin_dir, [], work)
        check(rc == 0 and text is not None and "LABEL=\"egate_plugins_end\"" in text,
              "no plugins: an empty rules file")

    with open(built_rules, encoding="utf-8") as f:
        built = f.read()
    shared = {s: p for s, p in claims(built).items() if len(p) > 1}
    check(not shared, f"in-tree plugins: no device for two plugins ({shared or 'none'})")
    check("mock" not in "".join(p for ps in claims(built).values() for p in ps),
          "the test-only mock plugin gets no rules")

    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
