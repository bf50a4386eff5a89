#!/usr/bin/env bash
# egatectl end to end: every command against egated with the mock plugin on a
# private session bus: human and JSON output, exit statuses, claims bound to a
# connection, door moves through the mock, images written 0600, and monitor
# seeing a device go when the mock unplugs it.
#
# Usage: test-egatectl.sh EGATECTL (meson passes the built binary).
source "$(dirname "$0")/../integration/lib.sh"

EGATECTL=${1:?usage: test-egatectl.sh EGATECTL}
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
# The mock puts its control socket in a private runtime directory (mktemp -d: 0700).
export XDG_RUNTIME_DIR="$WORK"
MOCK_SOCK="$XDG_RUNTIME_DIR/egate-mock.sock"
# Colour only ever goes to a terminal; make sure the tests see plain text anyway.
export NO_COLOR=1

BACKGROUND=()
stop_background() {
        local pid
        for pid in "${BACKGROUND[@]}"; do
                kill "$pid" 2>/dev/null || true
        done
}
trap 'stop_background; cleanup' EXIT

# run_ctl WANT ARGS...: egatectl --user ARGS, stdout in $WORK/out, stderr in
# $WORK/err; true when it exits WANT (otherwise shows what happened).
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

# mock COMMAND...: one line to the mock's control socket; true when it says OK.
mock() {
        "$PYTHON" - "$MOCK_SOCK" "$*" <<'EOF'
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

# mock_says REGEX COMMAND...: the mock's reply to COMMAND matches REGEX.
mock_says() {
        local pattern=$1
        shift
        mock "$@" | grep -Eq -- "$pattern"
}

# wait_file FILE REGEX [SECONDS]
wait_file() {
        local end=$((SECONDS + ${3:-10}))
        while [ $SECONDS -lt $end ]; do
                grep -Eq -- "$2" "$1" 2>/dev/null && return 0
                sleep 0.05
        done
        echo "# $1 never matched /$2/:" >&2
        sed 's/^/#   /' "$1" >&2 2>/dev/null || true
        return 1
}

# wait_exit PID [SECONDS]: wait for a background command; its status in EXITED.
wait_exit() {
        local end=$((SECONDS + ${2:-10}))
        while kill -0 "$1" 2>/dev/null && [ $SECONDS -lt $end ]; do
                sleep 0.05
        done
        EXITED=0
        wait "$1" || EXITED=$?
}

mode_of() { stat -c %a "$1"; }

# prints REGEX ARGS...: egatectl ARGS exits 0 and prints a line matching REGEX.
prints() {
        local pattern=$1 output
        shift
        output=$("$EGATECTL" "$@") && grep -Eq -- "$pattern" <<<"$output"
}

# without_bus COMMAND...: COMMAND with the session bus somewhere it is not.
without_bus() {
        DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus "$@"
}

# --- without a bus or a daemon ---------------------------------------------
check "--help lists the commands" prints "force-release ID REASON" --help
check "--help lists the exit statuses" prints "7  egated is not running" --help
check "door --help" prints "--keep-claim" door --help
check "capture --help" prints "--light LIGHT" capture --help
check "--version" prints "^egatectl [0-9.]+" --version
check "unknown command: 2" run_ctl 2 fly-away
check "unknown command named" err_has "unknown command 'fly-away'"
check "unknown option: 2" run_ctl 2 status --colourful
check "missing argument: 2" run_ctl 2 device
check "missing argument explained" err_has "device: missing arguments: usage: egatectl device ID"
check "too many arguments: 2" run_ctl 2 lane-mode A1 manual two words
check "option of another command: 2" run_ctl 2 door mock-A1-entry-door open --buzzer
check "option of another command named" err_has "--buzzer does not apply"
check "bad --timeout: 2" run_ctl 2 --timeout soon status
check "zero --timeout: 2" run_ctl 2 --timeout 0 status
check "bad --message: 2" run_ctl 2 indicator mock-A1-indicator green steady --message -1
check "unknown door action: 2" run_ctl 2 door mock-A1-entry-door fly
check "capture without --output: 2" run_ctl 2 capture mock-A1-camera
check "no session bus at all: 7" without_bus run_ctl 7 status

start_bus

# --- a bus, but no egated ----------------------------------------------------
check "door without egated: 7" run_ctl 7 door mock-A1-entry-door open
check "says egated is not running" err_has "ServiceUnknown|NameHasNoOwner"
check "status without egated: 7" run_ctl 7 status

start_egated egated.log --mock "$SCENARIOS/all-devices.json" --plugin-dir "$MOCK_DIR"
if ! check "egated starts with the mock" wait_log egated.log "running on the session bus" 15; then
        finish
        exit 1
fi

# --- status, plugins, devices, lanes -------------------------------------------
check "status" run_ctl 0 status
check "status: version, API, state" out_has "^egated [0-9.]+ \(D-Bus API 1\): running"
check "status: lane A1 automatic and ready" out_has "^  A1 +automatic +yes +idle"
check "status: devices by state" out_has "8 total, 8 online"
check "status: PKI lists (the mock CSCAs, no CRL)" \
        out_has "^  fresh, 3 CSCA\(s\), 0 CRL\(s\), next CRL update -$"
check "status: no colour off a terminal" bash -c '! grep -q $'"'"'\033'"'"' "$0"' "$WORK/out"
check "status --json" run_ctl 0 status --json
check "status --json: daemon" json_ok 'd["state"] == "running" and d["api_version"] == 1'
check "status --json: counts" \
        json_ok 'd["devices"]["total"] == 8 and d["devices"]["by_state"]["online"] == 8'
check "status --json: lanes" \
        json_ok '[l["name"] for l in d["lanes"]] == ["A1"] and d["lanes"][0]["ready"] is True'
check "status --json: no plugin problems" json_ok 'd["plugins"]["problems"] == []'
check "status --json: PKI lists" \
        json_ok 'd["pki"] == {"pki_state": "fresh", "trust_anchors": 3, "revocation_lists": 0, "next_crl_update": 0}'

check "plugins" run_ctl 0 plugins
check "plugins: mock active" out_has "^mock +[0-9.]+ +egate +1\.[0-9]+ +active"
check "plugins --json" run_ctl 0 --json plugins
check "plugins --json: fields" \
        json_ok 'any(p["name"] == "mock" and p["state"] == "active" and p["reason"] == "" for p in d)'

check "devices" run_ctl 0 devices
check "devices: header" out_has "^ID +CLASS +STATE +LANE/ROLE +PLUGIN +CLAIMED BY"
check "devices: entry door row" out_has "^mock-A1-entry-door +door +online +A1/entry-door +mock +-"
check "devices: all eight" test "$(grep -c '^mock-A1-' "$WORK/out")" -eq 8
check "devices --json" run_ctl 0 devices --json
check "devices --json: eight, sorted" \
        json_ok 'len(d) == 8 and [x["id"] for x in d] == sorted(x["id"] for x in d)'
check "devices --json: class properties" \
        json_ok '[x for x in d if x["id"] == "mock-A1-entry-door"][0]["class_properties"]["position"] == "closed"'

check "device ID" run_ctl 0 device mock-A1-entry-door
check "device: Device properties" out_has "^ +class: door$"
check "device: health" out_has "^ +health: operations=0 failures=0 timeouts=0"
check "device: class properties" out_has "^ *lock state: locked$"
check "device --json" run_ctl 0 device mock-A1-presence-sensor --json
check "device --json: snake_case, class properties" \
        json_ok 'd["id"] == "mock-A1-presence-sensor" and d["claimed_by"] == "" and "zones" in d["class_properties"]'
check "missing device: 3" run_ctl 3 device mock-A1-nothing
check "missing device explained" \
        err_has "^egatectl: device mock-A1-nothing: no such device \(org\.freedesktop\.DBus\.Error\.UnknownObject\)$"

check "lanes" run_ctl 0 lanes
check "lanes: A1" out_has "^A1 +automatic +idle +yes +[a-z-]+ +0 +8 +0 +0 +0 +0$"
check "lane A1" run_ctl 0 lane A1
check "lane: devices by role" out_has "^  entry-door +mock-A1-entry-door +online"
check "lane: counters" out_has "^ +transactions: 0$"
check "lane --json" run_ctl 0 lane A1 --json
check "lane --json: roles" \
        json_ok '{e["role"]: e["device"] for e in d["devices"]}["exit-door"] == "mock-A1-exit-door" and len(d["devices"]) == 8'
check "lane --json: device states" json_ok 'all(e["state"] == "online" for e in d["devices"])'
check "missing lane: 3" run_ctl 3 lane Z9
check "missing lane explained" err_has "lane Z9: no such lane"

# --- lanes own their devices in automatic mode ---------------------------------
check "door in an automatic lane: 5" run_ctl 5 door mock-A1-entry-door open
check "Busy named" err_has "\(org\.egate\.EGate1\.Error\.Busy\)$"
check "lane-mode with an unknown mode: 2" run_ctl 2 lane-mode A1 sideways "testing"
check "lane-mode manual" run_ctl 0 lane-mode A1 manual "egatectl test"
check "lane-mode says the mode" out_has "^Lane A1: mode manual\.$"
check "lane --json shows manual" prints '"mode": "manual"' --user lane A1 --json
check "lane-mode without a reason: 2" run_ctl 2 lane-mode A1 manual ""

# --- doors through the mock ------------------------------------------------
check "door open" run_ctl 0 door mock-A1-entry-door open
check "door open reported" out_has "^mock-A1-entry-door: open done; position open, unlocked\.$"
check "mock saw the door open" mock_says "A1-entry-door=open/unlocked" status A1
check "claim released after the call" \
        prints '"claimed_by": ""' --user device mock-A1-entry-door --json
check "door close --json" run_ctl 0 --json door mock-A1-entry-door close
check "door close --json: position" json_ok 'd["action"] == "close" and d["position"] == "closed"'
check "door lock" run_ctl 0 door mock-A1-entry-door lock
check "door locked" out_has "position closed, locked"
check "door safe-state" run_ctl 0 door mock-A1-exit-door safe-state
check "door on a camera: 2" run_ctl 2 door mock-A1-camera open
check "wrong class explained" err_has "the device is a camera, not a door"
check "door on a missing device: 3" run_ctl 3 door mock-A1-gone open
check "open-door override" run_ctl 0 open-door A1 exit "stuck traveller"
check "open-door reported" out_has "^Lane A1: exit door opened\.$"
check "mock saw the override" mock_says "A1-exit-door=open/unlocked" status A1
check "open-door on a bad door: 2" run_ctl 2 open-door A1 side "testing"
check "decide without a transaction: 1" run_ctl 1 decide A1 accept "testing"
check "NoTransaction named" err_has "NoTransaction"
check "abort without a transaction: 1" run_ctl 1 abort A1 "testing"
check "attend a missing lane: 3" run_ctl 3 attend B9
check "attend without a lane: 2" run_ctl 2 attend
check "attend A1 and a missing lane: 3" run_ctl 3 attend A1 B9
# Its connection closed with it: egated ends the attendance it had begun on A1.
check "attend A1 B9: A1 attended, then its connection closed" \
        wait_file "$WORK/egated.log" "lane A1: leave by .*the operator's connection closed"
check "attend A1 B9 left A1 unattended" run_ctl 0 lane A1
check "A1 has no attendant" out_has "attendants: 0$"

# --- claims belong to a connection -------------------------------------------
"$EGATECTL" --user claim mock-A1-exit-door >"$WORK/claim.out" 2>"$WORK/claim.err" &
CLAIM_PID=$!
BACKGROUND+=("$CLAIM_PID")
check "claim holds" wait_file "$WORK/claim.out" "^Claimed mock-A1-exit-door as :"
check "second claim: 5" run_ctl 5 claim mock-A1-exit-door
check "AlreadyClaimed named" err_has "\(org\.egate\.EGate1\.Error\.AlreadyClaimed\)$"
check "door on another's claim: 5" run_ctl 5 door mock-A1-exit-door close
check "release from another connection: 5" run_ctl 5 release mock-A1-exit-door
check "release explains whose claim" err_has "a claim belongs to the connection that made it"
check "devices show the holder" prints "^mock-A1-exit-door .* :[0-9]+\.[0-9]+$" --user devices
kill -INT "$CLAIM_PID"
wait_exit "$CLAIM_PID"
check "claim exits 0 on SIGINT" test "$EXITED" -eq 0
check "claim released on SIGINT" grep -q "^Released mock-A1-exit-door\.$" "$WORK/claim.out"
check "free again" run_ctl 0 door mock-A1-exit-door close

"$EGATECTL" --user claim mock-A1-exit-door >"$WORK/claim.out" 2>"$WORK/claim.err" &
CLAIM_PID=$!
BACKGROUND+=("$CLAIM_PID")
check "claim again" wait_file "$WORK/claim.out" "^Claimed"
check "force-release without a reason: 2" run_ctl 2 force-release mock-A1-exit-door ""
check "force-release" run_ctl 0 force-release mock-A1-exit-door "egatectl test override"
wait_exit "$CLAIM_PID"
check "claim taken away: 5" test "$EXITED" -eq 5
check "claim taken away explained" grep -q "the claim was taken away" "$WORK/claim.err"
check "force-release of nothing: 5" run_ctl 5 force-release mock-A1-exit-door "again"

# --keep-claim: the operation, then the claim held until interrupted.
"$EGATECTL" --user door mock-A1-exit-door lock --keep-claim >"$WORK/keep.out" 2>"$WORK/keep.err" &
KEEP_PID=$!
BACKGROUND+=("$KEEP_PID")
check "--keep-claim holds after the operation" \
        wait_file "$WORK/keep.err" "Holding the claim on mock-A1-exit-door"
check "--keep-claim did the operation" grep -q "lock done" "$WORK/keep.out"
check "--keep-claim: others get 5" run_ctl 5 door mock-A1-exit-door open
kill -TERM "$KEEP_PID"
wait_exit "$KEEP_PID"
check "--keep-claim exits 0 on SIGTERM" test "$EXITED" -eq 0

# --- indicator, presence, MRZ ---------------------------------------------------
check "indicator" \
        run_ctl 0 indicator mock-A1-indicator green slow-flash --buzzer --message 7 --language ko
check "indicator reported" \
        out_has "^mock-A1-indicator: green, slow-flash, buzzer on, message 7 in ko\.$"
check "mock saw the indicator" \
        mock_says "A1-indicator=green/slow-flash/buzzer/message=7/ko" status A1
check "indicator with a bad colour: 2" run_ctl 2 indicator mock-A1-indicator purple steady
check "InvalidArgument named" err_has "InvalidArgument\)$"

check "mock: two people in the mantrap" mock enter A1 mantrap 2
check "presence in a zone" run_ctl 0 presence mock-A1-presence-sensor mantrap --json
check "presence count" json_ok 'd["zone"] == "mantrap" and d["count"] == 2'
check "presence for people" run_ctl 0 presence mock-A1-presence-sensor mantrap
check "presence line" out_has "^mantrap: 2$"
check "mock: one leaves" mock leave A1 mantrap 1

check "read-mrz without a document: 6" run_ctl 6 read-mrz mock-A1-document-reader
check "NoMedia said" err_has "no document"
check "inspect without a document: 6" run_ctl 6 inspect mock-A1-document-reader
check "inspect: NoMedia said" err_has "no document"
check "mock: document on the reader" mock present-document A1 t01
check "inspect" run_ctl 0 inspect mock-A1-document-reader
check "inspect: the model" out_has "^model: MOCK-TD3-2020$"
check "inspect: every check passed" \
        out_has "^passed: uv-dullness uv-patterns ir-b900 ir-mrz visible-patterns$"
check "inspect: none failed" out_has "^failed:$"
check "inspect --json" run_ctl 0 inspect mock-A1-document-reader --json
check "inspect --json: verdicts" \
        json_ok 'd["model"] == "MOCK-TD3-2020" and len(d["passed"]) == 5 and d["failed"] == [] and d["undetermined"] == []'
check "read-mrz" run_ctl 0 read-mrz mock-A1-document-reader
check "read-mrz: the lines" test "$(grep -c '^[A-Z0-9<]\{44\}$' "$WORK/out")" -eq 2
check "read-mrz: personal data warning on stderr" err_has "warning: the MRZ is personal data"
check "read-mrz: nothing personal on stderr" bash -c '! grep -q "<<" "$0"' "$WORK/err"
check "read-mrz --json" run_ctl 0 read-mrz mock-A1-document-reader --json
check "read-mrz --json: lines" json_ok 'len(d["mrz"]) == 2 and d["mrz"][0].startswith("P<")'
check "egated logged no MRZ" log_lacks egated.log "P<USA|<<<<"

# --- capture: personal data, so 0600 whatever the umask ----------------------------
check "capture a camera frame" bash -c 'umask 000; "$0" --user capture mock-A1-camera -o "$1"' \
        "$EGATECTL" "$WORK/frame.img"
check "frame written" test -s "$WORK/frame.img"
check "frame is 0600" test "$(mode_of "$WORK/frame.img")" = 600
check "frame is an image" bash -c 'head -c 2 "$0" | grep -q P5' "$WORK/frame.img"
check "capture a page under infrared --json" \
        run_ctl 0 --json capture mock-A1-document-reader --light infrared --output "$WORK/page.img"
check "page: size and type" json_ok 'd["bytes"] > 0 and d["mime_type"].startswith("image/")'
check "page is 0600" test "$(mode_of "$WORK/page.img")" = 600
echo old >"$WORK/replaced.img"
chmod 644 "$WORK/replaced.img"
check "capture over an existing file" run_ctl 0 capture mock-A1-camera -o "$WORK/replaced.img"
check "the file is replaced" bash -c '! grep -q old "$0"' "$WORK/replaced.img"
check "the replaced file is 0600" test "$(mode_of "$WORK/replaced.img")" = 600
check "--light on a camera: 2" run_ctl 2 capture mock-A1-camera --light ultraviolet -o "$WORK/x.img"
check "capture from a door: 2" run_ctl 2 capture mock-A1-entry-door -o "$WORK/x.img"
check "capture into a missing directory: 1" \
        run_ctl 1 capture mock-A1-camera -o "$WORK/no/such/dir.img"
check "no temporary files left" bash -c '! ls -a "$0" | grep -q egatectl-capture' "$WORK"
check "mock: the mantrap empties" mock leave A1 mantrap 1
check "capture with nobody in view: 6" run_ctl 6 capture mock-A1-camera -o "$WORK/nobody.img"
check "failed capture leaves no file" test ! -e "$WORK/nobody.img"

# --- monitor -----------------------------------------------------------------
"$EGATECTL" --user monitor >"$WORK/monitor.out" 2>"$WORK/monitor.err" &
MONITOR_PID=$!
BACKGROUND+=("$MONITOR_PID")
"$EGATECTL" --user monitor --json >"$WORK/monitor.json" 2>"$WORK/monitor-json.err" &
MONITOR_JSON_PID=$!
BACKGROUND+=("$MONITOR_JSON_PID")
check "monitor ready" wait_file "$WORK/monitor.err" "^Monitoring org.egate.EGate1"
check "monitor --json ready" wait_file "$WORK/monitor-json.err" "^Monitoring org.egate.EGate1"

check "lane-mode closed" run_ctl 0 lane-mode A1 closed "egatectl monitor test"
check "monitor: ModeChanged" \
        wait_file "$WORK/monitor.out" "lane A1 ModeChanged mode=closed reason=\"egatectl monitor test\""
check "monitor: Mode property" \
        wait_file "$WORK/monitor.out" "lane A1 PropertyChanged property=mode value=closed old_value=manual$"
check "monitor: timestamp first" \
        grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}\.[0-9]{3} lane A1 ModeChanged" "$WORK/monitor.out"
