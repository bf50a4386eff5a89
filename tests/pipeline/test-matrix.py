#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
The scenario matrix: travellers through a mock SES lane, end to end.

egated runs on a private bus with the mock devices (zero latency) and a
scenario this test writes itself, so that birthdays, enrolments and expiries
are relative to the day it runs and every MRZ check digit is computed here.
One traveller after another arrives through the mock's control socket; for
each the test asserts

  - the decision and the reason codes (Lane.TransactionFinished),
  - every door movement (the doors' Position and LockState as
    `egatectl monitor --json` reports them) and the doors' final state,
  - the audit record (`egatectl --json audit show ID`),
  - silent alarms (Lane.Alarm) where there must be one,

including the cases that need a hand on the lane: operator veto and abort,
decisions that wait for an operator (policy operator-confirmation),
an emergency, faults injected into the doors and the document reader, a
device unplugged in the middle, and (as root, in a private mount namespace)
an audit trail on a full disk.

Run by meson (suite "pipeline"); EGATE_BUILD_ROOT and EGATE_SOURCE_ROOT come
from the environment.  -k NAME runs only the cases whose name contains NAME.
"""
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import lane_process
from lane_process import Failure

BUILD = os.environ.get("EGATE_BUILD_ROOT")
SOURCE = os.environ.get("EGATE_SOURCE_ROOT")
LANE = lane_process.LANE
LANE_PATH = "/org/egate/EGate1/Lane/A1"
ENTRY, EXIT = "mock-A1-entry-door", "mock-A1-exit-door"
TODAY = datetime.date.today()

# ---------------------------------------------------------------- MRZ and dates


def check_digit(s):
    total = 0
    for i, c in enumerate(s):
        if c.isdigit():
            v = int(c)
        elif c == "<":
            v = 0
        else:
            v = ord(c) - ord("A") + 10
        total += v * (7, 3, 1)[i % 3]
    return str(total % 10)


def yymmdd(d):
    return d.strftime("%y%m%d")


def years_before(d, n):
    """The same day n years earlier; 29 February becomes 28 February."""
    try:
        return d.replace(year=d.year - n)
    except ValueError:
        return d.replace(year=d.year - n, day=28)


def td3(state, number, birth, expiry, surname="TESTER", given="ALEX", sex="F",
        bad_number_digit=False):
    """Both lines of a passport MRZ, with every check digit computed."""
    name = (surname + "<<" + given).ljust(39, "<")[:39]
    line1 = ("P<" + state + name)[:44]
    num = number.ljust(9, "<")
    cd = check_digit(num)
    if bad_number_digit:
        cd = str((int(cd) + 3) % 10)
    personal = "<" * 14
    part = num + cd + state + yymmdd(birth) + check_digit(yymmdd(birth)) + sex + \
        yymmdd(expiry) + check_digit(yymmdd(expiry)) + personal + check_digit(personal)
    composite = check_digit(part[0:10] + part[13:20] + part[21:43])
    line2 = part + composite
    assert len(line1) == 44 and len(line2) == 44, (line1, line2)
    return [line1, line2]


# ---------------------------------------------------------------- the cases

ACCEPT_DOORS = {ENTRY: ["open", "closed"], EXIT: ["open", "closed"]}
REFUSED_AT_READER = {ENTRY: [], EXIT: []}
BACK_THROUGH_ENTRY = {ENTRY: ["open", "closed", "open", "closed"], EXIT: []}
# Refused while the entry door still closes behind them: it turns round (no "closed" between).
BACK_OR_REVERSED = {ENTRY: (["open", "closed", "open", "closed"], ["open", "closed"]), EXIT: []}
ENTRY_OPENED_ONLY = {ENTRY: ["open", "closed"], EXIT: []}


class Case:
    def __init__(self, name, decision, reasons, doors, traveller=None, before=None,
                 during=None, after=None, alarm=None, steps=None, actions=None,
                 events=None, root_only=False, settle=20.0):
        self.name = name
        self.decision = decision      # expected decision
        self.reasons = reasons        # expected reason codes, in order
        self.doors = doors            # door -> positions (moving left out), or None
        self.traveller = traveller or {}
        self.before = before          # fn(ctx) before the traveller arrives
        self.during = during          # (state, fn(ctx)) once the lane reaches state
        self.after = after            # fn(ctx, tx) after the decision
        self.alarm = alarm            # expected Lane.Alarm kind
        self.steps = steps or []      # (step, result, reason or None, attempt or None)
        self.actions = actions or []  # expected operator actions in the record
        # expected lane events of the audit trail: (kind, action, detail, tied) where tied
        # True means the event names the case's transaction, False none, None either
        self.events = events or []
        self.root_only = root_only
        self.settle = settle


def base_traveller(name, index):
    return {
        "id": name,
        "label": name.replace("-", " "),
        "state": "USA",
        "number": "M%08d" % (index + 1),
        # Everyone a birthday of their own: the registry's holder lookup (nationality and
        # birth date) must not take one traveller for another.
        "birth": datetime.date(1970, 1, 1) + datetime.timedelta(days=97 * index),
        "expiry": TODAY + datetime.timedelta(days=5 * 365),
        "membership": {"status": "active",
                       "enrolled": years_before(TODAY, 2).isoformat(),
                       "fingers": ["right-index", "left-index"]},
    }


def scenario_traveller(name, index, spec):
    t = base_traveller(name, index)
    membership = dict(t["membership"])
    membership.update(spec.pop("membership", {}))
    t.update(spec)
    out = {
        "id": name,
        "label": t["label"],
        "mrz": t.get("mrz") or td3(t["state"], t["number"], t["birth"], t["expiry"],
                                   bad_number_digit=t.get("bad_number_digit", False)),
        "think_ms": 0,
        "patience_ms": 2000,
        "membership": membership if membership.get("status") != "none" else {"status": "none"},
    }
    for key in ("chip", "fingerprint", "face", "walk", "background", "registry",
                "mrz_readable", "document"):
        if key in t:
            out[key] = t[key]
    if isinstance(out.get("chip"), dict) and out["chip"].get("dg1_mrz") == "other-name":
        out["chip"]["dg1_mrz"] = td3(t["state"], t["number"], t["birth"], t["expiry"],
                                     surname="OTHERNAME")
    return out


def step(name, result, reason=None, attempt=None):
    return (name, result, reason, attempt)


def mock(ctx, *commands):
    for c in commands:
        reply = ctx.mock(c)
        if not reply.startswith("OK"):
            raise AssertionError("mock: %s -> %s" % (c, reply))


def ctl(ctx, *args):
    ctx.egatectl(*args)


def wait_ready_again(ctx, what, seconds=15):
    ctx.wait_state("idle", seconds, what)


def policy(key, value):
    """A `before` that sets one key of the lane's policy (SIGHUP reload)."""
    return lambda ctx: ctx.set_policy(key, value)


