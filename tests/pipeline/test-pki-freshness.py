#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
The PKI lists' freshness end to end: egated in mock mode (the mock PKI's CSCAs as trust
anchors) with a crl-directory holding one CRL, crl-grace-hours = 0.

  - the CRL is due in a few seconds: Manager.PkiState is "fresh", NextCrlUpdate its due
    time, and a traveller is accepted meanwhile (PkiState follows every phase below);
  - it falls due with nobody touching egated: the lane goes out of service, its
    NotReadyReason says E_PKI_STALE and names the CRL's issuer, and a traveller who
    arrives is not let in;
  - a newer CRL and a reload (SIGHUP): in service again, and a traveller is accepted
    (passive authentication against the reloaded store);
  - a reload whose crl-directory cannot be read keeps the lists in use, and the lane;
  - a CRL past its next update but within crl-grace-hours: in service, and the log says
    when the lanes will close;
  - stale-crl = warn with a stale CRL: logged, the lane stays in service;
  - a reload while the lists are still being read (20000 CSCA files): they are read again
    afterwards, and the second reload's lists win.

Run by meson (suite "pipeline"); EGATE_BUILD_ROOT and EGATE_SOURCE_ROOT come from the
environment.
"""
import json
import os
import subprocess
import sys
import time

import lane_harness

ISSUER = "Freshness Test"
DAY = 86400
DUE_AFTER_START = 12  # seconds: time to start egated and walk one traveller through


def make_crl(directory, last, nxt):
    """The CRL file, replaced in one rename so egated never reads half of it."""
    tmp = os.path.join(directory, ".crl.pem.tmp")
    subprocess.run([lane_harness.BUILD + "/tests/pipeline/make-test-crl", tmp, ISSUER,
                    str(last), str(nxt)], check=True)
    os.rename(tmp, os.path.join(directory, "crl.pem"))


def main():
    started = lane_harness.begin("egate-pki-")
    if not started:
        return 77
    matrix, work, state = started
    Failure = matrix.Failure
    crl_dir = os.path.join(work, "crl")
    os.mkdir(crl_dir, 0o700)
    names = ["before-due", "while-stale", "after-reload"]
    travellers = [matrix.scenario_traveller(n, i, {}) for i, n in enumerate(names)]
    scenario = lane_harness.write_scenario(matrix, work, "pki freshness", travellers,
                                           camera=False)
    timeouts = "[policy.ses]\n" + lane_harness.SHORT_TIMEOUTS

    def write_config(crl_directory=crl_dir, stale="close", grace_hours=0, csca_directory=None):
        csca = "csca-directory = %s\n" % csca_directory if csca_directory else ""
        return lane_harness.write_file(
            work, "egated.conf",
            "[daemon]\n%scrl-directory = %s\ncrl-grace-hours = %d\nstale-crl = %s\n"
            % (csca, crl_directory, grace_hours, stale) + timeouts)

    config = write_config()
    # make-test-crl reads the clock after this: the CRL is due at this instant or later.
    due = int(time.time()) + DUE_AFTER_START
    make_crl(crl_dir, -DAY, DUE_AFTER_START)
    lane = matrix.Lane(work, scenario, config, state)

    pki_outcomes = ("PKI lists reloaded", "the PKI lists could not be reloaded")

    def reload_pki():
        """SIGHUP, and wait until egated has read the PKI lists again (off its loop)."""
        before = [lane.log_text().count(t) for t in pki_outcomes]
        lane.reload()
        end = time.monotonic() + 15
        while time.monotonic() < end:
            if [lane.log_text().count(t) for t in pki_outcomes] != before:
                return
            time.sleep(0.05)
        raise Failure("egated did not read the PKI lists again")

    def lane_json():
        return json.loads(lane.egatectl("--json", "lane", matrix.LANE))

    def manager(prop):
        out = subprocess.run(["busctl", "--user", "get-property", "org.egate.EGate1",
                              "/org/egate/EGate1", "org.egate.EGate1.Manager", prop],
                             env=lane.env, capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise Failure("Manager.%s: %s" % (prop, out.stderr.strip()))
        kind, value = out.stdout.split(None, 1)
        return json.loads(value) if kind == "s" else int(value)

    def expect_pki(state, what):
        got = manager("PkiState")
        if got != state:
            raise Failure("%s: Manager.PkiState %r, expected %r" % (what, got, state))
        if manager("RevocationLists") != 1 or manager("TrustAnchors") < 1:
            raise Failure("%s: %d CSCA(s), %d CRL(s)" % (what, manager("TrustAnchors"),
                                                       manager("RevocationLists")))

    def expect_in_service(what):
        lane.wait_state("idle", 15, what)
        got = lane_json()
        if not got.get("ready") or got.get("not_ready_reason"):
            raise Failure("%s: ready %s, reason %r" % (what, got.get("ready"),
                                                       got.get("not_ready_reason")))

    def accepted(name):
        lane_harness.arrive(lane, matrix, name, "accept", [])
        lane_harness.leave(lane)

    def before_due():
        if time.time() >= due:
            raise Failure("egated took too long to start: the CRL is already due")
        expect_pki("fresh", "before the CRL is due")
        next_update = manager("NextCrlUpdate")
        if not due * 1000000 <= next_update < (due + 5) * 1000000:
            raise Failure("Manager.NextCrlUpdate %d, the CRL is due at %d s" % (next_update, due))
        accepted("before-due")
        return "a fresh CRL: PkiState fresh, NextCrlUpdate its due time, before-due accepted"

    def falls_due():
        lane.wait_state("out-of-service", DUE_AFTER_START + 15, "the CRL fell due")
        if time.time() < due:
            raise Failure("out of service before the CRL was due")
        got = lane_json()
        reason = got.get("not_ready_reason") or ""
        if got.get("ready") or "E_PKI_STALE" not in reason or ISSUER not in reason:
            raise Failure("ready %s, reason %r" % (got.get("ready"), reason))
        if "E_PKI_STALE" not in lane.log_text():
            raise Failure("E_PKI_STALE not in the log")
        expect_pki("stale", "the CRL fell due")
        return "the CRL falls due: out of service, %r" % reason

    def not_let_in():
        since = lane.mark()
        reply = lane.mock("arrive %s while-stale" % matrix.LANE)
        if not reply.startswith("OK"):
            raise Failure("arrive: " + reply)
        try:
            lane.wait_event(since, lambda e: e.get("event") == "TransactionStarted", 3,
                            "a transaction")
        except Failure:
            lane.wait_traveller_gone(20)  # gives up and leaves with the document
            return "a traveller at the stale lane is not let in"
        raise Failure("a transaction started at a lane with a stale CRL")

    def newer_crl():
        make_crl(crl_dir, -60, 30 * DAY)
        reload_pki()
        expect_in_service("after a newer CRL and a reload")
        expect_pki("fresh", "after a newer CRL")
        accepted("after-reload")
        return "a newer CRL and a reload: in service, after-reload accepted"

    def unreadable_lists():
        write_config(crl_directory=os.path.join(work, "no-such-directory"))
        reload_pki()
        if "the PKI lists could not be reloaded: keeping" not in lane.log_text():
            raise Failure("egated did not say it keeps the lists in use")
        expect_in_service("after a reload whose crl-directory is missing")
        return "a crl-directory that cannot be read: the lists in use are kept"

    def grace():
        write_config(grace_hours=1)
        make_crl(crl_dir, -2 * DAY, -60)
        reload_pki()
        expect_in_service("a CRL due a minute ago, crl-grace-hours = 1")
        expect_pki("grace", "a CRL due a minute ago, crl-grace-hours = 1")
        if "unless a newer CRL is loaded" not in lane.log_text():
            raise Failure("egated did not announce when the lanes will close")
        return "within crl-grace-hours: in service, the closing time announced"

    def warn_only():
        make_crl(crl_dir, -2 * DAY, -DAY)
        write_config(stale="warn")
        reload_pki()
        expect_in_service("stale-crl = warn")
        expect_pki("stale", "stale-crl = warn")
        if "stale-crl = warn: the lanes stay open" not in lane.log_text():
            raise Failure("the stale CRL was not logged")
        return "stale-crl = warn: logged, the lane stays in service"

    def reload_while_reading():
        # Lists that take a while to read (the mock CSCA 20000 times over, ~2 s here), a
        # first reload naming a stale CRL, and a second one, while the first still reads,
        # naming a fresh one: the second must be read after the first, and win.
        big = os.path.join(work, "csca-big")
        os.mkdir(big, 0o700)
        with open(os.path.join(state, "mock-csca", "csca.pem")) as f:
            pem = f.read()
        for i in range(20000):
            with open(os.path.join(big, "c%05d.pem" % i), "w") as f:
                f.write(pem)
        stale_dir, fresh_dir = os.path.join(work, "crl-stale"), os.path.join(work, "crl-fresh")
        for d, nxt in ((stale_dir, -DAY), (fresh_dir, 30 * DAY)):
            os.mkdir(d, 0o700)
            make_crl(d, -2 * DAY, nxt)
        said = lane.log_text().count("PKI lists reloaded")
        write_config(crl_directory=stale_dir, csca_directory=big)
        lane.reload()
        write_config(crl_directory=fresh_dir, csca_directory=big)
        lane.reload()
        end = time.monotonic() + 60
        while time.monotonic() < end and lane.log_text().count("PKI lists reloaded") < said + 2:
            time.sleep(0.1)
        log = lane.log_text()
        if "reading them again afterwards" not in log:
            raise Failure("the second reload did not come while the first one read")
        if log.count("PKI lists reloaded") < said + 2:
            raise Failure("the lists were not read twice")
        expect_in_service("after the second reload")
        expect_pki("fresh", "after the second reload")
        return "a reload while the lists are read: read again afterwards, the newer one wins"

    cases = [("before-due", before_due), ("falls-due", falls_due),
             ("not-let-in", not_let_in), ("newer-crl", newer_crl),
             ("unreadable-lists", unreadable_lists), ("grace", grace),
             ("warn-only", warn_only), ("reload-while-reading", reload_while_reading)]
    return lane_harness.run_lane(
        lane, matrix, work, cases, lambda case: case[1](), [],
        log_must_have=[("crl-directory %s: 1 CRL(s)" % crl_dir,
                        "egated did not report the CRL it loaded")])


if __name__ == "__main__":
    sys.exit(main())
