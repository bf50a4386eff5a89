#!/bin/bash
# The shipped systemd files (systemd/): the unit's exposure and hardening, the
# unit as systemd parses it, and sysusers.d/tmpfiles.d applied to a scratch root.
#
#   test-unit.sh security UNIT     exposure <= 1.5 and the hardening we rely on
#   test-unit.sh verify UNIT       systemd-analyze verify says nothing
#   test-unit.sh accounts SYSUSERS TMPFILES
#
# Exit 77 (skipped) when the systemd tool a check needs is not installed.
set -euo pipefail

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

need() {
        command -v "$1" >/dev/null || { echo "SKIP: $1 not installed" >&2; exit 77; }
}

# The last value of KEY= in the unit (systemd lets later lines win, or adds up).
unit_values() {
        sed -n "s/^$1=//p" "$UNIT"
}

check_security() {
        local out score

        need systemd-analyze
        # --threshold is 10x the exposure score: 15 means "at most 1.5".
        if ! out=$(systemd-analyze security --offline=true --threshold=15 "$UNIT" 2>&1); then
                echo "$out" >&2
                fail "exposure above 1.5"
        fi
        score=$(echo "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
        [ -n "$score" ] || fail "no exposure score in systemd-analyze's output"
        echo "exposure $score"
        echo "$out" | grep '✗' || true

        # Settings a better score would tempt someone to add, and that break egated.
        ! grep -Eq '^PrivateNetwork=(yes|true|1)' "$UNIT" ||
                fail "PrivateNetwork= cuts egated off udev's device events"
        ! grep -Eq '^PrivateUsers=' "$UNIT" ||
                fail "PrivateUsers= makes sd-device drop udev's events (sender uid)"
        ! grep -Eq '^PrivateDevices=(yes|true|1)' "$UNIT" ||
                fail "PrivateDevices= hides the devices egated drives"

        # What the daemon and the rest of the system rely on.
        for kv in Type=notify User=egate Group=egate DevicePolicy=closed IPAddressDeny=any \
                  StateDirectory=egate StateDirectoryMode=0700 RuntimeDirectory=egate \
                  ConfigurationDirectory=egate CapabilityBoundingSet= NoNewPrivileges=yes \
                  "RestrictAddressFamilies=AF_UNIX AF_NETLINK" BusName=org.egate.EGate1; do
                grep -qxF "$kv" "$UNIT" || fail "missing $kv"
        done
        [ -n "$(unit_values WatchdogSec)" ] || fail "missing WatchdogSec="
        unit_values SystemCallFilter | grep -qxF '@system-service' ||
                fail "missing SystemCallFilter=@system-service"
        unit_values SystemCallFilter | grep -qxF '~@privileged @resources' ||
                fail "missing SystemCallFilter=~@privileged @resources"

        # One DeviceAllow= per device class, read-write, each saying why.
        local prev="" n=0
        while IFS= read -r line; do
                if [[ "$line" == DeviceAllow=* ]]; then
                        [[ "$line" =~ ^DeviceAllow=char-[A-Za-z0-9_]+\ rw$ ]] ||
                                fail "unexpected '$line' (want one char-CLASS rw per line)"
                        [[ "$prev" == \#* ]] || fail "'$line' has no comment above saying why"
                        n=$((n + 1))
                fi
                prev="$line"
        done <"$UNIT"
        for class in usb_device hidraw gpiochip video4linux ttyACM ttyUSB; do
                grep -qxF "DeviceAllow=char-$class rw" "$UNIT" || fail "no DeviceAllow for $class"
        done
        echo "$n DeviceAllow= lines"
}

check_verify() {
        local dir out

        need systemd-analyze
        dir=$(mktemp -d)
        trap 'rm -rf "$dir"' RETURN
        # verify wants an executable ExecStart=: the daemon is not installed here.
        sed 's|^ExecStart=.*|ExecStart=/bin/true|' "$UNIT" >"$dir/egated.service"
        out=$(systemd-analyze verify --man=no "$dir/egated.service" 2>&1) ||
                { echo "$out" >&2; fail "systemd-analyze verify failed"; }
        [ -z "$out" ] || { echo "$out" >&2; fail "systemd-analyze verify complained"; }
        echo "verify: clean"
}

check_accounts() {
        # Absolute: with --root=, the tools look for relative names inside the root.
        local sysusers tmpfiles root uid mode owner

        sysusers=$(realpath "$1")
        tmpfiles=$(realpath "$2")

        need systemd-sysusers
        need systemd-tmpfiles
        root=$(mktemp -d)
        trap 'rm -rf "$root"' RETURN
        mkdir -p "$root/etc"
        systemd-sysusers --root="$root" "$sysusers" >/dev/null 2>&1 ||
                fail "systemd-sysusers rejected $sysusers"
        for g in egate egate-operator egate-monitor; do
                grep -q "^$g:" "$root/etc/group" || fail "group $g not created"
        done
        uid=$(awk -F: '$1 == "egate" { print $3 }' "$root/etc/passwd")
        [ -n "$uid" ] || fail "user egate not created"
        awk -F: '$1 == "egate" { exit !($7 ~ /nologin$/) }' "$root/etc/passwd" ||
                fail "user egate can log in"

        if [ "$(id -u)" = 0 ]; then
                out=$(systemd-tmpfiles --root="$root" --create "$tmpfiles" 2>&1) ||
                        { echo "$out" >&2; fail "systemd-tmpfiles rejected $tmpfiles"; }
                [ -z "$out" ] || { echo "$out" >&2; fail "systemd-tmpfiles complained"; }
        else
                # Only root can hand the directory to egate: the chown is all that may fail.
                out=$(systemd-tmpfiles --root="$root" --create "$tmpfiles" 2>&1) || true
                local chown_failed='^fchownat\(\) of .*/var/lib/egate failed'

                if [ -n "$out" ] && ! [[ "$out" =~ $chown_failed ]]; then
                        echo "$out" >&2
                        fail "systemd-tmpfiles complained"
                fi
        fi
        [ -d "$root/var/lib/egate" ] || fail "/var/lib/egate not created"
        mode=$(stat -c %a "$root/var/lib/egate")
        owner=$(stat -c %u:%g "$root/var/lib/egate")
        [ "$mode" = 700 ] || fail "/var/lib/egate has mode $mode, want 700"
        if [ "$(id -u)" = 0 ]; then
                [ "$owner" = "$uid:$(awk -F: '$1 == "egate" { print $3 }' "$root/etc/group")" ] ||
                        fail "/var/lib/egate is owned by $owner, want egate:egate"
        else
                echo "not root: owner of /var/lib/egate not checked"
        fi
        echo "accounts: egate uid $uid, /var/lib/egate 0700"
}

case "${1:-}" in
security)
        UNIT=$2
        check_security
        ;;
verify)
        UNIT=$2
        check_verify
        ;;
accounts)
        check_accounts "$2" "$3"
        ;;
*)
        echo "usage: $0 security|verify UNIT | accounts SYSUSERS TMPFILES" >&2
        exit 2
        ;;
esac
