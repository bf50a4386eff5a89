#!/usr/bin/env bash
# The member registry end to end: egated with the mock devices on a private
# session bus and a temporary state directory, driven by egatectl member:
# import (all or nothing, precise errors), list (no personal data), show,
# status changes with their history, remove, enroll-finger on the mock
# scanner (refused while the lane is automatic), and nothing personal in
# egated's log.
#
# Usage: test-registry-bus.sh EGATECTL (meson passes the built binary).
source "$(dirname "$0")/../integration/lib.sh"

EGATECTL=${1:?usage: test-registry-bus.sh EGATECTL}
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
export NO_COLOR=1
STATE="$WORK/state"
mkdir -m 0700 "$STATE"

run_ctl() { # WANT ARGS...: egatectl --user ARGS; stdout in $WORK/out, stderr in $WORK/err
        local want=$1 got=0
        shift
        "$EGATECTL" --user "$@" >"$WORK/out" 2>"$WORK/err" || got=$?
        if [ "$got" -ne "$want" ]; then
                echo "# egatectl $*: exit status $got, expected $want" >&2
                sed 's/^/#   stdout: /' "$WORK/out" >&2
                sed 's/^/#   stderr: /' "$WORK/err" >&2
                return 1
        fi
}
out_has() { grep -Eq -- "$1" "$WORK/out"; }
out_lacks() { ! grep -Eq -- "$1" "$WORK/out"; }
err_has() { grep -Eq -- "$1" "$WORK/err"; }
json_ok() { # a Python expression over d, the JSON document in $WORK/out
        "$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[2]))
sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" "$WORK/out"
}
mode_of() { stat -c %a "$1"; }
mock() { # COMMAND...: one line to the mock's control socket; true when it says OK
        "$PYTHON" - "$MOCK_SOCKET" "$*" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
reply = b""
while not reply.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    reply += chunk
print(reply.decode().strip())
sys.exit(0 if reply.startswith(b"OK") else 1)
EOF
}

cat >"$WORK/import.json" <<'EOF'
{"members": [
  {"id": "REG-1", "status": "active", "birth_date": "1971-03-09", "enrolled": "2024-02-01",
   "passports": [{"issuing_state": "USA", "document_number": "Q11223344", "expiry": "2032-05-06"}],
   "fingers": [{"finger": "left-thumb", "format": "egate-mock",
                "template": "RUdNT0NLMQByZWctMQ=="}],
   "face": {"mime": "image/jpeg", "image": "/9j/4AAQSkZJRg=="}},
  {"id": "REG-2", "status": "conditional", "birth_date": "1988-11-30",
   "conditional_approval": "2026-01-15",
   "passports": [{"issuing_state": "D", "document_number": "C7Y8Z9W01", "expiry": "2031-01-01"}]}
]}
EOF
# The same with one bad date in the second member: nothing may be imported.
sed 's/"2031-01-01"/"2031-02-30"/; s/REG-1/REG-8/; s/REG-2/REG-9/; s/Q11223344/Q55555555/; s/C7Y8Z9W01/C00000000/' \
        "$WORK/import.json" >"$WORK/bad.json"
cat >"$WORK/add.json" <<'EOF'
{"id": "REG-3", "status": "active", "birth_date": "1990-07-04", "enrolled": "2025-09-09",
 "passports": [{"issuing_state": "KOR", "document_number": "M77665544", "expiry": "2035-12-12"}]}
EOF

start_bus
start_egated egated.log --mock "$SCENARIOS/all-devices.json" --plugin-dir "$MOCK_DIR" \
        --state-directory "$STATE" --log-level debug
if ! check "egated starts with the mock" wait_log egated.log "running on the session bus" 15; then
        finish
        exit 1
fi

check "the registry file is 0600" test "$(mode_of "$STATE/registry.db")" = 600
check "Backend property" bus_get /org/egate/EGate1/Registry org.egate.EGate1.Registry Backend

# --- import, list, show -----------------------------------------------------
check "import: 0" run_ctl 0 member import "$WORK/import.json"
check "import: says how many" out_has "^Imported 2 members\.$"
check "import again: refused (2)" run_ctl 2 member import "$WORK/import.json"
check "import again: names the place" err_has "members\[0\]\.id: member REG-1 already exists"
check "bad import: 2" run_ctl 2 member import "$WORK/bad.json"
check "bad import: the precise error" \
        err_has "members\[1\]\.passports\[0\]\.expiry: not a date \(YYYY-MM-DD\) \(org\.egate\.EGate1\.Error\.InvalidArgument\)"
check "missing import file: 3" run_ctl 3 member import "$WORK/nope.json"
# An import is one transaction that may outlast a short --timeout: the call waits for it,
# rather than report a failure while egated goes on and imports.
sed 's/REG-1/REG-5/; s/REG-2/REG-6/; s/Q11223344/Q66666666/; s/C7Y8Z9W01/C66666666/' \
        "$WORK/import.json" >"$WORK/slow.json"
check "import outlasting --timeout: 0" run_ctl 0 --timeout 0.000001 member import "$WORK/slow.json"
check "import outlasting --timeout: done" out_has "^Imported 2 members\.$"
check "add from stdin: 0" run_ctl 0 member add - <"$WORK/add.json"
check "add: names the member" out_has "^Added member REG-3\.$"

check "list: 0" run_ctl 0 member list
check "list: the imported members" out_has "^REG-1 +active +2024-02-01 +- +[0-9T:Z-]+$"
check "list: conditional" out_has "^REG-2 +conditional +- +2026-01-15 "
check "list: nothing from the bad import" out_lacks "REG-8|REG-9"
check "list: the slow import" out_has "^REG-6 +conditional "
check "list: no document numbers or birth dates" out_lacks "Q11223344|C7Y8Z9W01|1971-03-09"
check "list --json" run_ctl 0 --json member list
check "list --json: objects" json_ok '[m["status"] for m in d if m["id"] == "REG-2"] == ["conditional"] and "document_number" not in str(d)'

