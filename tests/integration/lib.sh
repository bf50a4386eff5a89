# Shared helpers for the integration tests: a private dbus-daemon, egated
# from the build tree, and assertions on its log.  Each test sources this.
set -euo pipefail

: "${EGATE_BUILD_ROOT:?run through meson test}"
: "${EGATE_SOURCE_ROOT:?run through meson test}"
EGATED="$EGATE_BUILD_ROOT/core/egated"
MOCK_DIR="$EGATE_BUILD_ROOT/plugins/mock"
SCENARIOS="$EGATE_SOURCE_ROOT/plugins/mock/scenarios"

WORK=$(mktemp -d)
chmod 0700 "$WORK"
# The mock plugin puts its control socket in the runtime directory.
export XDG_RUNTIME_DIR="$WORK"
MOCK_SOCKET="$WORK/egate-mock.sock"
BUS_PID=
EGATED_PID=
FAILURES=0
PASSES=0

cleanup() {
        [ -n "$EGATED_PID" ] && kill -9 "$EGATED_PID" 2>/dev/null || true
        [ -n "$BUS_PID" ] && kill "$BUS_PID" 2>/dev/null || true
        rm -rf "$WORK"
}
trap cleanup EXIT

start_bus() {
        local out
        out=$(dbus-daemon --session --fork --print-address=1 --print-pid=1 \
                --address="unix:path=$WORK/bus.sock")
        DBUS_SESSION_BUS_ADDRESS=$(echo "$out" | sed -n 1p)
        BUS_PID=$(echo "$out" | sed -n 2p)
        export DBUS_SESSION_BUS_ADDRESS
}

# start_egated LOGNAME ARGS...: run egated in the background, log to $WORK/LOGNAME.
# Its state (audit trail, registry) goes to $WORK/state unless ARGS name another
# --state-directory (the last one given wins).
start_egated() {
        local log=$WORK/$1
        shift
        "$EGATED" --user --state-directory "$WORK/state" "$@" >"$log" 2>&1 &
        EGATED_PID=$!
}

# wait_log LOGNAME REGEX [SECONDS]
wait_log() {
        local log=$WORK/$1 pattern=$2 seconds=${3:-10}
        local end=$((SECONDS + seconds))
        while [ $SECONDS -lt $end ]; do
                grep -Eq -- "$pattern" "$log" 2>/dev/null && return 0
                sleep 0.05
        done
        echo "--- $1 (waited ${seconds}s for /$pattern/):" >&2
        cat "$log" >&2
        return 1
}

bus_name_owned() {
        dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
                org.freedesktop.DBus.NameHasOwner string:org.egate.EGate1 | grep -q "boolean true"
}

# stop_egated SIGNAL: send it and wait (10 s); sets EXIT_STATUS.
stop_egated() {
        local i
        kill -"$1" "$EGATED_PID"
        for i in $(seq 1 200); do
                kill -0 "$EGATED_PID" 2>/dev/null || break
                sleep 0.05
        done
        if kill -0 "$EGATED_PID" 2>/dev/null; then
                echo "egated did not stop within 10 s" >&2
                EXIT_STATUS=255
                return 0
        fi
        set +e
        wait "$EGATED_PID"
        EXIT_STATUS=$?
        set -e
        EGATED_PID=
}

check() {
        local name=$1
        shift
        if "$@"; then
                PASSES=$((PASSES + 1))
                echo "ok - $name"
        else
                FAILURES=$((FAILURES + 1))
                echo "not ok - $name"
        fi
}

# mock_ctl COMMAND...: one line to the mock's control socket, prints the reply.
mock_ctl() {
        printf '%s\n' "$*" | socat -t 5 - "UNIX-CONNECT:$MOCK_SOCKET"
}

# mock_ok COMMAND...: the mock answered OK.
mock_ok() {
        mock_ctl "$@" | grep -q '^OK'
}

bus_get() { # OBJECT-PATH INTERFACE PROPERTY
        busctl --user get-property org.egate.EGate1 "$1" "$2" "$3"
}

log_has() { grep -Eq -- "$2" "$WORK/$1"; }
log_lacks() { ! grep -Eq -- "$2" "$WORK/$1"; }

finish() {
        echo "$PASSES passed, $FAILURES failed"
        [ "$FAILURES" -eq 0 ]
}