def policy_back(key, value):
    """An `after` that waits for the traveller to leave, then sets the key back."""
    def after(ctx, tx):
        ctx.wait_traveller_gone()
        ctx.wait_state("idle", 20, "after the traveller")
        ctx.set_policy(key, value)
    return after


def confirmation(mode):
    """A `before` that sets the policy's operator-confirmation."""
    return policy("operator-confirmation", mode)


confirmation_off = policy_back("operator-confirmation", "none")


CASES = [
    Case("accepted", "accept", [], ACCEPT_DOORS,
         steps=[step("document", "successful"), step("mrz", "successful"),
                step("document-model", "successful"), step("optical-security", "successful"),
                step("chip-access", "successful"), step("passive-authentication", "successful"),
                step("chip-authenticity", "successful"), step("mrz-chip-match", "successful"),
                step("registry", "successful"), step("eligibility", "successful"),
                step("background", "successful"), step("occupancy", "successful"),
                step("fingerprint", "successful", None, 1), step("face", "successful")]),
    Case("accepted-korean", "accept", [], ACCEPT_DOORS,
         traveller={"state": "KOR"}),
    Case("age-16y364d", "refer", ["E_AGE_INELIGIBLE"], REFUSED_AT_READER,
         traveller={"birth": years_before(TODAY, 17) + datetime.timedelta(days=1)},
         steps=[step("eligibility", "failed", "E_AGE_INELIGIBLE")]),
    Case("17th-birthday-today", "accept", [], ACCEPT_DOORS,
         traveller={"birth": years_before(TODAY, 17)}),
    Case("membership-expired-yesterday", "refer", ["E_MEMBERSHIP_EXPIRED"], REFUSED_AT_READER,
         traveller={"membership": {"enrolled": years_before(
             TODAY - datetime.timedelta(days=1), 5).isoformat()}}),
    Case("membership-last-day", "accept", [], ACCEPT_DOORS,
         traveller={"membership": {"enrolled": years_before(
             TODAY + datetime.timedelta(days=1), 5).isoformat()}}),
    Case("passport-ends-before-membership", "accept", [], ACCEPT_DOORS,
         traveller={"expiry": TODAY}),
    Case("passport-expired", "refer", ["E_DOC_EXPIRED"], REFUSED_AT_READER,
         traveller={"expiry": TODAY - datetime.timedelta(days=1)},
         steps=[step("document-validity", "failed", "E_DOC_EXPIRED")]),
    Case("unregistered-passport", "refer", ["E_PASSPORT_NOT_REGISTERED"], REFUSED_AT_READER,
         traveller={"membership": {"registered_passport": "R12345678"}}),
    Case("conditional-approval", "refer", ["E_MEMBER_CONDITIONAL"], REFUSED_AT_READER,
         traveller={"membership": {"status": "conditional", "enrolled": None,
                                   "conditional_approval": (TODAY - datetime.timedelta(
                                       days=30)).isoformat()}}),
    Case("suspended", "refer", ["E_MEMBERSHIP_SUSPENDED"], REFUSED_AT_READER,
         traveller={"membership": {"status": "suspended"}}),
    Case("not-enrolled", "refer", ["E_NOT_ENROLLED"], REFUSED_AT_READER,
         traveller={"membership": {"status": "none"}}),
    # A filler inside the number: no registered passport can have one, so nobody holds it;
    # the registry is not "unavailable".
    Case("number-with-inner-filler", "refer", ["E_NOT_ENROLLED"], REFUSED_AT_READER,
         traveller={"number": "AB<123456", "membership": {"status": "none"}},
         steps=[step("registry", "successful")]),
    Case("mrz-check-digit", "refer", ["E_MRZ_CHECKDIGIT"], REFUSED_AT_READER,
         traveller={"bad_number_digit": True, "chip": {"present": False}},
         steps=[step("mrz", "failed", "E_MRZ_CHECKDIGIT", 1),
                step("mrz", "failed", "E_MRZ_CHECKDIGIT", 3)]),
    Case("mrz-unreadable", "refer", ["E_MRZ_UNREADABLE"], REFUSED_AT_READER,
         traveller={"mrz_readable": False},
         steps=[step("document", "failed", "E_MRZ_UNREADABLE", 3)]),
    Case("issuer-not-allowed", "refer", ["E_ISSUER_NOT_ALLOWED"], REFUSED_AT_READER,
         traveller={"state": "GBR"}),
    # Domain step 4, the data page under the reader's lights (TR-03135-2 Table 4.1).
    Case("document-model-unknown", "refer", ["E_DOC_MODEL_UNKNOWN"], REFUSED_AT_READER,
         traveller={"document": {"model": None}},
         steps=[step("document-model", "failed", "E_DOC_MODEL_UNKNOWN")]),
    Case("uv-check-failed-chip-authentic", "accept", ["W_DOC_OPTICAL_EVALUATORY"],
         ACCEPT_DOORS, traveller={"document": {"optical": {"uv-dullness": "failed"}}},
         steps=[step("optical-security", "failed", "W_DOC_OPTICAL_EVALUATORY")]),
    Case("b900-check-failed-mandatory", "refer", ["E_DOC_OPTICAL_FAIL"], REFUSED_AT_READER,
         traveller={"document": {"optical": {"ir-b900": "failed"}}},
         before=policy("optical-checks", "mandatory"),
         after=policy_back("optical-checks", "evaluatory"),
         steps=[step("chip-authenticity", "successful"),
                step("optical-security", "failed", "E_DOC_OPTICAL_FAIL")]),
    Case("optical-unsure-chip-unread", "refer",
         ["E_CHIP_ACCESS_FAIL", "U_DOC_OPTICAL_UNDETERMINED"], REFUSED_AT_READER,
         traveller={"document": {"optical": {"visible-patterns": "undetermined"}},
                    "chip": {"behaviour": "unreadable"}},
         before=policy("chip-unreadable", "continue"),
         after=policy_back("chip-unreadable", "refer"),
         steps=[step("optical-security", "undetermined", "U_DOC_OPTICAL_UNDETERMINED")]),
    # chip-unreadable = continue: the printed MRZ alone, the page's optical checks all
    # passed; the referral reason stays on record beside the accept.
    Case("chip-unreadable-continue", "accept", ["E_CHIP_ACCESS_FAIL"], ACCEPT_DOORS,
         traveller={"chip": {"behaviour": "unreadable"}},
         before=policy("chip-unreadable", "continue"),
         after=policy_back("chip-unreadable", "refer"),
         steps=[step("chip-access", "failed", "E_CHIP_ACCESS_FAIL")]),
    Case("mrz-differs-from-dg1", "refer", ["E_MRZ_DG1_MISMATCH"], REFUSED_AT_READER,
         traveller={"chip": {"dg1_mrz": "other-name"}},
         steps=[step("mrz-chip-match", "failed", "E_MRZ_DG1_MISMATCH")]),
    Case("chip-unreadable", "refer", ["E_CHIP_ACCESS_FAIL"], REFUSED_AT_READER,
         traveller={"chip": {"behaviour": "unreadable"}}),
    Case("no-chip", "refer", ["E_CHIP_NOT_FOUND"], REFUSED_AT_READER,
         traveller={"chip": {"present": False}}),
    Case("passive-authentication-failed", "refer", ["E_PA_DG_HASH"], REFUSED_AT_READER,
         traveller={"chip": {"behaviour": "pa-fail"}},
         steps=[step("passive-authentication", "failed", "E_PA_DG_HASH")]),
    Case("cloned-chip", "refer", ["E_CHIP_CLONE_SUSPECT"], REFUSED_AT_READER,
         traveller={"chip": {"behaviour": "clone"}}),
    Case("fingerprint-second-attempt", "accept", [], ACCEPT_DOORS,
         traveller={"fingerprint": {"behaviour": ["no-match", "match"]}},
         steps=[step("fingerprint", "failed", "E_FP_NO_MATCH", 1),
                step("fingerprint", "successful", None, 2)]),
    Case("fingerprint-three-failures", "refer", ["E_FP_NO_MATCH"], BACK_THROUGH_ENTRY,
         traveller={"fingerprint": {"behaviour": ["no-match"]}},
         steps=[step("fingerprint", "failed", "E_FP_NO_MATCH", 1),
                step("fingerprint", "failed", "E_FP_NO_MATCH", 2),
                step("fingerprint", "failed", "E_FP_NO_MATCH", 3)]),
    Case("face-no-match", "refer", ["E_FACE_NO_MATCH"], BACK_THROUGH_ENTRY,
         traveller={"face": {"behaviour": ["no-match"]}},
         steps=[step("face", "failed", "E_FACE_NO_MATCH", 1),
                step("face", "failed", "E_FACE_NO_MATCH", 2)]),
    Case("face-second-attempt", "accept", [], ACCEPT_DOORS,
         traveller={"face": {"behaviour": ["no-match", "match"]}}),
    # Presentation attacks the device detects: an alarm, however well the artefact matches.
    Case("fake-finger", "alarm", ["A_FP_PAD_ALARM"], BACK_THROUGH_ENTRY,
         traveller={"fingerprint": {"behaviour": ["presentation-attack"]}},
         alarm="presentation-attack",
         steps=[step("fingerprint", "failed", "A_FP_PAD_ALARM", 1)]),
    Case("photo-at-the-camera", "alarm", ["A_FACE_PAD_ALARM"], BACK_THROUGH_ENTRY,
         traveller={"face": {"behaviour": ["presentation-attack"]}},
         alarm="presentation-attack",
         steps=[step("face", "failed", "A_FACE_PAD_ALARM", 1)]),
    # Someone behind the traveller at the camera: asked to stand alone, captured again.
    Case("second-face-then-alone", "accept", [], ACCEPT_DOORS,
         traveller={"face": {"behaviour": ["multi-face", "match"]}},
         steps=[step("face", "failed", "A_MULTI_FACE", 1), step("face", "successful", None, 2)]),
    Case("second-face-stays", "alarm", ["A_MULTI_FACE"], BACK_THROUGH_ENTRY,
         traveller={"face": {"behaviour": ["multi-face"]}}, alarm="multi-face",
         steps=[step("face", "failed", "A_MULTI_FACE", 2)]),
    Case("tailgater", "alarm", ["A_TAILGATING"], BACK_OR_REVERSED,
         traveller={"walk": "tailgater"}, alarm="tailgating"),
    # The pair stood at the reader together: a warning there (step 1), the alarm inside.
    Case("two-people", "alarm", ["W_APPROACH_MULTI", "A_MULTI_PERSON"], BACK_OR_REVERSED,
         traveller={"walk": "two-people"}, alarm="multi-person",
         steps=[step("approach", "successful", "W_APPROACH_MULTI")]),
    Case("turns-back", "refer", ["E_TRAVELLER_TURNED_BACK"], ENTRY_OPENED_ONLY,
         traveller={"walk": "turns-back"}),
    Case("exit-door-forced", "alarm", ["A_DOOR_FORCED"], None,
         traveller={"walk": "forces-exit"}, alarm="door-forced"),
    # The same while the entry door still closes behind them (slowed down to 3 s): the
    # referral's "entry door back" must take over from that close, and the transaction
    # end once they are gone, not wait for an officer.
    Case("exit-forced-entry-closing", "alarm", ["A_DOOR_FORCED"], None,
         traveller={"walk": "forces-exit"}, alarm="door-forced",
         before=lambda ctx: mock(ctx, "fault A1-entry-door door-close delay 3000")),
    # Decided and recorded as an accept; the stranger who came in through the open exit is
    # the operator's silent alarm and a lane event of the transaction.
    Case("exit-intruder", "accept", [], ACCEPT_DOORS, traveller={"walk": "exit-intruder"},
         events=[("alarm", "exit-tailgate", "A_EXIT_TAILGATE", True)]),
    Case("watchlist-hit", "alarm", ["A_WATCHLIST_HIT"], None,
         traveller={"background": "watchlist-hit"}, alarm="watchlist-hit"),
    Case("lost-stolen-document", "alarm", ["A_LOST_STOLEN_DOC"], None,
         traveller={"background": "lost-stolen"}, alarm="lost-stolen-document"),
    Case("background-unavailable", "refer", ["E_BACKEND_UNAVAILABLE"], None,
         traveller={"background": "unavailable"},
         steps=[step("background", "undetermined", "E_BACKEND_UNAVAILABLE")]),
    Case("background-unavailable-continue", "accept", ["E_BACKEND_UNAVAILABLE"], ACCEPT_DOORS,
         traveller={"background": "unavailable"},
         before=policy("background-unavailable", "continue"),
         after=policy_back("background-unavailable", "refer"),
         steps=[step("background", "undetermined", "E_BACKEND_UNAVAILABLE")]),
    Case("registry-unavailable", "refer", ["E_REGISTRY_UNAVAILABLE"], REFUSED_AT_READER,
         traveller={"registry": "error"}),
    Case("registry-never-answers", "refer", ["E_REGISTRY_UNAVAILABLE"], REFUSED_AT_READER,
         traveller={"registry": "hang"}),
    Case("operator-veto", "refer", ["E_OPERATOR_VETO"], BACK_THROUGH_ENTRY,
         traveller={"fingerprint": {"behaviour": ["timeout"]}},
         during=("verifying", lambda ctx: ctl(ctx, "decide", LANE, "refer",
                                              "operator saw a problem")),
         actions=[("veto-refer", "operator saw a problem")]),
    Case("operator-abort", "refer", ["E_OPERATOR_ABORT"], BACK_THROUGH_ENTRY,
         traveller={"fingerprint": {"behaviour": ["timeout"]}},
         during=("verifying", lambda ctx: ctl(ctx, "abort", LANE, "lane needed for a "
                                                                 "wheelchair user")),
         actions=[("abort", "lane needed for a wheelchair user")]),
    Case("emergency-during-transaction", "refer", ["E_EMERGENCY"],
         {ENTRY: ["open", "closed", "open", "closed"], EXIT: ["open", "closed"]},
         traveller={"fingerprint": {"behaviour": ["timeout"]}},
         during=("verifying", lambda ctx: mock(ctx, "emergency A1 on")),
         after=lambda ctx, tx: ctx.end_emergency(),
         events=[("emergency", "input", None, True),
                 ("operator", "mode", "emergency over", None)]),
    # The emergency input while the entry door closes behind the traveller (slowed down to
    # 3 s): the door opens, it does not finish closing and lock people in.
    Case("emergency-entry-door-closing", "refer", ["E_EMERGENCY"],
         {ENTRY: ["open", "closed"], EXIT: ["open", "closed"]},
         before=lambda ctx: mock(ctx, "fault A1-entry-door door-close delay 3000"),
         during=("entering", lambda ctx: ctx.emergency_once_entry_door_closes()),
         after=lambda ctx, tx: ctx.end_emergency(),
         events=[("emergency", "input", None, True),
                 ("operator", "mode", "emergency over", None)]),
    # The emergency's opening of the exit door outlasts the door deadline (10 s; the mock's
    # door moves for 12 s, like an unpushed door without a motor): the door is faulted, but
    # during the emergency it is not sent to its fail-secure state: it stays unlocked.
    Case("emergency-exit-door-slow", "refer", ["E_EMERGENCY"], None,
         traveller={"fingerprint": {"behaviour": ["timeout"]}},
         during=("verifying", lambda ctx: mock(ctx, "fault A1-exit-door door-open delay 12000",
                                               "emergency A1 on")),
         after=lambda ctx, tx: ctx.exit_door_stays_released(),
         events=[("emergency", "input", None, True),
                 ("operator", "mode", "emergency over", None)]),
    # An operator opens the entry door again while it closes behind the traveller: the
    # override is not refused as busy, the lane's close gives way; the operator then ends
    # the transaction.
    Case("operator-opens-closing-door", "refer", ["E_OPERATOR_ABORT"], None,
         before=lambda ctx: mock(ctx, "fault A1-entry-door door-close delay 3000"),
         during=("entering", lambda ctx: ctx.override_entry_door_while_closing()),
         actions=[("open-door", "wheelchair needs the door"),
                  ("abort", "traveller assisted by an officer")]),
    Case("entry-door-fault", "refer", ["E_ENTRY_DOOR_FAULT"], REFUSED_AT_READER,
         before=lambda ctx: mock(ctx, "fault A1-entry-door door-open error"),
         steps=[step("entry-door", "failed", "E_ENTRY_DOOR_FAULT")],
         after=lambda ctx, tx: ctx.expect_out_of_service_then_ready("entry door fault")),
    Case("device-unplugged-midway", "refer", ["E_DEVICE_FAULT"], BACK_THROUGH_ENTRY,
         traveller={"fingerprint": {"behaviour": ["timeout"]}},
         during=("verifying", lambda ctx: mock(ctx, "unplug A1-fingerprint-scanner")),
         after=lambda ctx, tx: ctx.replug("A1-fingerprint-scanner"),
         steps=[step("lane", "aborted", "E_DEVICE_FAULT")]),
    Case("plugin-never-answers", "refer", ["E_DEVICE_TIMEOUT"], REFUSED_AT_READER,
         before=lambda ctx: mock(ctx, "fault A1-document-reader document-read-mrz hang"),
         after=lambda ctx, tx: ctx.unplug_replug("A1-document-reader"),
         steps=[step("lane", "aborted", "E_DEVICE_TIMEOUT")]),
    # The chip takes 2 s an APDU; the traveller's patience (2 s) runs out first and they take
    # the passport back while it is read.
    Case("document-taken-back-in-checks", "refer", ["E_DOC_REMOVED"], REFUSED_AT_READER,
         traveller={"chip": {"behaviour": "slow"}},
         steps=[step("document", "aborted", "E_DOC_REMOVED")]),
    # The reader's deadline faults it; the lane refers at once (its device is lost) and
    # goes out of service until the reader is back.
    Case("inspection-never-answers", "refer", ["E_DEVICE_TIMEOUT"], REFUSED_AT_READER,
         before=lambda ctx: mock(ctx, "fault A1-document-reader document-inspect hang"),
         after=lambda ctx, tx: ctx.unplug_replug("A1-document-reader")),
    Case("audit-disk-full", "refer", ["E_LOG_WRITE"], BACK_THROUGH_ENTRY,
         before=lambda ctx: ctx.fill_disk(),
         after=lambda ctx, tx: ctx.free_disk_and_reopen(tx), root_only=True),
    # operator-confirmation: decisions that wait for an operator's Decide.
    Case("confirm-all-accept", "accept", [], ACCEPT_DOORS,
         before=confirmation("all"),
         during=("deciding", lambda ctx: ctl(ctx, "decide", LANE, "accept",
                                             "face checked at the console")),
         after=confirmation_off, actions=[("confirm", "face checked at the console")]),
    Case("confirm-all-veto", "refer", ["E_OPERATOR_VETO"], BACK_THROUGH_ENTRY,
         before=confirmation("all"),
         during=("deciding", lambda ctx: ctl(ctx, "decide", LANE, "refer",
                                             "needs a word with an officer")),
         after=confirmation_off, actions=[("veto-refer", "needs a word with an officer")]),
    Case("confirm-referral-overridden", "accept", ["E_FP_NO_MATCH"], ACCEPT_DOORS,
         traveller={"fingerprint": {"behaviour": ["no-match"]}},
         before=confirmation("referrals"),
         during=("deciding", lambda ctx: ctl(ctx, "decide", LANE, "accept",
                                             "identity checked by an officer")),
         after=confirmation_off, actions=[("veto-accept", "identity checked by an officer")],
         steps=[step("fingerprint", "failed", "E_FP_NO_MATCH", 3)]),
    Case("confirm-referrals-plain-accept", "accept", [], ACCEPT_DOORS,
         before=confirmation("referrals"), after=confirmation_off),
    Case("lane-closed", None, None, REFUSED_AT_READER,
         before=lambda ctx: ctl(ctx, "lane-mode", LANE, "closed", "end of shift"),
         after=lambda ctx, tx: ctl(ctx, "lane-mode", LANE, "automatic", "start of shift"),
         events=[("operator", "mode", "end of shift", False),
                 ("operator", "mode", "start of shift", False)]),
]

