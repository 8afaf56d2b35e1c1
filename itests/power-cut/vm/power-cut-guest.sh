#!/bin/bash
# The power cut, inside the guest (run by itests/kernel-attach/vm/run-guest.sh with two virtio disks).
#
#   power-cut-guest.sh write REPO DIST CUT            boot 1: the distribution's enbd server serves /dev/vda
#       with features=sync,sync=always, /dev/vdb with sync=fua-only and /dev/vdc with sync=none; the writer writes
#       numbered blocks to all three (FUA only on the first half of fua's) and prints "ACK EXPORT N" per answered
#       write and POWER-CUT-NOW after block CUT; the host then kills QEMU with -9 (this script never ends by
#       itself: it fails after 120 s if nobody killed it)
#   power-cut-guest.sh check REPO CUT ALWAYS FUA NONE  boot 2: the same disks, read directly: is each block the
#       host saw acknowledged (0..ALWAYS, 0..FUA, 0..NONE) as the writer wrote it?
#
# Prints "CHECK name: ok|FAILED ..." per check and "RESULT ..." per figure; exits non-zero when a check failed.
set -u
MODE=$1
REPO=${2:-/repo}
HERE=$REPO/itests/power-cut
# shellcheck source=../../kernel-attach/vm/guest-checks.sh
. "$REPO/itests/kernel-attach/vm/guest-checks.sh"

finish() {
    [ -f /tmp/server.log ] && { echo "--- /tmp/server.log"; grep -v '^\s*at ' /tmp/server.log | tail -n 8; }
    log "done"
    echo "power-cut: $passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit $?
}
disks() { [ -b /dev/vda ] && [ -b /dev/vdb ] && [ -b /dev/vdc ]; }
trap finish EXIT

log "kernel $(uname -r), $(nproc) cpus, $(awk '/MemTotal/ { print int($2 / 1024) " MiB" }' /proc/meminfo)"
modprobe virtio_blk
check disks wait_for 30 disks

case $MODE in
write)
    DIST=$3 CUT=$4
    # dirty pages stay in memory until written by someone: no periodic writeback, no expiry, no background
    # threshold within reach (the writer's 3 x 8 MiB are far below 80 % of the guest's RAM)
    sysctl -qw vm.dirty_writeback_centisecs=0 vm.dirty_expire_centisecs=8640000 \
        vm.dirty_background_ratio=80 vm.dirty_ratio=90
    aot=()
    [ -f "$HERE/target/guest/dist.aot" ] && aot=(-XX:AOTCache="$HERE/target/guest/dist.aot" -Xlog:aot=off -Xlog:cds=off)
    "$JAVA" "${JOPTS[@]}" "${aot[@]}" -jar "$DIST/enbd.jar" server --listen 127.0.0.1:10809 --console off \
        --ephemeral --start-timeout 240 \
        --export "always=device:/dev/vda,features=sync,sync=always" \
        --export "fua=device:/dev/vdb,features=sync,sync=fua-only" \
        --export "none=device:/dev/vdc,features=sync,sync=none" >/tmp/server.log 2>&1 &
    SERVER=$!
    up_or_gone() { grep -q "enbd: listening on" /tmp/server.log || ! kill -0 "$SERVER" 2>/dev/null; }
    wait_for 240 up_or_gone
    check server-up grep -q "enbd: listening on" /tmp/server.log
    grep "enbd: listening" /tmp/server.log
    check none-warns grep -q "sync=none" /tmp/server.log
    log "writing"
    /usr/bin/python3 "$HERE/vm/power-cut-writer.py" write nbd://127.0.0.1:10809/ "$CUT"
    check killed-by-the-host false
    ;;
check)
    CUT=$3 ALWAYS=$4 FUA=$5 NONE=$6
    checked() { /usr/bin/python3 "$HERE/vm/power-cut-writer.py" check "$@" | tee "/tmp/$2-$3.result"; }
    checked /dev/vda always 0 "$ALWAYS"
    checked /dev/vdb fua 0 $((CUT / 2 - 1))
    checked /dev/vdb fua $((CUT / 2)) "$FUA"
    checked /dev/vdc none 0 "$NONE"
    check always-keeps-every-acknowledged-write grep -q " lost=0 " /tmp/always-0.result
    check fua-only-keeps-every-fua-write grep -q " lost=0 " /tmp/fua-0.result
    check fua-only-loses-plain-writes grep -q " lost=[1-9]" "/tmp/fua-$((CUT / 2)).result"
    check none-loses-acknowledged-writes grep -q " lost=[1-9]" /tmp/none-0.result
    ;;
*)
    echo "power-cut-guest: unknown mode $MODE"; failed=1 ;;
esac
