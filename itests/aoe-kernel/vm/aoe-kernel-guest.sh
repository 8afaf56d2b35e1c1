#!/bin/bash
# The AoE kernel test, inside the guest (run by itests/kernel-attach/vm/run-guest.sh): the Linux kernel's AoE
# initiator (aoe.ko, aoetools) in front of ENBD-J's AoE target (the distribution's enbd server --listen aoe:IFACE),
# across a veth pair: discovery, a file system, files compared by sha256, the target killed with -9 while a file
# is written and started again (aoe.ko retransmits until it answers), fsck. The first target is the
# distribution's; the restarted one is the same engine as plain Java (AoeTargetMain), because the framework starts
# too slowly under emulation to fit the test's budget twice.
#
#   aoe-kernel-guest.sh REPO DIST
#
# Prints "CHECK name: ok|FAILED ..." per check, "RESULT ..." per figure; exits non-zero when a check failed.
set -u
REPO=${1:-/repo}
DIST=${2:-$REPO/launcher/target/dist}
HERE=$REPO/itests/aoe-kernel
IMG=/tmp/disk.img
JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
[ -x "$JAVA" ] || JAVA=/opt/jdk/bin/java
mapfile -t JOPTS <"$REPO/itests/kernel-attach/vm/jvm.options"
CP=$HERE/target/guest-tests.jar:$(ls "$HERE"/target/guest-lib/*.jar | tr '\n' ':')
START=$(date +%s.%N)
passed=0
failed=0
TARGET=

t() { printf '%6.1f' "$(echo "$(date +%s.%N) - $START" | bc)"; }
log() { echo "[$(t)] $*"; }
check() { # check NAME COMMAND...
    local name=$1; shift
    if "$@"; then echo "CHECK $name: ok"; passed=$((passed + 1))
    else echo "CHECK $name: FAILED ($*)"; failed=$((failed + 1)); fi
}
wait_for() { # wait_for SECONDS COMMAND...: polls every 0.2 s
    local limit=$1; shift
    local end=$(( $(date +%s) + limit ))
    until "$@"; do [ "$(date +%s)" -ge "$end" ] && return 1; sleep 0.2; done
}
finish() {
    [ -n "$TARGET" ] && kill -9 "$TARGET" 2>/dev/null
    for f in /tmp/target*.log; do [ -f "$f" ] && { echo "--- $f"; grep -v '^\s*at ' "$f" | tail -n 8; }; done
    log "done"
    echo "aoe-kernel: $passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit $?
}
start_target() { # start_target dist|plain LOG: the export on the veth's far end as e1.0
    local aot=() kind=$1
    [ -f "$HERE/target/guest/$kind.aot" ] && aot=(-XX:AOTCache="$HERE/target/guest/$kind.aot" -Xlog:aot=off -Xlog:cds=off)
    if [ "$kind" = dist ]; then
        "$JAVA" "${JOPTS[@]}" "${aot[@]}" -jar "$DIST/enbd.jar" server --listen aoe:aoet --console off --ephemeral \
            --start-timeout 240 --export "disk=file:$IMG,aoe=1.0" >"$2" 2>&1 &
    else
        "$JAVA" "${JOPTS[@]}" "${aot[@]}" -cp "$CP" org.enbd.itest.aoekernel.AoeTargetMain aoet "$IMG" 1.0 >"$2" 2>&1 &
    fi
    TARGET=$!
}
serving() { grep -q "AoE target on aoet" "$1"; }
device_ready() { [ -b /dev/etherd/e1.0 ] && [ "$(blockdev --getsize64 /dev/etherd/e1.0 2>/dev/null)" = $((256 << 20)) ]; }
same_sha() { [ "$(sha256sum <"$1" | cut -c1-64)" = "$(sha256sum <"$2" | cut -c1-64)" ]; }
mounted_same() { mountpoint -q /mnt && same_sha "$@"; }
exited_cleanly() { [ "$1" = 0 ] || [ "$1" = 143 ]; } # 143: plain Java ends by SIGTERM after its shutdown hook

trap finish EXIT
log "kernel $(uname -r), $(nproc) cpus"
truncate -s 256M "$IMG"
# the pair: aoe.ko on aoei, ENBD-J's target on aoet (both in the guest's one namespace)
ip link add aoei type veth peer name aoet && ip link set aoei up && ip link set aoet up \
    || { echo "CHECK veth: FAILED"; failed=1; exit 1; }
start_target dist /tmp/target1.log
head -c 48M /dev/urandom >/tmp/rand48
for n in 1 2 3; do dd if=/tmp/rand48 of=/tmp/file$n bs=1M skip=$((n * 4)) count=2 status=none; done
dd if=/tmp/rand48 of=/tmp/big bs=1M skip=16 count=24 status=none
check target-up wait_for 200 serving /tmp/target1.log
log "$(grep 'AoE target' /tmp/target1.log)"
check modprobe-aoe modprobe aoe aoe_iflist=aoei
aoe-discover
check discovered wait_for 60 device_ready
aoe-stat
check mkfs mkfs.ext4 -q -F /dev/etherd/e1.0
log "mkfs done"
check mount mount /dev/etherd/e1.0 /mnt
for n in 1 2 3; do cp /tmp/file$n /mnt/file$n; done
sync
check files-written mounted_same /tmp/file3 /mnt/file3

# the target dies (kill -9) while a file is written, and comes back: aoe.ko retransmits until it answers
dd if=/tmp/big of=/mnt/big bs=1M oflag=direct conv=fsync status=none &
WRITER=$!
sleep 1
check killed-mid-write kill -0 "$WRITER"
kill -9 "$TARGET"; wait "$TARGET" 2>/dev/null
log "target killed while writing"
start_target plain /tmp/target2.log
check target-restarted wait_for 170 serving /tmp/target2.log
log "target back"
check writes-complete wait_for 150 bash -c "! kill -0 $WRITER 2>/dev/null"
wait "$WRITER"; check writer-exit-0 [ $? = 0 ]
sync
check big-file-intact mounted_same /tmp/big /mnt/big
check umount umount /mnt
check fsck-clean e2fsck -fn /dev/etherd/e1.0
check remount-ro mount -o ro /dev/etherd/e1.0 /mnt
echo 3 >/proc/sys/vm/drop_caches
for n in 1 2 3; do check "file$n-intact" mounted_same /tmp/file$n /mnt/file$n; done
check big-file-reread mounted_same /tmp/big /mnt/big
umount /mnt
# the bytes on the target's file are the device's: the first MiB as aoe.ko reads it and as the file holds it
check device-is-file cmp -n 1048576 /dev/etherd/e1.0 "$IMG"
r=$(LC_ALL=C dd if=/dev/etherd/e1.0 of=/dev/null bs=1M count=8 iflag=direct 2>&1 | awk '/copied/ {print $(NF-1), $NF}')
echo "RESULT aoe.ko dd read $r"
kill -TERM "$TARGET"; wait "$TARGET"; rc=$?
check target-exit-clean exited_cleanly "$rc"
TARGET=