# ---------------------------------------------------------------- the harness


class Lane(lane_process.Lane):
    """The harness (lane_process.py) and what the matrix's cases do to the lane."""

    # -- actions of the cases

    def door_state(self, door):
        """What the mock says of a door: "open/unlocked", "moving/unlocked,ops=1", ..."""
        return self.mock_device_state(door)

    def wait_entry_door_closing(self):
        """Until the entry door is closing behind the traveller (moving, once the case's
        delay fault on door-close has fired)."""
        deadline = time.time() + 10
        while time.time() < deadline:
            state = self.door_state("A1-entry-door")
            if state.startswith("moving") and "faults=" not in state:
                return
            time.sleep(0.01)
        raise Failure("the entry door did not start closing")

    def emergency_once_entry_door_closes(self):
        self.wait_entry_door_closing()
        mock(self, "emergency A1 on")

    def override_entry_door_while_closing(self):
        self.wait_entry_door_closing()
        ctl(self, "open-door", LANE, "entry", "wheelchair needs the door")
        if not self.door_state("A1-entry-door").startswith("open"):
            raise Failure("OpenDoor answered, the entry door is %s" %
                          self.door_state("A1-entry-door"))
        ctl(self, "abort", LANE, "traveller assisted by an officer")

    def exit_door_stays_released(self):
        """Past the exit door's deadline during the emergency: faulted, never locked again;
        then the emergency ends and the lane recovers the door (probe) and closes it."""
        end = time.time() + 11.5
        while time.time() < end:
            state = self.door_state("A1-exit-door")
            if "/locked" in state:
                raise Failure("emergency: the exit door locked again (%s)" % state)
            time.sleep(0.05)
        faulted = json.loads(self.egatectl("--json", "device", "mock-A1-exit-door"))
        if faulted.get("state") != "faulted":
            raise Failure("exit door %s past its deadline, expected faulted" %
                          faulted.get("state"))
        mock(self, "emergency A1 off")
        self.wait_traveller_gone()
        self.egatectl("lane-mode", LANE, "automatic", "emergency over")
        self.wait_state("idle", 30, "the door recovered and secured after the emergency")

    def end_emergency(self):
        mode = self.lane_mode()
        if mode != "emergency":
            raise Failure("lane mode %s during the emergency" % mode)
        if self.lane_state() != "emergency":
            raise Failure("lane state %s during the emergency" % self.lane_state())
        # Every door opens (a door command under way included) within a second.
        deadline = time.time() + 1.0
        doors = ("A1-entry-door", "A1-exit-door")
        while not all(self.door_state(d).startswith("open") for d in doors):
            if time.time() > deadline:
                raise Failure("emergency: doors %s, expected both open" %
                              [self.door_state(d) for d in doors])
            time.sleep(0.02)
        mock(self, "emergency A1 off")
        self.wait_traveller_gone()
        self.egatectl("lane-mode", LANE, "automatic", "emergency over")

    def expect_out_of_service_then_ready(self, what):
        if self.lane_state() not in ("out-of-service", "referring"):
            raise Failure("%s: lane %s, expected out-of-service" % (what, self.lane_state()))
        self.wait_traveller_gone()
        self.wait_state("out-of-service", 10, what)
        # The daemon probes the faulted door (PL_PROBE_INTERVAL_USEC) and reopens the lane.
        self.wait_state("idle", 20, what + ": back after the probe")

    def replug(self, device):
        self.wait_traveller_gone()
        self.wait_state("out-of-service", 10, "unplugged")
        mock(self, "replug " + device)

    def unplug_replug(self, device):
        self.wait_traveller_gone()
        self.wait_state("out-of-service", 10, "device faulted")
        mock(self, "unplug " + device, "replug " + device)

    def fill_disk(self):
        # Unbuffered: a buffered file would keep the chunk that did not fit and fail again
        # when closed.
        path = os.path.join(self.state_dir, "fill")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            chunk = b"\0" * 65536
            while os.write(fd, chunk) > 0:
                pass
        except OSError:
            pass
        finally:
            os.close(fd)

    def free_disk_and_reopen(self, tx):
        # The lane closes once the referral is over, which may be a moment after the
        # transaction's end under load: wait for it, read the state once per look.
        self.wait_state("closed", 10, "audit disk full")
        self.wait_traveller_gone()
        os.unlink(os.path.join(self.state_dir, "fill"))
        self.wait_state("idle", 30, "audit trail writable again")
        # The referral's record was kept and written once the trail was back.
        record = self.audit(tx)
        if record["decision"] != "refer" or "E_LOG_WRITE" not in record["reasons"]:
            raise Failure("late record: %s %s" % (record["decision"], record["reasons"]))

    def set_policy(self, key, value):
        with open(self.config) as f:
            lines = [l for l in f if not l.startswith(key + " ")]
        lines.append("%s = %s\n" % (key, value))
        with open(self.config, "w") as f:
            f.writelines(lines)
        self.reload()
        self.wait_state("idle", 15, "after the reload")


