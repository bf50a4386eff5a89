#!/usr/bin/env bash
# The foundation, end to end: egated from the build tree on a private session
# bus with the mock plugin and every device class; clean stop with doors made
# safe; bad plugins and bad configs refused with clear messages while the
# daemon serves the rest; SIGHUP with an invalid config keeps the running one.
source "$(dirname "$0")/lib.sh"

LOADER_PLUGINS="$EGATE_BUILD_ROOT/tests/loader/plugins"
EXAMPLE_DIR="$EGATE_BUILD_ROOT/plugins/example"
SCENARIO="$SCENARIOS/all-devices.json"

start_bus

# --- command line ---------------------------------------------------------
check "--help prints usage" bash -c '"$0" --help | grep -q -- "--mock SCENARIO"' "$EGATED"
check "--version names the ABI" bash -c '"$0" --version | grep -Eq "^egated [0-9.]+ \(plugin SDK ABI 1\.[0-9]+\)"' "$EGATED"
check "unknown option exits 1" bash -c '! "$0" --no-such-option 2>/dev/null' "$EGATED"
check "bad log level is explained" bash -c '"$0" --log-level loud 2>&1 | grep -q "unknown level .loud."' "$EGATED"

# --- the mock lane: every class, then a clean stop ------------------------
start_egated mock.log --mock "$SCENARIO" --plugin-dir "$MOCK_DIR"
check "egated starts with the mock" wait_log mock.log "running on the session bus"
check "owns org.egate.EGate1" bus_name_owned
for class in document-reader chip-reader fingerprint-scanner camera door presence-sensor indicator; do
        check "mock $class loaded" log_has mock.log "added: $class from plugin mock"
done
check "lane A1 ready" log_has mock.log "lane A1: ready"
check "no personal data in the log" log_lacks mock.log "P<|<<<<"
check "device object on the bus" bash -c 'busctl --user tree org.egate.EGate1 | grep -q Device/mock_2dA1_2dexit_2ddoor'

# Unplug and replug through the live control interface: same id.
check "mock unplug" mock_ok unplug A1-exit-door
check "device removed on unplug" wait_log mock.log "device mock-A1-exit-door: removed"
check "lane out of service without its exit door" wait_log mock.log "lane A1: out of service: exit-door mock-A1-exit-door is missing"
check "mock replug" mock_ok replug A1-exit-door
check "same id after replug" wait_log mock.log "device mock-A1-exit-door: added.*\n?" 
check "same object path after replug" bash -c 'sleep 0.2; busctl --user tree org.egate.EGate1 | grep -q Device/mock_2dA1_2dexit_2ddoor' 
check "lane ready again" bash -c 'grep -c "lane A1: ready" "$0" | grep -q 2' "$WORK/mock.log"

stop_egated TERM
check "SIGTERM exits 0" test "$EXIT_STATUS" -eq 0
check "entry door made safe on stop" log_has mock.log "device mock-A1-entry-door: in its safe state"
check "exit door made safe on stop" log_has mock.log "device mock-A1-exit-door: in its safe state"
check "stopped cleanly" log_has mock.log "stopped cleanly"

# --- the service manager protocol ------------------------------------------
# READY=1 once plugins are loaded and devices found, watchdog pings, and
# STOPPING=1 on SIGTERM.  A datagram socket stands in for systemd.
socat -u "UNIX-RECV:$WORK/notify" "OPEN:$WORK/notify.msgs,creat,append" &
notify_pid=$!
for _ in $(seq 1 100); do [ -S "$WORK/notify" ] && break; sleep 0.02; done
export NOTIFY_SOCKET="$WORK/notify" WATCHDOG_USEC=200000
start_egated notify.log --mock "$SCENARIO" --plugin-dir "$MOCK_DIR"
unset NOTIFY_SOCKET WATCHDOG_USEC
check "READY=1 sent to the service manager" wait_log notify.msgs "READY=1"
check "devices were there before READY=1" log_has notify.log "device mock-A1-exit-door: added"
check "watchdog pinged" wait_log notify.msgs "WATCHDOG=1"
stop_egated TERM
check "STOPPING=1 sent on SIGTERM" wait_log notify.msgs "STOPPING=1"
kill "$notify_pid" 2>/dev/null || true

