#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Run test programs inside a QEMU guest booted on the installed Debian kernel,
# where the hardware the host lacks can be simulated for real:
#   - gpio-sim, built here out of tree from Debian's kernel source (Debian's
#     6.1 kernel does not ship it), for the gpio plugin;
#   - vivid, the kernel's virtual video driver (a Debian module), for v4l2.
#
# usage: run-guest-tests.sh --work DIR [--plugin SO]... [--test PROGRAM]...
#
# The guest's console carries each program's "ok"/"not ok" lines; this script
# prints them, totals them, and exits 0 only if every program ran to its end
# with no failure.  It exits 77 (a skip for meson) with the reason when the
# machine cannot run the guest: no qemu, no kernel image, headers or busybox.
#
# Environment: EGATE_QEMU_TIMEOUT (seconds, default 600), EGATE_QEMU_MEMORY
# (MiB, default 1024), EGATE_TEST_DEBUG, ASAN_OPTIONS and UBSAN_OPTIONS are
# passed into the guest.
set -euo pipefail

work=
plugins=()
tests=()
while [ $# -gt 0 ]; do
        case "$1" in
        --work) work=$2; shift 2 ;;
        --plugin) plugins+=("$2"); shift 2 ;;
        --test) tests+=("$2"); shift 2 ;;
        *) echo "usage: $0 --work DIR [--plugin SO]... [--test PROGRAM]..." >&2; exit 2 ;;
        esac
