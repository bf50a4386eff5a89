#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
Write docs/dbus-api.md from the D-Bus contract: the introspection files
dbus/org.egate.EGate1.*.xml with their comments, the bus policy
dbus/org.egate.EGate1.conf (who may call what) and the error names of
core/src/bus/bus-errors.h with their errnos from bus-errors.c.

  dbus-doc.py --policy CONF --errors-header H --errors-source C --output MD XML...

Conventions of the XML comments read here:
  - the comment before <node> describes the interface; its paragraphs starting
    "Object:" and "Access:" are shown as such;
  - a comment before a member describes it and the members of the same kind
    that follow it without a comment of their own ("Vendor, Model, Serial: ...");
  - "Errors:" ends a method's description and lists org.egate.EGate1.Error.NAME
    entries, each optionally followed by "(when)".
"""
import argparse
import os
import re
import sys
import textwrap
import xml.etree.ElementTree as ET

BUS_NAME = "org.egate.EGate1"
ERROR_PREFIX = BUS_NAME + ".Error."
ERROR_RE = re.compile(re.escape(ERROR_PREFIX) + r"(\w+)(?:\s*\(([^()]*)\))?")

# What each error means to a client. The names themselves come from bus-errors.h; a
# name without a meaning here (or a meaning without a name there) stops the build.
ERROR_MEANINGS = {
    "NotFound": "The object, device or door does not exist (any more): it was unplugged or "
                "removed from the configuration.",
    "Busy": "The device is in use: a lane in automatic mode drives it (switch the lane to "
            "manual first), or it cannot take the operation now.",
    "NotClaimed": "The method needs the caller to hold the device's claim "
                  "(Device.Claim), or the caller tried to release a claim it does not hold.",
    "AlreadyClaimed": "Another connection holds the device's claim; the message names it.",
    "PermissionDenied": "egated refused the caller: the method needs membership of "
                        "egate-operator (or egate-monitor for reads).",
    "InvalidArgument": "An argument is out of its documented set or range (unknown light, "
                       "mode or finger, empty reason, APDU length, invalid configuration).",
    "Timeout": "The device did not answer within the operation timeout; it is now "
               "faulted.",
    "DeviceFailed": "The device or its plugin reported an error; the message says which.",
    "PluginFailed": "The plugin driving the device failed or is not loaded.",
    "NotSupported": "The device or its plugin does not implement the operation.",
    "Cancelled": "The operation was cancelled before it completed.",
    "NoMedia": "Nothing to work on: no document on the reader, no chip in the field, no "
               "face in view.",
    "TryAgain": "The read was not good enough (unreadable document, poor fingerprint, "
                "several faces): present it again.",
    "ShuttingDown": "egated is stopping: a call that comes now is refused, and a call still "
                    "waiting for its device, the audit trail or the registry is answered with "
                    "this before egated leaves the bus.",
    "NoTransaction": "The lane has no transaction in progress.",
}


def parse_with_comments(path):
    """The root element with the comments inside it kept, and the comments before it."""
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    root = ET.parse(path, parser=parser).getroot()
    before_root = []
    for event, item in ET.iterparse(path, events=("start", "comment")):
        if event == "start":
            break
        before_root.append(item.text)
    return root, before_root


def iter_with_comments(element):
    """Yield (child, comment text or None) for the child elements, a comment applying to
    the element after it."""
    pending = None
    for child in element:
        if child.tag is ET.Comment:
            pending = child.text
            continue
        yield child, pending
        pending = None


def clean(text):
    return textwrap.dedent(text or "").strip()


def paragraphs(text):
    return [" ".join(line.strip() for line in p.splitlines())
            for p in re.split(r"\n\s*\n", clean(text)) if p.strip()]


def split_errors(text):
    """(description, [(error name, when)]) of a member's comment."""
    joined = " ".join(line.strip() for line in clean(text).splitlines())
    if "Errors:" not in joined:
        return joined, []
    description, errors = joined.split("Errors:", 1)
    return description.strip(), [(m.group(1), (m.group(2) or "").strip())
                                 for m in ERROR_RE.finditer(errors)]