def door_positions(events, door):
    """The positions a door took, 'moving' and repeats left out."""
    seen = []
    for e in events:
        if e.get("id") != door or e.get("event") != "PropertyChanged":
            continue
        args = e.get("args", {})
        if args.get("property") != "position" or args.get("value") in ("moving",):
            continue
        if not seen or seen[-1] != args["value"]:
            seen.append(args["value"])
    return seen


def check_lane_events(lane, case, tx, case_start, traveller_number, checks):
    """The case's lane events are in the audit trail (egatectl audit events)."""
    if not case.events:
        return
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(case_start - 1))
    got = json.loads(lane.egatectl("--json", "audit", "events", "--since", since))
    text = json.dumps(got)
    for personal in ("TESTER", "ALEX", traveller_number, "<"):
        if personal and personal in text:
            raise Failure("personal data in the lane events")
    for kind, action, detail, tied in case.events:
        found = [e for e in got if e["kind"] == kind and e["action"] == action and
                 (detail is None or e["detail"] == detail) and e["lane"] == LANE and
                 (tied is None or (e.get("transaction_id") == tx) == tied) and
                 (kind != "operator" or e.get("operator"))]
        if not found:
            raise Failure("no lane event %s %s (%s): %s" % (kind, action, detail, got))
    checks.append("lane events %s" % [e[:2] for e in case.events])