check "show: 0" run_ctl 0 member show REG-1
check "show: the passport" out_has "USA +Q11223344 +2032-05-06"
check "show: the finger by size" out_has "left-thumb +egate-mock +13"
check "show: never the template" out_lacks "RUdNT0NLMQ"
check "show: personal-data warning" err_has "personal data"
check "show --json" run_ctl 0 --json member show REG-2
check "show --json: normalised state" json_ok 'd["passports"][0]["issuing_state"] == "D<<" and d["history"][0]["reason"] == "imported"'
check "show unknown: 3" run_ctl 3 member show REG-404
check "show unknown: says so" err_has "no member REG-404"
check "show bad id: 2" run_ctl 2 member show "REG 1"
check "member without subcommand: 2" run_ctl 2 member
check "unknown subcommand: 2" run_ctl 2 member fly
check "suspend without reason: 2" run_ctl 2 member suspend REG-1

# --- status changes ----------------------------------------------------------
check "suspend: 0" run_ctl 0 member suspend REG-1 "document reported lost"
check "suspend: says so" out_has "^Member REG-1: suspended\.$"
check "suspend again: 2" run_ctl 2 member suspend REG-1 "again"
check "activate: 0" run_ctl 0 --json member activate REG-2 "interview passed"
check "activate --json" json_ok 'd == {"id": "REG-2", "status": "active"}'
check "revoke: 0" run_ctl 0 member revoke REG-1 "violation"
check "activate revoked: 2" run_ctl 2 member activate REG-1 "appeal"
check "revoked is final" err_has "revoked, which is final"
check "history in show" run_ctl 0 --json member show REG-1
check "history: imported, suspended, revoked" \
        json_ok '[h["status"] for h in d["history"]] == ["active", "suspended", "revoked"] and d["history"][1]["reason"] == "document reported lost" and d["history"][1]["actor"].startswith("uid ")'
check "activation completes enrolment" run_ctl 0 --json member show REG-2
check "enrolled today" json_ok 'd["status"] == "active" and d["enrolled"] is not None'

# --- enroll-finger on the mock scanner ---------------------------------------
SCANNER=mock-A1-fingerprint-scanner
check "lane automatic first" run_ctl 0 lane-mode A1 automatic "test: start automatic"
check "enroll on an automatic lane: 5" run_ctl 5 member enroll-finger REG-3 "$SCANNER" right-index
check "says to switch the lane" err_has "set the lane to manual or closed first"
check "lane manual" run_ctl 0 lane-mode A1 manual "enrolment"
check "enroll unknown member: 3" run_ctl 3 member enroll-finger REG-404 "$SCANNER" right-index
check "enroll unknown finger: 2" run_ctl 2 member enroll-finger REG-3 "$SCANNER" pinky
check "enroll on a door: 2" run_ctl 2 member enroll-finger REG-3 mock-A1-entry-door right-index
check "enroll on no device: 3" run_ctl 3 member enroll-finger REG-3 mock-A1-nothing right-index
check "a finger on the glass" eval "mock place-finger A1 t01 >/dev/null"
check "enroll: 0" run_ctl 0 member enroll-finger REG-3 "$SCANNER" right-index
check "enroll: format and size" out_has "^Enrolled right-index of member REG-3: egate-mock template, [0-9]+ bytes\.$"
check "enrolled template stored" run_ctl 0 --json member show REG-3
check "show has the finger" json_ok '[(f["finger"], f["format"]) for f in d["fingers"]] == [("right-index", "egate-mock")]'
mock lift-finger A1 >/dev/null || true

# --- a stored text sd-bus refuses ----------------------------------------------
# A reason that is not UTF-8 (a hand-edited database) cannot go into the answer: Show
# answers an error at once instead of leaving the caller to its timeout.
"$PYTHON" - "$STATE/registry.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE member_status_history SET reason = CAST(X'6261648066' AS TEXT) "
           "WHERE member_id = 'REG-3'")
db.commit()
EOF
started=$SECONDS
check "show of a reason not UTF-8: fails" run_ctl 4 --timeout 30 member show REG-3
check "show of a reason not UTF-8: at once" test $((SECONDS - started)) -lt 15
check "show of a reason not UTF-8: Failed" \
        err_has "cannot build the answer.*org\.freedesktop\.DBus\.Error\.Failed"

# --- remove ------------------------------------------------------------------
check "remove without reason: 2" run_ctl 2 member remove REG-1 ""
check "remove: 0" run_ctl 0 member remove REG-1 "left the programme"
check "removed: gone" run_ctl 3 member show REG-1
check "remove again: 3" run_ctl 3 member remove REG-1 "twice"
check "list after remove" run_ctl 0 member list
check "list lacks the removed member" out_lacks "^REG-1 "
check "the file holds no trace of the removed passport" \
        bash -c "! grep -qa Q11223344 '$STATE/registry.db' '$STATE/registry.db-wal' 2>/dev/null"

# --- the log -------------------------------------------------------------------
check "log names actions and callers" log_has egated.log "registry: member REG-1 removed by uid [0-9]+"
for secret in Q11223344 C7Y8Z9W01 M77665544 1971-03-09 1988-11-30 1990-07-04 RUdNT0NLMQ; do
        check "log lacks $secret" log_lacks egated.log "$secret"
done

stop_egated TERM
check "egated stops cleanly" test "$EXIT_STATUS" -eq 0
finish