def strip_names(description, names):
    """Drop a leading "Name:" or "Name1, Name2:" naming the members described."""
    m = re.match(r"^([A-Za-z]+(?:\s*,\s*[A-Za-z]+)*)\s*:\s*", description)
    if m and set(n.strip() for n in m.group(1).split(",")) <= set(names):
        description = description[m.end():]
    return description[:1].upper() + description[1:]


def group_members(interface, kind):
    """[(elements, comment)]: consecutive members of `kind` sharing one comment."""
    groups = []
    for child, comment in iter_with_comments(interface):
        if child.tag != kind:
            continue
        if comment is None and groups and groups[-1][2]:
            groups[-1][0].append(child)
            continue
        groups.append(([child], comment, True))
    return [(members, comment) for members, comment, _ in groups]


def load_policy(path):
    """{(interface, member): sorted [who]} for calls allowed to org.egate.EGate1."""
    allowed = {}
    for policy in ET.parse(path).getroot().findall("policy"):
        who = ("group " + policy.get("group") if policy.get("group")
               else "user " + policy.get("user") if policy.get("user")
               else policy.get("context"))
        for rule in policy.findall("allow"):
            if rule.get("send_destination") != BUS_NAME:
                continue
            key = (rule.get("send_interface"), rule.get("send_member"))
            allowed.setdefault(key, set()).add(who)
    return allowed


def callers(policy, interface, member):
    who = set(policy.get((interface, member), set())) | policy.get((None, None), set())
    return sorted(who)


def load_errors(header, source):
    names = {}
    for define, name in re.findall(r'#define\s+(EG_BUS_ERROR_\w+)\s+"([^"]+)"',
                                   open(header, encoding="utf-8").read()):
        names[define] = name
    errnos = {}
    for define, errno in re.findall(r"SD_BUS_ERROR_MAP\((EG_BUS_ERROR_\w+),\s*(\w+)\)",
                                    open(source, encoding="utf-8").read()):
        errnos.setdefault(names[define], []).append(errno)
    short = sorted(n[len(ERROR_PREFIX):] for n in names.values())
    missing = sorted(set(short) - ERROR_MEANINGS.keys())
    extra = sorted(ERROR_MEANINGS.keys() - set(short))
    if missing or extra:
        sys.exit(f"dbus-doc.py: error meanings out of date: add {missing}, remove {extra}")
    return [(n, errnos.get(ERROR_PREFIX + n, [])) for n in short]


def format_args(args, direction=None):
    chosen = [a for a in args if direction is None or a.get("direction", "in") == direction]
    return ", ".join(f"{a.get('type')} {a.get('name')}" for a in chosen)


def method_signature(m):
    out = format_args(m.findall("arg"), "out")
    return f"{m.get('name')}({format_args(m.findall('arg'), 'in')})" + \
        (f" → ({out})" if out else "")