done
if [ -z "$work" ] || [ ${#tests[@]} -eq 0 ]; then
        echo "$0: --work and --test are required" >&2
        exit 2
fi

say() { echo "qemu-guest: $*"; }
skip() { say "SKIP: $*"; exit 77; }

# ---- What the host must have --------------------------------------------------------------

command -v qemu-system-x86_64 >/dev/null ||
        skip "qemu-system-x86_64 not found (Debian: qemu-system-x86)"
[ "$(uname -m)" = x86_64 ] || skip "the guest is x86_64 only, this is $(uname -m)"
for tool in cpio gzip make gcc dpkg-query dpkg-deb apt-get ldd xz; do
        command -v "$tool" >/dev/null || skip "$tool not found"
done
busybox=$(command -v busybox || true)
[ -n "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1 ||
        skip "no static busybox (Debian: busybox-static)"

# The newest installed Debian kernel image that has its headers and modules.
kver=
while read -r pkg status; do
        [ "$status" = installed ] || continue
        v=${pkg#linux-image-}
        v=${v%-unsigned}
        [ -r "/boot/vmlinuz-$v" ] && [ -d "/lib/modules/$v/kernel" ] &&
                [ -e "/lib/modules/$v/build/Makefile" ] || continue
        kver=$v
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' 'linux-image-[0-9]*' 2>/dev/null |
         sort -V)
[ -n "$kver" ] || skip "no installed linux-image-* with its linux-headers-* and modules" \
        "(Debian: linux-image-amd64 and linux-headers-amd64)"
kseries=$(echo "$kver" | cut -d. -f1,2)
kimage_version=$(dpkg-query -W -f='${Version}' "linux-image-$kver" 2>/dev/null ||
                 dpkg-query -W -f='${Version}' "linux-image-$kver-unsigned")
say "kernel $kver (package version $kimage_version)"

mkdir -p "$work"
work=$(cd "$work" && pwd)

# ---- gpio-sim, out of tree ----------------------------------------------------------------

# Debian does not build gpio-sim (nor irq_sim, which it needs); both come from the kernel
# source of the same series.  irq_to_desc() is not exported to modules, so the one call
# that uses it is rewritten to its exported equivalent.
gpio_sim_ko="$work/gpio-sim-$kver/gpio-sim-oot.ko"
build_gpio_sim() {
        local src="$work/gpio-sim-$kver" deb
        rm -rf "$src" && mkdir -p "$src"
        deb=$(ls "$work"/linux-source-"$kseries"_*.deb 2>/dev/null | head -n1 || true)
        if [ -z "$deb" ]; then
                say "fetching linux-source-$kseries"
                # The source of the running image's version if the archive still has it.
                (cd "$work" &&
                 { timeout 600 apt-get download -q "linux-source-$kseries=$kimage_version" ||
                   timeout 600 apt-get download -q "linux-source-$kseries"; }) >/dev/null 2>&1 ||
                        skip "cannot download linux-source-$kseries (apt-get download failed)"
                deb=$(ls "$work"/linux-source-"$kseries"_*.deb | head -n1)
        fi
        dpkg-deb --fsys-tarfile "$deb" |
                tar -xO --wildcards "*/linux-source-$kseries.tar.xz" | xz -dc |
                tar -x -C "$src" --strip-components=3 \
                        "linux-source-$kseries/drivers/gpio/gpio-sim.c" \
                        "linux-source-$kseries/drivers/gpio/gpiolib.h" \
                        "linux-source-$kseries/kernel/irq/irq_sim.c"
        sed -i 's/handle_simple_irq(irq_to_desc(\([a-z_]*\)));/generic_handle_irq_safe(\1);/' \
                "$src/irq_sim.c"
        printf 'obj-m := gpio-sim-oot.o\ngpio-sim-oot-y := gpio-sim.o irq_sim.o\n' >"$src/Makefile"
        make -s -C "/lib/modules/$kver/build" M="$src" modules >"$src/build.log" 2>&1 || {
                cat "$src/build.log"
                say "building gpio-sim failed"
                exit 1
        }
        rm -f "$deb" # 130 MB for three files: the module is what we keep
}
if [ ! -f "$gpio_sim_ko" ]; then
        say "building gpio-sim for $kver"
        build_gpio_sim
fi

# ---- The initramfs ------------------------------------------------------------------------

root="$work/root"
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,modules,plugins,tests}
cp "$busybox" "$root/bin/busybox"

# A program and every shared library it loads, at the same paths as on the host.
copy_with_libs() {
        local file=$1 dest=$2 lib
        cp -L "$file" "$dest"
        while read -r lib; do
                [ -e "$root$lib" ] && continue
                mkdir -p "$root$(dirname "$lib")"
                cp -L "$lib" "$root$lib"
        done < <(ldd "$file" | grep -o '/[^ ]*' | sort -u)
}

# Kernel modules, decompressed, in an order that loads dependencies first.
modules_order=()
add_module() {
        local rel=$1 name out
        name=$(basename "$rel")
        name=${name%.xz}
        name=${name%.zst}
        for out in "${modules_order[@]}"; do [ "$out" = "$name" ] && return 0; done
        case "$rel" in
        *.xz) xz -dc "/lib/modules/$kver/$rel" >"$root/modules/$name" ;;
        *.zst) zstd -qdc "/lib/modules/$kver/$rel" >"$root/modules/$name" ;;
        *) cp "/lib/modules/$kver/$rel" "$root/modules/$name" ;;
        esac
        modules_order+=("$name")
}
# modules.dep lists a module's dependencies so that loading them in reverse works.
add_module_with_deps() {
        local want=$1 line deps i
        line=$(grep -E "(^|/)$want\.ko(\.xz|\.zst)?:" "/lib/modules/$kver/modules.dep" |
               head -n1) || return 1
        [ -n "$line" ] || return 1
        read -r -a deps <<<"${line#*:}"
        for ((i = ${#deps[@]} - 1; i >= 0; i--)); do add_module "${deps[i]}"; done
        add_module "${line%%:*}"
}

add_module_with_deps configfs || skip "configfs is not a module of $kver"
cp "$gpio_sim_ko" "$root/modules/"
modules_order+=(gpio-sim-oot.ko)
have_vivid=0
if add_module_with_deps vivid; then
        have_vivid=1
else
        say "vivid is not a module of $kver: the v4l2 tests will find no camera"
fi
printf '%s\n' "${modules_order[@]}" >"$root/modules/order"

for p in "${plugins[@]}"; do copy_with_libs "$p" "$root/plugins/"; done
for t in "${tests[@]}"; do copy_with_libs "$t" "$root/tests/"; done

{
        echo '#!/bin/busybox sh'
        echo '/bin/busybox --install -s /bin'
        echo 'mount -t proc proc /proc; mount -t sysfs sysfs /sys'
        echo 'mount -t devtmpfs devtmpfs /dev; mount -t tmpfs tmpfs /tmp'
        echo 'for m in $(cat /modules/order); do'
        echo '        case $m in'
        # Only a video capture node, single-planar: /dev/video0 is the camera.
        echo '        vivid.ko) insmod /modules/$m n_devs=1 node_types=0x1 multiplanar=1 ;;'
        echo '        *) insmod /modules/$m ;;'
        echo '        esac || echo "egate-guest: insmod $m failed"'
        echo 'done'
        echo 'mount -t configfs configfs /sys/kernel/config'
        echo 'export EGATE_TEST_PLUGIN_DIR=/plugins HOME=/tmp TMPDIR=/tmp'
        echo "export EGATE_GUEST_HAVE_VIVID=$have_vivid"
        for var in EGATE_TEST_DEBUG ASAN_OPTIONS UBSAN_OPTIONS; do
                [ -n "${!var:-}" ] && printf "export %s='%s'\n" "$var" "${!var}"
        done
        echo 'for t in /tests/*; do'
        echo '        n=${t##*/}'
        echo '        echo "egate-guest: start $n"'
        echo '        $t 2>&1'
        echo '        echo "egate-guest: exit $n $?"'
        echo 'done'
        echo 'echo "egate-guest: all done"'
        echo 'poweroff -f'
} >"$root/init"
chmod +x "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.cpio.gz"
rm -rf "$root"
say "initramfs $(du -h "$work/initrd.cpio.gz" | cut -f1)"

# ---- Boot ---------------------------------------------------------------------------------

log="$work/console.log"
timeout=${EGATE_QEMU_TIMEOUT:-600}
say "booting (TCG, timeout ${timeout}s)"
start=$(date +%s)
rc=0
timeout --kill-after=10 "$timeout" qemu-system-x86_64 \
        -accel tcg -m "${EGATE_QEMU_MEMORY:-1024}" -smp 1 \
        -nodefaults -no-user-config -display none -serial stdio -no-reboot \
        -kernel "/boot/vmlinuz-$kver" -initrd "$work/initrd.cpio.gz" \
        -append "console=ttyS0 quiet loglevel=3 panic=-1" \
        </dev/null 2>&1 | tr -d '\r' >"$log" || rc=$?
say "guest ran $(($(date +%s) - start))s"
cat "$log"
[ $rc -eq 0 ] || say "qemu exited with $rc$([ $rc -eq 124 ] && echo ' (timed out)')"

# ---- Results ------------------------------------------------------------------------------

passed=$(grep -cE '^ok [0-9]+' "$log" || true)
failed=$(grep -cE '^not ok [0-9]+' "$log" || true)
for t in "${tests[@]}"; do
        n=$(basename "$t")
        if ! grep -q "^egate-guest: exit $n 0$" "$log"; then
                say "$n did not finish cleanly"
                failed=$((failed + 1))
        fi
done
if ! grep -q '^egate-guest: all done' "$log"; then
        say "the guest did not reach its end"
        failed=$((failed + 1))
fi
echo "qemu-guest: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