def door_forced_between_travellers(lane):
    """A door forced on an idle lane: the silent alarm, and a lane event with no transaction."""
    case_start = time.time()
    since = lane.mark()
    reply = lane.mock("door A1-exit-door forced")
    if not reply.startswith("OK"):
        raise Failure("door forced: " + reply)
    lane.wait_event(since, lambda e: e.get("event") == "Alarm" and
                    e["args"].get("kind") == "door-forced", 10, "the door-forced Alarm")
    reply = lane.mock("door A1-exit-door closed")
    if not reply.startswith("OK"):
        raise Failure("door closed: " + reply)
    lane.wait_state("idle", 30, "the lane after the forced door")
    checks = []
    check_lane_events(lane, Case("forced", None, None, None,
                                 events=[("alarm", "door-forced", "exit door forced open",
                                          False)]),
                      None, case_start, None, checks)
    return checks


def run_case(lane, case, traveller_number, checks):
    ctx = lane
    case_start = time.time()
    since = lane.mark()
    if case.before:
        case.before(ctx)
    reply = lane.mock("arrive A1 " + case.name)
    if not reply.startswith("OK"):
        raise Failure("arrive: " + reply)

    if case.decision is None:
        # Nothing may start: the lane is closed.
        time.sleep(1.0)
        with lane.lock:
            started = [e for e in lane.events[since:] if e.get("event") == "TransactionStarted"]
        if started:
            raise Failure("a transaction started on a closed lane")
        lane.wait_traveller_gone()
        if case.after:
            case.after(ctx, None)
        lane.wait_state("idle", 10, "lane reopened")
        checks.append("no transaction while closed")
        check_lane_events(lane, case, None, case_start, traveller_number, checks)
        return

    i = lane.wait_event(since, lambda e: e.get("source") == "lane" and
                        e.get("event") == "TransactionStarted", 10, "TransactionStarted")
    tx = lane.events[i]["args"]["id"]
    if case.during:
        state, action = case.during
        lane.wait_event(i, lambda e: e.get("source") == "lane" and
                        e.get("event") == "PropertyChanged" and
                        e["args"].get("property") == "state" and
                        e["args"].get("value") == state, 10, "state " + state)
        action(ctx)
    j = lane.wait_event(i, lambda e: e.get("event") == "TransactionFinished" and
                        e["args"].get("id") == tx, case.settle, "TransactionFinished")
    finished = lane.events[j]["args"]
    if finished["decision"] != case.decision:
        raise Failure("decision %s, expected %s (reasons %s)" %
                      (finished["decision"], case.decision, finished["reasons"]))
    if finished["reasons"] != case.reasons:
        raise Failure("reasons %s, expected %s" % (finished["reasons"], case.reasons))
    checks.append("decision %s %s" % (case.decision, case.reasons))

    if case.alarm:
        alarms = [e["args"]["kind"] for e in lane.events[since:j + 1]
                  if e.get("event") == "Alarm"]
        if case.alarm not in alarms:
            raise Failure("no Alarm %s (got %s)" % (case.alarm, alarms))
        checks.append("alarm " + case.alarm)
    else:
        alarms = [e for e in lane.events[since:j + 1] if e.get("event") == "Alarm"]
        if alarms:
            raise Failure("unexpected Alarm %s" % alarms[0]["args"])

    if case.after:
        case.after(ctx, tx)
    lane.wait_traveller_gone()
    lane.wait_state("idle", 20, "after the traveller")

    # Doors: every movement of this transaction, and both shut and locked at the end.
    end = lane.mark()
    with lane.lock:
        events = lane.events[since:end]
    if case.doors is not None:
        for door, expected in case.doors.items():
            got = door_positions(events, door)
            if got != expected and not (isinstance(expected, tuple) and got in expected):
                raise Failure("%s moved %s, expected %s" % (door, got, expected))
        checks.append("doors %s" % {d[8:]: p for d, p in case.doors.items()})
    if not case.decision == "accept":
        if "open" in door_positions(events, EXIT) and \
                case.traveller.get("walk") != "forces-exit" and \
                not case.name.startswith("emergency"):
            raise Failure("the exit door opened for a traveller who was not accepted")
    status = lane.mock("status A1")
    for door in ("A1-entry-door=closed/locked", "A1-exit-door=closed/locked"):
        if door not in status:
            raise Failure("doors not secured at rest: %s" % status)

    # The audit record.
    record = lane.audit(tx)
    if record["decision"] != case.decision or record["reasons"] != case.reasons:
        raise Failure("audit record: %s %s" % (record["decision"], record["reasons"]))
    if record["lane"] != LANE:
        raise Failure("audit record: lane %s" % record["lane"])
    # The document appears as a keyed hash once its MRZ was read, never otherwise.
    mrz_read = any(s["step"] == "mrz" and s["result"] == "successful" for s in record["steps"])
    if mrz_read != (len(record.get("document_hash", "")) == 64):
        raise Failure("audit record: document hash %r with the MRZ %sread" %
                      (record.get("document_hash"), "" if mrz_read else "not "))
    # Only ids, codes and a keyed hash: no name, no document number, no MRZ filler.
    text = json.dumps(record)
    for personal in ("TESTER", "ALEX", traveller_number, "<"):
        if personal in text:
            raise Failure("personal data in the audit record")
    for name, result, reason, attempt in case.steps:
        found = [s for s in record["steps"] if s["step"] == name and s["result"] == result and
                 (reason is None or s["reason"] == reason) and
                 (attempt is None or s.get("attempt") == attempt)]
        if not found:
            raise Failure("audit record: no step %s %s %s (attempt %s): %s" %
                          (name, result, reason, attempt,
                           [(s["step"], s["result"], s["reason"]) for s in record["steps"]]))
    for action, why in case.actions:
        if not any(a["action"] == action and a["reason"] == why and a["operator"]
                   for a in record.get("operator_actions", [])):
            raise Failure("audit record: no operator action %s (%s): %s" %
                          (action, why, record.get("operator_actions")))
    for s in record["steps"]:
        if "score" in s and s["step"] in ("fingerprint", "face") and "threshold" not in s:
            raise Failure("a comparison without its threshold")
    checks.append("audit record (%d steps)" % len(record["steps"]))
    check_lane_events(lane, case, tx, case_start, traveller_number, checks)