check "mock: unplug the camera" mock unplug A1-camera
check "monitor: device removed" wait_file "$WORK/monitor.out" " device mock-A1-camera removed$"
check "monitor: lane no longer ready" \
        wait_file "$WORK/monitor.out" "lane A1 PropertyChanged property=ready value=no old_value=yes$"
check "mock: replug the camera" mock replug A1-camera
check "monitor: device added" \
        wait_file "$WORK/monitor.out" " device mock-A1-camera added class=camera lane=A1 role=camera"
check "mock: force the exit door" mock door A1-exit-door forced
check "monitor: ForcedOpen" wait_file "$WORK/monitor.out" " device mock-A1-exit-door ForcedOpen$"
check "monitor --json: removal" \
        wait_file "$WORK/monitor.json" '"id":"mock-A1-camera","event":"removed"'
check "monitor --json: one object per line" "$PYTHON" -c '
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
assert events, "no events"
assert all(set(e) == {"timestamp", "source", "id", "event", "args"} for e in events)
assert any(e["event"] == "ModeChanged" and e["args"]["mode"] == "closed" for e in events)
assert any(e["event"] == "StateChanged" or e["event"] == "removed" for e in events)
' "$WORK/monitor.json"
kill -INT "$MONITOR_PID" "$MONITOR_JSON_PID"
wait_exit "$MONITOR_PID"
check "monitor exits 0 on SIGINT" test "$EXITED" -eq 0
wait_exit "$MONITOR_JSON_PID"
check "monitor --json exits 0 on SIGINT" test "$EXITED" -eq 0

