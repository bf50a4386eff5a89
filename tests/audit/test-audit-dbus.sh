#!/usr/bin/env bash
# org.egate.EGate1.Audit and egatectl audit end to end: the state directory is
# filled with real records and lane events by audit-populate (the audit module
# itself; egated has no test hook), then egated serves them on a private
# session bus and egatectl audit list/events/show/export reads them back, human
# and JSON.  Callers outside egate-operator need other accounts and the system
# bus's policy: tests/dbus (dbus-access) refuses them every method, ListEvents
# and ExportEvents included.
#
# Usage: test-audit-dbus.sh EGATECTL AUDIT_POPULATE (meson passes the built binaries).
source "$(dirname "$0")/../integration/lib.sh"

EGATECTL=${1:?usage: test-audit-dbus.sh EGATECTL AUDIT_POPULATE}
POPULATE=${2:?usage: test-audit-dbus.sh EGATECTL AUDIT_POPULATE}
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
export NO_COLOR=1
STATE=$WORK/state
T0=1740816000000000 # 2025-03-01T08:00:00Z; one record a minute from here

# run_ctl WANT ARGS...: egatectl --user ARGS, stdout in $WORK/out, stderr in $WORK/err.
run_ctl() {
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
# json_ok EXPRESSION: a Python expression over d, the JSON document in $WORK/out.
json_ok() {
        "$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[2]))
sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" "$WORK/out"
}
# jsonl_ok FILE COUNT: FILE holds COUNT JSON records, one a line, in the order written.
jsonl_ok() {
        "$PYTHON" -c 'import json, sys
lines = open(sys.argv[1]).read().splitlines()
records = [json.loads(l) for l in lines]
ids = [r["transaction_id"] for r in records]
sys.exit(0 if len(records) == int(sys.argv[2]) and ids == sorted(ids) and
         all(len(r["document_hash"]) == 64 and r["format"] == 1 for r in records) else 1)' "$1" "$2"
}
# events_jsonl_ok FILE KINDS: FILE holds lane events one a line, of these kinds in this order
# (comma-separated), each line exactly the event's JSON as stored in the trail.
events_jsonl_ok() {
        "$PYTHON" -c 'import json, sqlite3, sys
lines = open(sys.argv[1]).read().splitlines()
events = [json.loads(l) for l in lines]
db = sqlite3.connect("file:" + sys.argv[3] + "?mode=ro", uri=True)
stored = [row[0] for row in db.execute("SELECT event FROM events ORDER BY seq")]
sys.exit(0 if [e["kind"] for e in events] == sys.argv[2].split(",") and
         all(e["format"] == 1 and "document_hash" not in e for e in events) and
         all(l in stored for l in lines) else 1)' "$1" "$2" "$STATE/audit.db"
}
mode_of() { stat -c %a "$1"; }
rows() { grep -c '^A1-' "$WORK/out"; }
# Lane event rows of audit events run with TZ=UTC: they start with the time.
event_rows() { grep -c '^2025-03-01 ' "$WORK/out"; }

# --- the records, written before egated starts ------------------------------
# ... and three lane events: at T0+30s an operator's mode change (no transaction), at T0+90s
# a watchlist hit on A1-0002 after its decision, at T0+150s an emergency input.
check "audit-populate writes 12 records and 3 events" "$POPULATE" "$STATE" 12 "$T0"
check "state directory 0700" test "$(mode_of "$STATE")" = 700
check "audit.db 0600" test "$(mode_of "$STATE/audit.db")" = 600
check "audit.key 0600" test "$(mode_of "$STATE/audit.key")" = 600
KEY_SUM=$(sha256sum "$STATE/audit.key")

start_bus
start_egated egated.log --mock "$SCENARIOS/all-devices.json" --plugin-dir "$MOCK_DIR" \
        --state-directory "$STATE"
check "egated starts" wait_log egated.log "running on the session bus"
check "the audit object is on the bus" \
        bash -c 'busctl --user tree org.egate.EGate1 | grep -q /org/egate/EGate1/Audit'
check "Writable is true" bash -c \
        'busctl --user get-property org.egate.EGate1 /org/egate/EGate1/Audit org.egate.EGate1.Audit Writable | grep -qx "b true"'

# --- list --------------------------------------------------------------------
check "audit list" run_ctl 0 audit list
check "list has a header" out_has "^TRANSACTION +START +DURATION +LANE +DECISION +REASONS"
check "list shows all 12" test "$(rows)" = 12
check "list oldest first" bash -c 'grep "^A1-" "$0" | head -1 | grep -q "^A1-0001"' "$WORK/out"
check "list shows reasons" out_has "^A1-0002 .* refer +E_FINGER_NO_MATCH, operator-veto"
check "list shows the duration" out_has "^A1-0001 .* 8\.0s +A1 +accept"
check "audit list --json" run_ctl 0 --json audit list
check "JSON list of 12" json_ok 'len(d) == 12 and d[0]["transaction_id"] == "A1-0001"'
check "JSON list members" json_ok 'd[1] == {"transaction_id": "A1-0002", "start_usec": '"$T0"' + 60000000, "end_usec": '"$T0"' + 68000000, "lane": "A1", "decision": "refer", "reasons": ["E_FINGER_NO_MATCH", "operator-veto"]}'
check "audit list --limit 5" run_ctl 0 --json audit list --limit 5
check "the newest five" json_ok '[r["transaction_id"] for r in d] == ["A1-00%02d" % i for i in range(8, 13)]'
check "audit list in a range" run_ctl 0 --json audit list --since 2025-03-01T08:05:00Z \
        --until 2025-03-01T09:08:00+01:00
check "range is [since, until)" json_ok '[r["transaction_id"] for r in d] == ["A1-0006", "A1-0007", "A1-0008"]'
check "audit list --since -1h" run_ctl 0 audit list --since -1h
check "nothing in the last hour" out_has "^No audit records in that time range\.$"
check "bad --since: 2" run_ctl 2 audit list --since yesterday-ish
check "bad --since explained" err_has "--since: 'yesterday-ish' is not a time"
check "since after until: 2" run_ctl 2 audit list --since -1h --until -2h
check "bad --limit: 2" run_ctl 2 audit list --limit 0
check "--limit with show: 2" run_ctl 2 audit show A1-0001 --limit 3
check "unknown subcommand: 2" run_ctl 2 audit erase
check "list takes no argument: 2" run_ctl 2 audit list A1-0001

# --- show --------------------------------------------------------------------
check "audit show" run_ctl 0 audit show A1-0002
check "show names the transaction" out_has "^Transaction A1-0002$"
check "show: decision" out_has "Decision: refer$"
check "show: member" out_has "Member: GE-100001$"
check "show: hashed document" out_has "Document \(HMAC\): [0-9a-f]{64}$"
check "show: fingerprint step with score" out_has "fingerprint +successful .* 2 +0\.83/0\.5 +mock-A1-fingerprint"
check "show: face not supported" out_has "face +not-supported +N_FACE_NO_CAMERA"
check "show: operator action" out_has "veto-refer +uid 1000 \(:1\.42\) +traveller asked for an officer"
check "audit show --json" run_ctl 0 --json audit show A1-0002
check "JSON record" json_ok 'd["transaction_id"] == "A1-0002" and len(d["steps"]) == 16 and d["steps"][12]["score"] == 0.83 and d["issuing_state"] == "UTO"'
check "no document number in the record" out_lacks "L898902C3"
check "unknown id: 3" run_ctl 3 audit show A1-9999
check "unknown id explained" err_has "no audit record with that transaction id"
check "show without id: 2" run_ctl 2 audit show

# --- lane events --------------------------------------------------------------
check "audit events" env TZ=UTC bash -c '"$0" --user audit events >"$1" 2>"$2"' \
        "$EGATECTL" "$WORK/out" "$WORK/err"
check "events have a header" out_has "^TIME +LANE +KIND +ACTION +TRANSACTION +REASON +OPERATOR +DETAIL$"
check "events: all 3" test "$(event_rows)" = 3
check "events oldest first" bash -c 'grep "^2025-" "$0" | awk "{print \$4}" | paste -sd, | grep -qx operator,alarm,emergency' "$WORK/out"
check "events: the operator's mode change" \
        out_has "^2025-03-01 08:00:30 +A1 +operator +mode +- +- +uid 1000 \(:1\.42\) +closed for cleaning$"
check "events: the alarm on A1-0002" \
        out_has "^2025-03-01 08:01:30 +A1 +alarm +watchlist-hit +A1-0002 +E_WATCHLIST_HIT +- +background check answered after the decision$"
check "events: the emergency input" \
        out_has "^2025-03-01 08:02:30 +A1 +emergency +input +- +- +- +mock-A1-emergency$"
check "audit events --json" run_ctl 0 --json audit events
check "JSON events: 3, oldest first" json_ok '[e["kind"] for e in d] == ["operator", "alarm", "emergency"]'
check "JSON event members" json_ok 'd[1] == {"lane": "A1", "transaction_id": "A1-0002", "time_usec": '"$T0"' + 90000000, "kind": "alarm", "action": "watchlist-hit", "reason": "E_WATCHLIST_HIT", "operator": "", "detail": "background check answered after the decision"}'
check "JSON operator event" json_ok 'd[0]["operator"] == "uid 1000 (:1.42)" and d[0]["action"] == "mode" and d[0]["transaction_id"] == "" and d[0]["time_usec"] == '"$T0"' + 30000000'
check "audit events --transaction" run_ctl 0 --json audit events --transaction A1-0002
check "only that transaction's" json_ok 'len(d) == 1 and d[0]["action"] == "watchlist-hit"'
check "a transaction without events" run_ctl 0 audit events --transaction A1-0001
check "none for A1-0001" out_has "^No lane events of that transaction\.$"
check "audit events --limit 2" run_ctl 0 --json audit events --limit 2
check "the newest two" json_ok '[e["kind"] for e in d] == ["alarm", "emergency"]'
check "audit events in a range" run_ctl 0 --json audit events --since 2025-03-01T08:01:00Z \
        --until 2025-03-01T08:02:30Z
check "event range is [since, until)" json_ok '[e["kind"] for e in d] == ["alarm"]'
check "no events in the last hour" run_ctl 0 audit events --since -1h
check "none in the last hour" out_has "^No lane events in that time range\.$"
check "invalid transaction id: 2" run_ctl 2 audit events --transaction 'A1 0002'
check "invalid id refused by egated" err_has "InvalidArgument"
check "too long a transaction id: 2" run_ctl 2 audit events --transaction "$(printf 'A%.0s' {1..40})"
check "empty transaction id: 2" run_ctl 2 audit events --transaction ''
check "bad --since for events: 2" run_ctl 2 audit events --since yesterday-ish
check "events: since after until: 2" run_ctl 2 audit events --since -1h --until -2h
check "events take no argument: 2" run_ctl 2 audit events A1-0002
check "--transaction with list: 2" run_ctl 2 audit list --transaction A1-0002
check "--transaction with show: 2" run_ctl 2 audit show A1-0002 --transaction A1-0002
check "ListEvents on the bus" bash -c \
        'busctl --user call org.egate.EGate1 /org/egate/EGate1/Audit org.egate.EGate1.Audit ListEvents ttus 0 0 0 A1-0002 | grep -q "^a(tsssssss) 1 "'
check "ListEvents: since after until refused" bash -c \
        '! busctl --user call org.egate.EGate1 /org/egate/EGate1/Audit org.egate.EGate1.Audit ListEvents ttus 2 1 0 "" >"$0" 2>&1 && grep -q "since_usec is after until_usec" "$0"' "$WORK/busctl.out"
check "show with the transaction's events" run_ctl 0 audit show A1-0002
check "show: lane events section" out_has "^Lane events:$"
check "show: the alarm" out_has "^  [0-9-]+ [0-9:]+ +alarm +watchlist-hit +E_WATCHLIST_HIT +- +background check answered after the decision$"
check "show: no other transaction's events" out_lacks "mock-A1-emergency|closed for cleaning"
check "show without events" run_ctl 0 audit show A1-0001
check "show: no lane events section" out_lacks "Lane events"
check "show --json stays the record" run_ctl 0 --json audit show A1-0002
check "show JSON has no events" json_ok 'd["transaction_id"] == "A1-0002" and "events" not in d and "record" not in d'

# --- export ------------------------------------------------------------------
check "export to a file" run_ctl 0 audit export "$WORK/all.jsonl"
check "export says how many" out_has "^Exported 12 audit record\(s\) to "
check "export file holds 12 records" jsonl_ok "$WORK/all.jsonl" 12
check "export file 0600" test "$(mode_of "$WORK/all.jsonl")" = 600
check "no temporary file left" bash -c '! ls -A "$0" | grep -q egatectl-audit' "$WORK"
check "export a range to stdout" bash -c '"$0" --user audit export --since 2025-03-01T08:10:00Z - >"$1" 2>"$2"' \
        "$EGATECTL" "$WORK/range.jsonl" "$WORK/err"
check "stdout export holds 2 records" jsonl_ok "$WORK/range.jsonl" 2
check "stdout export summary on stderr" err_has "^Exported 2 audit record\(s\)\.$"
check "export --json" run_ctl 0 --json audit export "$WORK/again.jsonl"
check "export JSON summary" json_ok 'd == {"file": "'"$WORK/again.jsonl"'", "records": 12}'
check "export into a missing directory: 1" run_ctl 1 audit export "$WORK/no/such/dir/x.jsonl"
check "export --limit: 2" run_ctl 2 audit export --limit 3 "$WORK/x.jsonl"
check "record export has no lane events" bash -c '! grep -q "\"kind\"" "$0"' "$WORK/all.jsonl"

# --- export --events -----------------------------------------------------------
check "export the lane events to stdout" bash -c '"$0" --user audit export --events - >"$1" 2>"$2"' \
        "$EGATECTL" "$WORK/events.jsonl" "$WORK/err"
check "stdout event export holds the 3 events" events_jsonl_ok "$WORK/events.jsonl" operator,alarm,emergency
check "stdout event export: 3 lines" test "$(wc -l <"$WORK/events.jsonl")" = 3
check "event export summary on stderr" err_has "^Exported 3 lane event\(s\)\.$"
check "export the lane events to a file" run_ctl 0 audit export --events "$WORK/events-file.jsonl"
check "event export says how many" out_has "^Exported 3 lane event\(s\) to .*/events-file\.jsonl\.$"
check "event export file holds the 3 events" events_jsonl_ok "$WORK/events-file.jsonl" operator,alarm,emergency
check "event export file 0600" test "$(mode_of "$WORK/events-file.jsonl")" = 600
check "no temporary file left after events" bash -c '! ls -A "$0" | grep -q egatectl-audit' "$WORK"
check "export events in a range" run_ctl 0 audit export --events --since 2025-03-01T08:01:00Z \
        --until 2025-03-01T08:02:30Z "$WORK/events-range.jsonl"
check "event range is [since, until)" events_jsonl_ok "$WORK/events-range.jsonl" alarm
check "event range count" out_has "^Exported 1 lane event\(s\) to "
check "export --events --json" run_ctl 0 --json audit export --events "$WORK/events-again.jsonl"
check "event export JSON summary" json_ok 'd == {"file": "'"$WORK/events-again.jsonl"'", "events": 3}'
check "export --events into a missing directory: 1" run_ctl 1 audit export --events "$WORK/no/such/dir/x.jsonl"
check "no file left by a failed event export" test ! -e "$WORK/no/such/dir/x.jsonl"
check "--events with list: 2" run_ctl 2 audit list --events
check "--events with events: 2" run_ctl 2 audit events --events
check "--events with show: 2" run_ctl 2 audit show A1-0002 --events
check "export --events: since after until: 2" run_ctl 2 audit export --events --since -1h --until -2h \
        "$WORK/x.jsonl"

# --- the key stayed, and nothing personal reached the log --------------------
check "egated reused the key" test "$(sha256sum "$STATE/audit.key")" = "$KEY_SUM"
check "no document number in the log" log_lacks egated.log "L898902C3"

stop_egated TERM
check "egated stops cleanly" test "$EXIT_STATUS" -eq 0
check "audit list without egated: 7" run_ctl 7 audit list
check "audit events without egated: 7" run_ctl 7 audit events
finish