def render_interface(path, policy, errors_used, out):
    root, preamble = parse_with_comments(path)
    for interface in root.findall("interface"):
        name = interface.get("name")
        out.append(f"## {name}\n")
        text = paragraphs("\n\n".join(preamble))
        text = [p for p in text if p != name]
        for p in text:
            if p.startswith("Object:") or p.startswith("Access:"):
                label, rest = p.split(":", 1)
                out.append(f"**{label}:** {rest.strip()}\n")
            else:
                out.append(p + "\n")
        methods = [m.get("name") for m in interface.findall("method")]
        if methods:
            who = sorted({w for m in methods for w in callers(policy, name, m)})
            out.append("**Bus policy:** methods callable by " + ", ".join(who) +
                       "; properties readable by " +
                       ", ".join(callers(policy, "org.freedesktop.DBus.Properties", "Get")) +
                       "; signals received by everyone.\n")

        props = group_members(interface, "property")
        if props:
            out.append("### Properties\n")
            out.append("| Name | Type | Access | Meaning |")
            out.append("| --- | --- | --- | --- |")
            for members, comment in props:
                names = [p.get("name") for p in members]
                meaning = strip_names(split_errors(comment)[0], names).replace("|", "\\|")
                for p in members:
                    out.append(f"| `{p.get('name')}` | `{p.get('type')}` | {p.get('access')} "
                               f"| {meaning} |")
            out.append("")

        methods = group_members(interface, "method")
        if methods:
            out.append("### Methods\n")
            for members, comment in methods:
                names = [m.get("name") for m in members]
                description, errors = split_errors(comment)
                description = strip_names(description, names)
                out.append("#### " + ", ".join(names) + "\n")
                out.append("```")
                out += [method_signature(m) for m in members]
                out.append("```\n")
                if description:
                    out.append(description + "\n")
                if errors:
                    out.append("Possible errors:\n")
                    for error, when in errors:
                        out.append(f"- `{ERROR_PREFIX}{error}`" + (f": {when}" if when else ""))
                        short = name.rsplit(".", 1)[1]
                        errors_used.setdefault(error, []).extend(f"{short}.{n}" for n in names)
                    out.append("")

        signals = group_members(interface, "signal")
        if signals:
            out.append("### Signals\n")
            for members, comment in signals:
                names = [s.get("name") for s in members]
                description = strip_names(split_errors(comment)[0], names)
                out.append("#### " + ", ".join(names) + "\n")
                out.append("```")
                out += [f"{s.get('name')}({format_args(s.findall('arg'))})" for s in members]
                out.append("```\n")
                if description:
                    out.append(description + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--policy", required=True)
    parser.add_argument("--errors-header", required=True)
    parser.add_argument("--errors-source", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("xml", nargs="+")
    args = parser.parse_args()

    order = ["Manager", "Lane", "Device", "DocumentReader", "ChipReader", "FingerprintScanner",
             "Camera", "Door", "PresenceSensor", "Indicator"]

    def rank(path):
        iface = os.path.basename(path)[len(BUS_NAME) + 1:-len(".xml")]
        return (order.index(iface) if iface in order else len(order), iface)

    policy = load_policy(args.policy)
    errors = load_errors(args.errors_header, args.errors_source)
    out = [
        "# The egate D-Bus API (org.egate.EGate1)\n",
        "<!-- Generated by tools/dbus-doc.py from dbus/org.egate.EGate1.*.xml, "
        "dbus/org.egate.EGate1.conf and core/src/bus/bus-errors.[ch]: edit those, then "
        "copy the build's dbus/dbus-api.md here (the test dbus-doc-up-to-date checks). -->\n",
        "egated owns the name `org.egate.EGate1` on the system bus. The introspection files "
        "are installed in `/usr/share/dbus-1/interfaces`. Callers are checked twice: by the "
        "bus policy and by egated itself (root and egated's own user may do everything, "
        "`egate-operator` may call methods, `egate-monitor` may read properties and list "
        "objects, anyone else may only ping and introspect egated).\n",
        "Signals carry ids, states and reason codes, never personal data. The members that "
        "return personal data (MRZ text, images, chip APDUs, fingerprint templates) are "
        "`egate-operator` only.\n",
    ]
    out.append("## Contents\n")
    paths = sorted(args.xml, key=rank)
    for path in paths:
        iface = os.path.basename(path)[:-len(".xml")]
        out.append(f"- [{iface}](#{iface.replace('.', '').lower()})")
    out.append("- [Errors](#errors)\n")

    errors_used = {}
    for path in paths:
        render_interface(path, policy, errors_used, out)

    out.append("## Errors\n")
    out.append("Besides these, the bus itself may answer `org.freedesktop.DBus.Error.AccessDenied` "
               "(refused by the policy), `UnknownObject`, `UnknownInterface`, `UnknownMethod` "
               "and `InvalidArgs` (wrong signature), and egated answers `org.freedesktop.DBus.Error.Failed` "
               "when it cannot build an answer (a stored text that is not valid UTF-8, as a "
               "hand-edited database may hold, or no memory): its log says which. A plugin's "
               "negative errno becomes the error listed for it; any other errno becomes "
               "`DeviceFailed`.\n")
    out.append("| Error | Meaning | Plugin errno | Returned by |")
    out.append("| --- | --- | --- | --- |")
    for name, errnos in errors:
        used = errors_used.get(name, [])
        members = ", ".join(dict.fromkeys(used)) if used else "(no member lists it)"
        out.append(f"| `{ERROR_PREFIX}{name}` | {ERROR_MEANINGS[name]} | "
                   f"{', '.join(errnos)} | {members} |")
    out.append("")

    text = "\n".join(out).rstrip("\n") + "\n"
    text = re.sub(r"\n{3,}", "\n\n", text)
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
