#!/bin/bash
# The CUSE control node test, inside the guest (run by itests/kernel-attach/vm/run-guest.sh): the distribution's
# enbd server exports a loop device with features=ioctl,ioctls=block; the distribution's enbd client attaches it
# to /dev/nbd0 with its ioctl node (--ioctl-node; the CD-ROM's node from etc/org.enbd.ioctl.node-cd.cfg); then
# vm/cuse-ioctls.py calls ioctls on /dev/enbd/nbd0-ctl (and /dev/enbd/cd-ctl, a scsi_debug CD-ROM) with fcntl.ioctl
# and compares them with the real devices.
#
#   cuse-kernel-guest.sh REPO DIST
#
# Prints "CHECK name: ok|FAILED ..." per check; exits non-zero when a check failed.
set -u
REPO=${1:-/repo}
DIST=${2:-$REPO/launcher/target/dist}
HERE=$REPO/itests/cuse-kernel
# shellcheck source=../../kernel-attach/vm/guest-checks.sh
. "$REPO/itests/kernel-attach/vm/guest-checks.sh"
AOT=()
[ -f "$HERE/target/guest/dist.aot" ] && AOT=(-XX:AOTCache="$HERE/target/guest/dist.aot" -Xlog:aot=off -Xlog:cds=off)
SERVER=
CLIENT=

finish() {
    for f in /tmp/server.log /tmp/client.log; do [ -f "$f" ] && { echo "--- $f"; grep -v '^\s*at ' "$f" | tail -n 15; }; done
    [ -n "$CLIENT" ] && kill -9 "$CLIENT" 2>/dev/null
    [ -n "$SERVER" ] && kill -9 "$SERVER" 2>/dev/null
    log "done"
    echo "cuse-kernel: $passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit $?
}
up() { # up PID LOG: the process printed its listening line; ends the script at once when the process ended
    kill -0 "$1" 2>/dev/null || { echo "CHECK server-alive: FAILED"; failed=$((failed + 1)); exit 1; }
    grep -q "listening on 127.0.0.1:10809" "$2"
}
need() { [ "$failed" = 0 ] || exit 1; } # stops at the first failed check that the rest needs
enbd() { exec "$JAVA" "${JOPTS[@]}" "${AOT[@]}" -jar "$DIST/enbd.jar" "$@"; }

trap finish EXIT
log "kernel $(uname -r), $(nproc) cpus"
check modprobe-cuse modprobe cuse
check modprobe-nbd modprobe nbd nbds_max=2
check cuse-exists test -c /dev/cuse
modprobe loop
truncate -s 48M /tmp/disk.img
LOOP=$(losetup -f --show /tmp/disk.img)
check loop-device test -b "$LOOP"
need
# a CD-ROM: scsi_debug's removable optical drive (sr_mod first, or no /dev/sr0)
modprobe sr_mod && modprobe scsi_debug ptype=5 removable=1
check cdrom-device wait_for 20 test -b /dev/sr0
CD=()
[ -b /dev/sr0 ] && CD=(--export "cd=removable:/dev/sr0,ro,features=ioctl,ioctls=cdrom") # the backend runs ioctls on its own descriptor
enbd server --listen 127.0.0.1:10809 --console off --ephemeral --start-timeout 240 \
    --export "disk=$LOOP,features=ioctl,ioctls=block" "${CD[@]}" >/tmp/server.log 2>&1 &
SERVER=$!
# the device's node comes from the command line (--ioctl-node); the CD-ROM's, a node without a device, from a
# factory configuration in the client's data directory, as the Web Console would write it
mkdir -p /tmp/client/etc
printf 'uri = nbd://127.0.0.1:10809/cd\nnode = enbd/cd-ctl\n' >/tmp/client/etc/org.enbd.ioctl.node-cd.cfg
check server-up wait_for 240 up "$SERVER" /tmp/server.log
need
log "$(grep 'listening' /tmp/server.log)"
enbd client nbd://127.0.0.1:10809/disk --device /dev/nbd0 --ioctl-node --data /tmp/client --start-timeout 240 \
    >/tmp/client.log 2>&1 &
CLIENT=$!
check node-appears wait_for 300 test -c /dev/enbd/nbd0-ctl
need
log "node: $(ls -l /dev/enbd/nbd0-ctl 2>&1)"
check nbd0-attached wait_for 120 sh -c '[ "$(blockdev --getsize64 /dev/nbd0 2>/dev/null)" = $((48 << 20)) ]'
log "client: $(grep -h 'control node\|attached' /tmp/client.log | cut -c1-160 | tr '\n' ' ')"
check cd-node-appears wait_for 60 test -c /dev/enbd/cd-ctl
python3 "$HERE/vm/cuse-ioctls.py" /dev/enbd/nbd0-ctl "$LOOP" /dev/enbd/cd-ctl /dev/sr0 | tee /tmp/py.log
check python-ran grep -q "CHECK cd-block-not-allowed-eperm" /tmp/py.log
failed=$((failed + $(grep -c "^CHECK .*FAILED" /tmp/py.log)))
passed=$((passed + $(grep -c "^CHECK .*: ok" /tmp/py.log)))
check client-logged-refusal grep -q "CDROM_DRIVE_STATUS refused" /tmp/client.log
kill "$CLIENT"
wait "$CLIENT"
rc=$?
CLIENT=
check client-exit-0 test "$rc" = 0
check nodes-removed wait_for 20 test ! -e /dev/enbd/nbd0-ctl -a ! -e /dev/enbd/cd-ctl
