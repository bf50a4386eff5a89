#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Check egate's udev rules files against the udev rules grammar.

    lint-udev-rules.py FILE...     lint the files; exit 1 on any problem
    lint-udev-rules.py --self-test check that the linter rejects known mistakes

The grammar is udev's (udev(7), systemd 252): a rule is one logical line (a
trailing backslash continues it) of comma-separated KEY[{ATTR}]OP"VALUE"
pairs.  On top of the grammar, egate's own rules must:
  - use only the keys listed below (what egate's rules need);
  - use match operators (==, !=) on match keys and assignment operators on
    assignment keys;
  - have a LABEL for every GOTO, in the same file, and a GOTO for every LABEL;
  - never make a device a candidate, tag it or give it to group egate
    without a condition: that would opt in every device of the system.
udevadm itself parses the rules in test-udev-rules.py where it is installed.
"""
import re
import sys

MATCH_ONLY = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "SUBSYSTEM", "SUBSYSTEMS", "DRIVER",
              "DRIVERS", "ATTRS", "TAGS", "CONST"}
ASSIGN_ONLY = {"GROUP", "MODE", "OWNER", "GOTO", "LABEL", "RUN", "OPTIONS"}
BOTH = {"ENV", "ATTR", "TAG"}
WITH_ATTR = {"ENV", "ATTR", "ATTRS", "CONST", "RUN"}
MATCH_OPS = {"==", "!="}
ASSIGN_OPS = {"=", "+=", "-=", ":="}

PAIR = re.compile(r'\s*([A-Z_]+)(?:\{([^}]*)\})?\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*')
ENV_NAME = re.compile(r"^[A-Za-z0-9_.]+$")
OPT_IN = {("ENV", "ID_EGATE_CANDIDATE"), ("TAG", None), ("GROUP", None), ("MODE", None)}


def logical_lines(text):
    """Yield (first line number, joined text) for each non-empty, non-comment line."""
    buf, start = "", None
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if start is None and (not stripped or stripped.startswith("#")):
            continue
        if start is None:
            start = n
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        yield start, buf
        buf, start = "", None
    if start is not None:
        yield start, buf + "\\"  # a continuation into the end of the file


def split_pairs(line):
    """The KEY{ATTR}OP"VALUE" pairs of a rule, or raise ValueError."""
    pairs, pos = [], 0
    while True:
        m = PAIR.match(line, pos)
        if not m:
            raise ValueError(f"cannot parse at column {pos + 1}: {line[pos:pos + 30]!r}")
        pairs.append(m.groups())
        pos = m.end()
        if pos == len(line):
            return pairs
        if line[pos] != ",":
            raise ValueError(f"expected ',' at column {pos + 1}")
        pos += 1
        if pos == len(line):
            raise ValueError("trailing ','")


def check_pair(key, attr, op, value):
    """Problems with one pair, as a list of strings."""
    problems = []
    if key not in MATCH_ONLY | ASSIGN_ONLY | BOTH:
        return [f"key {key} is not one egate's rules use"]
    if key in WITH_ATTR and attr is None:
        problems.append(f"{key} needs {{...}}")
    if key not in WITH_ATTR and attr is not None:
        problems.append(f"{key} takes no {{...}}")
    if key == "ENV" and attr is not None and not ENV_NAME.match(attr):
        problems.append(f"ENV{{{attr}}}: bad property name")
    if key in MATCH_ONLY and op not in MATCH_OPS:
        problems.append(f"{key} is a match key, {op} is an assignment")
    if key in ASSIGN_ONLY and op not in ASSIGN_OPS:
        problems.append(f"{key} is an assignment key, {op} is a match")
    if key in {"GOTO", "LABEL"} and op != "=":
        problems.append(f"{key} takes '='")
    if key == "MODE" and not re.fullmatch(r"0[0-7]{3}", value):
        problems.append(f"MODE \"{value}\" is not an octal mode like 0660")
    if key == "TAG" and op in ASSIGN_OPS and not ENV_NAME.match(value):
        problems.append(f"TAG \"{value}\" is not a tag name")
    return problems


def lint(name, text):
    """Every problem in a rules file, as "name:line: message" strings."""
    problems, labels, gotos = [], {}, {}
    for n, line in logical_lines(text):
        if line.endswith("\\"):
            problems.append(f"{name}:{n}: line continues past the end of the file")
            continue
        try:
            pairs = split_pairs(line)
        except ValueError as e:
            problems.append(f"{name}:{n}: {e}")
            continue
        has_match = False
        for key, attr, op, value in pairs:
            problems += [f"{name}:{n}: {p}" for p in check_pair(key, attr, op, value)]
            if op in MATCH_OPS:
                has_match = True
            if key == "LABEL":
                if value in labels:
                    problems.append(f"{name}:{n}: LABEL \"{value}\" defined twice")
                labels[value] = n
            if key == "GOTO":
                gotos.setdefault(value, n)
        for key, attr, op, value in pairs:
            opt_in = (key, attr if key == "ENV" else None) in OPT_IN and op in ASSIGN_OPS
            if opt_in and not has_match and not (key == "ENV" and value == ""):
                problems.append(f"{name}:{n}: {key}{'{' + attr + '}' if attr else ''} "
                                f"assigned without a condition: opts in every device")
        if all(op in MATCH_OPS for _, _, op, _ in pairs):
            problems.append(f"{name}:{n}: a rule with matches only does nothing")
    for label, n in gotos.items():
        if label not in labels:
            problems.append(f"{name}:{n}: GOTO \"{label}\" has no LABEL in this file")
    for label, n in labels.items():
        if label not in gotos:
            problems.append(f"{name}:{n}: LABEL \"{label}\" is never jumped to")
    return problems


# Each must be rejected with a message containing the given text.
BAD_RULES = [
    ('SUBSYSTEM=="usb" ENV{X}="1"', "expected ','"),
    ('SUBSYSTEM=="usb", ENV{X}="1",', "trailing ','"),
    ('SUBSYSTEM=="usb", ENV{X}=1', "cannot parse"),
    ('SUBSYSTEM=="usb, ENV{X}="1"', "column"),
    ('SUBSYSTEM="usb", ENV{X}="1"', "is a match key"),
    ('SUBSYSTEM=="usb", GROUP=="egate"', "is an assignment key"),
    ('SUBSYSTEM=="usb", ENV="1"', "ENV needs"),
    ('SUBSYSTEM{x}=="usb", ENV{X}="1"', "takes no"),
    ('SUBSYSTEM=="usb", ENV{X-Y}="1"', "bad property name"),
    ('SUBSYSTEM=="usb", MODE="660"', "not an octal mode"),
    ('SUBSYSTEM=="usb", TAG+="a b"', "not a tag name"),
    ('SUBSYSTEM=="usb", SYMLNK+="x"', "not one egate's rules use"),
    ('ENV{ID_EGATE_CANDIDATE}="1"', "without a condition"),
    ('TAG+="egate"', "without a condition"),
    ('GROUP="egate", MODE="0660"', "without a condition"),
    ('SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device"', "matches only"),
    ('ACTION=="remove", GOTO="nowhere"', "has no LABEL"),
    ('LABEL="lonely"', "never jumped to"),
    ('ACTION=="remove", GOTO="x"\nLABEL="x"\nLABEL="x"', "defined twice"),
    ('SUBSYSTEM=="usb", \\', "past the end"),
]
GOOD_RULES = """# comment
ACTION=="remove", GOTO="end"
SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", \\
  ENV{ID_VENDOR_ID}=="072f", ENV{ID_EGATE_CANDIDATE}="1"
ENV{ID_EGATE_IGNORE}=="1", ENV{ID_EGATE_CANDIDATE}="", GOTO="end"
ENV{ID_EGATE_CANDIDATE}=="1", TAG+="egate", GROUP="egate", MODE="0660"
LABEL="end"
"""


def self_test():
    failures = 0
    for text, expected in BAD_RULES:
        problems = lint("bad", text)
        if not any(expected in p for p in problems):
            print(f"not rejected as '{expected}': {text!r} -> {problems}")
            failures += 1
    problems = lint("good", GOOD_RULES)
    if problems:
        print(f"good rules rejected: {problems}")
        failures += 1
    print(f"self-test: {len(BAD_RULES)} bad rules, 1 good file, {failures} failure(s)")
    return 1 if failures else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    problems = []
    for path in argv[1:]:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        file_problems = lint(path, text)
        problems += file_problems
        n_rules = sum(1 for _ in logical_lines(text))
        print(f"{path}: {n_rules} rule(s), {len(file_problems)} problem(s)")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