def main():
    if not BUILD or not SOURCE:
        print("run through meson test (EGATE_BUILD_ROOT, EGATE_SOURCE_ROOT)")
        return 77
    only = sys.argv[sys.argv.index("-k") + 1] if "-k" in sys.argv else None
    root = os.geteuid() == 0
    if root and "--in-namespace" not in sys.argv and shutil.which("unshare"):
        # A private mount namespace for the small tmpfs the full-disk case needs.
        return subprocess.call(["unshare", "--mount", "--propagation", "private",
                                sys.executable] + sys.argv + ["--in-namespace"])

    work = tempfile.mkdtemp(prefix="egate-matrix-")
    os.chmod(work, 0o700)
    state = os.path.join(work, "state")
    os.mkdir(state, 0o700)
    tmpfs = False
    if "--in-namespace" in sys.argv:
        tmpfs = subprocess.call(["mount", "-t", "tmpfs", "-o", "size=6m,mode=0700", "tmpfs",
                                 state]) == 0
    cases = [c for c in CASES if (not only or only in c.name)]
    travellers = [scenario_traveller(c.name, i, dict(c.traveller)) for i, c in enumerate(cases)]
    numbers = {c.name: "M%08d" % (i + 1) for i, c in enumerate(cases)}
    for t in travellers:
        m = t["membership"]
        for k in [k for k, v in m.items() if v is None]:
            del m[k]
    # The doors take one command at a time, like the gpio plugin's: egated must never rely
    # on a later command overriding one under way.
    scenario = {"version": 1, "name": "pipeline matrix", "latency": "zero",
                "lanes": [{"name": LANE, "camera": True, "door_commands": "one-at-a-time"}],
                "travellers": travellers}
    scenario_path = os.path.join(work, "matrix.json")
    with open(scenario_path, "w") as f:
        json.dump(scenario, f, indent=1)
    config = os.path.join(work, "egated.conf")
    with open(config, "w") as f:
        f.write("[policy.ses]\n"
                "mantrap-timeout-ms = 3000\n"
                "turn-back-ms = 300\n"
                "fingerprint-timeout-ms = 1500\n"
                "document-timeout-ms = 1500\n"
                "background-timeout-ms = 1500\n"
                "registry-timeout-ms = 1000\n"
                "exit-timeout-ms = 3000\n")

    lane = Lane(work, scenario_path, config, state)
    lane.state_dir = state
    passed = failed = skipped = 0
    try:
        try:
            lane.wait_state("idle", 30, "egated started")
        except Failure as e:
            print("not ok - start: %s" % e)
            failed += 1
            cases = []
        for case in cases:
            if case.root_only and not tmpfs:
                print("ok - %s # SKIP needs root for a tmpfs state directory" % case.name)
                skipped += 1
                continue
            checks = []
            try:
                run_case(lane, case, numbers[case.name], checks)
                print("ok - %s: %s" % (case.name, "; ".join(checks)))
                passed += 1
            except Failure as e:
                print("not ok - %s: %s" % (case.name, e))
                failed += 1
                # Leave the lane usable for the next case.
                try:
                    lane.wait_traveller_gone(20)
                    lane.wait_state("idle", 30, "recovery")
                except Failure as e2:
                    print("# cannot recover the lane: %s" % e2)
                    break
        if cases and not only:
            try:
                checks = door_forced_between_travellers(lane)
                print("ok - door-forced-between-travellers: %s" % "; ".join(checks))
                passed += 1
            except Failure as e:
                print("not ok - door-forced-between-travellers: %s" % e)
                failed += 1
    finally:
        problem = lane.close()
        if problem:
            print("not ok - egated stops cleanly: %s" % problem)
            failed += 1
        else:
            print("ok - egated stops cleanly")
        if failed:
            with open(os.path.join(work, "egated.log")) as f:
                sys.stdout.write("# --- egated.log (tail)\n")
                for line in f.readlines()[-200:]:
                    sys.stdout.write("# " + line)
        if tmpfs:
            subprocess.call(["umount", state])
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed, %d skipped (%d travellers)" %
          (passed, failed, skipped, len(cases)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