# --- device failures -----------------------------------------------------------
check "lane-mode manual again" run_ctl 0 lane-mode A1 manual "fault tests"
check "mock: the entry door fails its next move" mock fault A1-entry-door '*' error 1
check "failed door: 6" run_ctl 6 door mock-A1-entry-door open
check "mock: clear faults" mock clear-faults A1-entry-door
check "mock: the exit door hangs" mock fault A1-exit-door door-open hang 1
check "--timeout gives up: 6" run_ctl 6 --timeout 0.5 door mock-A1-exit-door open
check "NoReply named" err_has "NoReply|Timeout"

# --- egated gone ---------------------------------------------------------------
"$EGATECTL" --user claim mock-A1-indicator >"$WORK/claim.out" 2>"$WORK/claim.err" &
CLAIM_PID=$!
BACKGROUND+=("$CLAIM_PID")
check "claim before egated stops" wait_file "$WORK/claim.out" "^Claimed"
stop_egated TERM
wait_exit "$CLAIM_PID"
check "claim ends with egated: 7" test "$EXITED" -eq 7
check "door after egated stopped: 7" run_ctl 7 door mock-A1-entry-door open

# --- a refused plugin, with a hostile file name ---------------------------------
# egated names a plugin by its file when the file has no readable descriptor;
# a file name that is not printable never reaches the bus (egatectl's own
# escaping of hostile strings is covered by test-egatectl-output.c).
mkdir "$WORK/plugins"
echo "not an ELF file" >"$WORK/plugins/"$'junk\033[2J.so'
start_egated refused.log --mock "$SCENARIOS/all-devices.json" --plugin-dir "$WORK/plugins" \
        --plugin-dir "$MOCK_DIR"
check "egated starts beside a refused plugin" wait_log refused.log "running on the session bus" 15
check "status counts the problem" run_ctl 0 status
check "status: one problem" out_has "^  2 total, 1 with problems$"
check "status: the problem, sanitised by egated" out_has '^  \(file name not printable\) +refused +not an ELF file$'
check "plugins" run_ctl 0 plugins
check "plugins: sanitised name" out_has '^\(file name not printable\) +- +- +- +refused +not an ELF file$'
check "plugins: no raw escape reaches the terminal" bash -c '! grep -q $'"'"'\033'"'"' "$0"' "$WORK/out"
check "plugins --json" run_ctl 0 plugins --json
check "plugins --json: the name as egated sent it" \
        json_ok 'any(p["name"] == "(file name not printable)" and p["state"] == "refused" for p in d)'
stop_egated TERM

finish