# --- mock plugins only with --mock -----------------------------------------
start_egated nomock.log --plugin-dir "$MOCK_DIR"
check "runs without --mock" wait_log nomock.log "running on the session bus"
check "mock refused without --mock" log_has nomock.log "plugin mock: refused: test-only plugin"
stop_egated INT
check "SIGINT exits 0" test "$EXIT_STATUS" -eq 0

# --- bad plugins beside good ones ------------------------------------------
if [ -d "$LOADER_PLUGINS" ]; then
        start_egated badplugins.log --mock "$SCENARIO" --plugin-dir "$LOADER_PLUGINS" --plugin-dir "$MOCK_DIR"
        check "starts despite bad plugins" wait_log badplugins.log "running on the session bus"
        check "wrong ABI major refused" log_has badplugins.log "refused: built for SDK ABI 2\.0"
        check "missing symbol refused" log_has badplugins.log "refused: .*egate_plugin_ops"
        check "non-plugin refused" log_has badplugins.log "refused: .*(not an egate plugin|no egate_plugin_descriptor)"
        check "init failure reported" log_has badplugins.log "failed: init failed"
        check "mock still serves" log_has badplugins.log "lane A1: ready"
        check "Manager.Plugins shows the reasons" bash -c 'busctl --user get-property org.egate.EGate1 /org/egate/EGate1 org.egate.EGate1.Manager Plugins | grep -q "built for SDK ABI 2.0"'
        stop_egated TERM
        check "stops cleanly with bad plugins around" test "$EXIT_STATUS" -eq 0
fi

# --- configuration ----------------------------------------------------------
cat >"$WORK/bad.conf" <<CONF
[daemon]
log-level = loud
[lane.A1]
entry-door = nowhere
CONF
set +e
"$EGATED" --user --config "$WORK/bad.conf" >"$WORK/badconf.log" 2>&1
status=$?
set -e
check "invalid config refuses to start" test "$status" -ne 0
check "bad value reported as file:line" log_has badconf.log "bad.conf:2: .*log-level"
check "unknown device reported as file:line" log_has badconf.log "bad.conf:4: .*nowhere"

lockfile="$WORK/entry-lock"
echo 0 >"$lockfile"
cat >"$WORK/good.conf" <<CONF
[daemon]
log-level = info
[device.entry]
plugin = example-door
class = door
fail-mode = secure
lock-path = $lockfile
travel-ms = 50
CONF
start_egated reload.log --config "$WORK/good.conf" --plugin-dir "$EXAMPLE_DIR"
check "starts with a declared example door" wait_log reload.log "device example-door-entry: added"
cp "$WORK/good.conf" "$WORK/good.conf.orig"
printf '[daemon]\nmock = perhaps\n' >"$WORK/good.conf"
kill -HUP "$EGATED_PID"
check "invalid config on SIGHUP refused" wait_log reload.log "new configuration refused; keeping the running one"
check "reload error names file:line" log_has reload.log "good.conf:2: .*mock"
check "still serving after refused reload" bus_name_owned
check "door still there after refused reload" bash -c 'busctl --user tree org.egate.EGate1 | grep -q example_2ddoor_2dentry'
cp "$WORK/good.conf.orig" "$WORK/good.conf"
sed -i 's/travel-ms = 50/travel-ms = 60/' "$WORK/good.conf"
kill -HUP "$EGATED_PID"
check "valid config on SIGHUP applied" wait_log reload.log "configuration reloaded"
stop_egated TERM
check "example door locked on stop (fail-secure)" bash -c 'test "$(cat "$0")" = 1' "$lockfile"
check "stop after reload exits 0" test "$EXIT_STATUS" -eq 0

finish
