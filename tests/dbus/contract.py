#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
Helpers of the D-Bus test suite that need an XML parser (the C tests have
none): the contract in dbus/org.egate.EGate1.*.xml against live introspection
and against the bus policy, and the private bus configuration.

  contract.py members CONTRACT_DIR
        one line per method: INTERFACE MEMBER IN-SIGNATURE ("-" when empty)
  contract.py compare CONTRACT_DIR LIVE_XML INTERFACE...
        the live introspection of one object must carry exactly INTERFACE...
        (besides org.freedesktop.DBus.*) and each exactly as the contract says
  contract.py check-policy CONTRACT_DIR POLICY
        the policy's allow lists name exactly the contract's members
  contract.py bus-config SYSTEM_CONF OUT_CONF LISTEN INCLUDEDIR POLICY OWNER [permissive]
        a private system-like bus: SYSTEM_CONF without <user>, <pidfile> and the
        system's includes, listening on LISTEN, with POLICY (the owning user
        replaced by OWNER) as the only file in INCLUDEDIR
  contract.py selftest CONTRACT_DIR
        the comparisons above find each kind of difference they are meant to

Exit status 0 when everything matches, 1 with one line per difference.
"""
import copy
import glob
import os
import sys
import xml.etree.ElementTree as ET

BUS_NAME = "org.egate.EGate1"
STANDARD_PREFIX = "org.freedesktop.DBus."
OWNER_IN_POLICY = "egate"
# What egate-monitor may call besides nothing; egate-operator gets these too.
READ_MEMBERS = {
    ("org.freedesktop.DBus.Properties", "Get"),
    ("org.freedesktop.DBus.Properties", "GetAll"),
    ("org.freedesktop.DBus.ObjectManager", "GetManagedObjects"),
    ("org.freedesktop.DBus.Introspectable", "Introspect"),
    ("org.freedesktop.DBus.Peer", "Ping"),
    ("org.freedesktop.DBus.Peer", "GetMachineId"),
}


def interface_model(element):
    """Normalise one <interface>: annotations and argument order of members ignored,
    argument order within a member kept."""
    methods, properties, signals = {}, {}, {}
    for m in element.findall("method"):
        methods[m.get("name")] = [(a.get("name"), a.get("type"), a.get("direction", "in"))
                                  for a in m.findall("arg")]
    for p in element.findall("property"):
        properties[p.get("name")] = (p.get("type"), p.get("access"))
    for s in element.findall("signal"):
        signals[s.get("name")] = [(a.get("name"), a.get("type")) for a in s.findall("arg")]
    return {"methods": methods, "properties": properties, "signals": signals}


def interfaces_of(root):
    return {i.get("name"): i for i in root.findall("interface")}


def load_contract(directory):
    contract = {}
    files = sorted(glob.glob(os.path.join(directory, BUS_NAME + ".*.xml")))
    if not files:
        raise SystemExit(f"no {BUS_NAME}.*.xml in {directory}")
    for path in files:
        for name, element in interfaces_of(ET.parse(path).getroot()).items():
            contract[name] = interface_model(element)
    return contract


def describe_args(args):
    return "(" + ", ".join(" ".join(x for x in a if x) for a in args) + ")"


def compare_interface(name, want, have):
    problems = []
    for kind in ("methods", "properties", "signals"):
        w, h = want[kind], have[kind]
        for member in sorted(w.keys() - h.keys()):
            problems.append(f"{name}: {kind[:-1]} {member} missing")
        for member in sorted(h.keys() - w.keys()):
            problems.append(f"{name}: {kind[:-1]} {member} not in the contract")
        for member in sorted(w.keys() & h.keys()):
            if w[member] != h[member]:
                shown = describe_args if kind != "properties" else str
                problems.append(f"{name}: {kind[:-1]} {member} is {shown(h[member])}, "
                                f"the contract says {shown(w[member])}")
    return problems


def compare(contract, live_root, expected):
    live = {n: e for n, e in interfaces_of(live_root).items()
            if not n.startswith(STANDARD_PREFIX)}
    problems = []
    for name in sorted(set(expected) - live.keys()):
        problems.append(f"interface {name} missing")
    for name in sorted(live.keys() - set(expected)):
        problems.append(f"interface {name} not expected on this object")
    for name in sorted(set(expected) & live.keys()):
        if name not in contract:
            problems.append(f"interface {name} is not in the contract")
            continue
        problems += compare_interface(name, contract[name], interface_model(live[name]))
    return problems


def policy_allows(policy_root):
    """{(context attribute, value): set of (interface, member)} for send_destination allows,
    plus the owners."""
    allows, owners, denies = {}, set(), set()
    for policy in policy_root.findall("policy"):
        key = next(((a, policy.get(a)) for a in ("user", "group", "context") if policy.get(a)),
                   None)
        for rule in policy:
            if rule.tag == "allow" and rule.get("own") == BUS_NAME:
                owners.add(key)
            elif rule.tag == "deny" and rule.get("own") == BUS_NAME:
                denies.add((key, "own"))
            elif rule.tag == "deny" and rule.get("send_destination") == BUS_NAME:
                denies.add((key, "send"))
            elif rule.tag == "allow" and rule.get("send_destination") == BUS_NAME:
                allows.setdefault(key, set()).add((rule.get("send_interface"),
                                                   rule.get("send_member")))
    return allows, owners, denies


def check_policy(contract, policy_root):
    allows, owners, denies = policy_allows(policy_root)
    methods = {(i, m) for i, model in contract.items() for m in model["methods"]}
    problems = []
    if owners != {("user", OWNER_IN_POLICY)}:
        problems.append(f"only user {OWNER_IN_POLICY} may own {BUS_NAME}, found {sorted(owners)}")
    for what in ("own", "send"):
        if (("context", "default"), what) not in denies:
            problems.append(f"the default context must deny {what} for {BUS_NAME}")
    if allows.get(("context", "default")) or allows.get(("context", "mandatory")):
        problems.append("the default and mandatory contexts must not allow method calls")
    want = {("group", "egate-monitor"): READ_MEMBERS,
            ("group", "egate-operator"): READ_MEMBERS | methods}
    for key, members in want.items():
        have = allows.get(key, set())
        for i, m in sorted(members - have, key=str):
            problems.append(f"{key[1]}: {i}.{m} is not allowed")
        for i, m in sorted(have - members, key=str):
            problems.append(f"{key[1]}: {i}.{m} is allowed but is not "
                            f"{'a read' if key[1] == 'egate-monitor' else 'in the contract'}")
    for key in allows.keys() - want.keys() - {("user", "root")}:
        problems.append(f"unexpected allow rules for {key[0]} {key[1]}")
    if allows.get(("user", "root"), set()) not in (set(), {(None, None)}):
        problems.append("root is allowed everything or nothing, not a list")
    return problems


def members(contract):
    for name in sorted(contract):
        for method, args in sorted(contract[name]["methods"].items()):
            signature = "".join(t for _, t, d in args if d == "in")
            print(name, method, signature or "-")


def bus_config(system_conf, out_conf, listen, includedir, policy, owner, permissive):
    root = ET.parse(system_conf).getroot()
    for tag in ("user", "pidfile", "fork", "include", "includedir", "servicehelper",
                "standard_system_servicedirs", "servicedir", "listen"):
        for e in root.findall(tag):
            root.remove(e)
    ET.SubElement(root, "listen").text = listen
    ET.SubElement(root, "includedir").text = includedir
    ET.ElementTree(root).write(out_conf, encoding="unicode")

    policy_root = ET.parse(policy).getroot()
    for p in policy_root.findall("policy"):
        if p.get("user") == OWNER_IN_POLICY:
            p.set("user", owner)
    if permissive:
        # Let every call through, so only egated's own checks stand in the way.
        mandatory = ET.SubElement(policy_root, "policy", context="mandatory")
        ET.SubElement(mandatory, "allow", send_destination=BUS_NAME)
    ET.ElementTree(policy_root).write(os.path.join(includedir, os.path.basename(policy)),
                                      encoding="unicode")


def selftest(directory):
    """Each mutation of a correct object must be reported."""
    contract = load_contract(directory)
    node = ET.Element("node")
    for path in sorted(glob.glob(os.path.join(directory, BUS_NAME + ".Door.xml"))) + \
            sorted(glob.glob(os.path.join(directory, BUS_NAME + ".Device.xml"))):
        for i in ET.parse(path).getroot().findall("interface"):
            node.append(i)
    expected = [BUS_NAME + ".Device", BUS_NAME + ".Door"]
    failures = []
    if compare(contract, node, expected):
        failures.append("the unmodified contract does not match itself")

    def mutated(change):
        n = copy.deepcopy(node)
        change(n)
        return compare(contract, n, expected)

    def door(n):
        return [i for i in n.findall("interface") if i.get("name") == BUS_NAME + ".Door"][0]

    def device(n):
        return [i for i in n.findall("interface") if i.get("name") == BUS_NAME + ".Device"][0]

    mutations = {
        "a missing method": lambda n: door(n).remove(door(n).find("method")),
        "an extra method": lambda n: ET.SubElement(door(n), "method", name="Explode"),
        "an argument type": lambda n: device(n).find("method[@name='ForceRelease']/arg")
        .set("type", "u"),
        "an argument name": lambda n: device(n).find("method[@name='ForceRelease']/arg")
        .set("name", "why"),
        "an argument direction": lambda n: device(n).find("method[@name='ForceRelease']/arg")
        .set("direction", "out"),
        "a property type": lambda n: door(n).find("property").set("type", "u"),
        "a property access": lambda n: door(n).find("property").set("access", "readwrite"),
        "a signal argument": lambda n: door(n).find("signal[@name='Emergency']/arg")
        .set("type", "s"),
        "a missing interface": lambda n: n.remove(door(n)),
        "an extra interface": lambda n: ET.SubElement(n, "interface", name=BUS_NAME + ".Camera"),
    }
    for what, change in mutations.items():
        if not mutated(change):
            failures.append(f"compare misses {what}")
    standard = copy.deepcopy(node)
    ET.SubElement(standard, "interface", name="org.freedesktop.DBus.Peer")
    if compare(contract, standard, expected):
        failures.append("compare does not ignore the standard interfaces")

    policy = ET.parse(os.path.join(directory, BUS_NAME + ".conf")).getroot()
    if check_policy(contract, policy):
        failures.append("the policy under test does not pass check-policy")
    broken = copy.deepcopy(policy)
    operator = broken.find("policy[@group='egate-operator']")
    operator.remove(operator.findall("allow")[-1])
    if not check_policy(contract, broken):
        failures.append("check-policy misses a member the operator cannot call")
    broken = copy.deepcopy(policy)
    ET.SubElement(broken.find("policy[@group='egate-monitor']"), "allow",
                  send_destination=BUS_NAME, send_interface=BUS_NAME + ".Door",
                  send_member="Open")
    if not check_policy(contract, broken):
        failures.append("check-policy misses a method the monitor may call")
    return failures


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    command, directory = argv[1], argv[2]
    if command == "members" and len(argv) == 3:
        members(load_contract(directory))
        return 0
    if command == "compare" and len(argv) >= 5:
        problems = compare(load_contract(directory), ET.parse(argv[3]).getroot(), argv[4:])
    elif command == "check-policy" and len(argv) == 4:
        problems = check_policy(load_contract(directory), ET.parse(argv[3]).getroot())
    elif command == "bus-config" and len(argv) in (8, 9):
        bus_config(directory, argv[3], argv[4], argv[5], argv[6], argv[7],
                   len(argv) == 9 and argv[8] == "permissive")
        return 0
    elif command == "selftest" and len(argv) == 3:
        problems = selftest(directory)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
