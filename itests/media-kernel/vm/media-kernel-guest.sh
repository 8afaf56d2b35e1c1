#!/bin/bash
# The removable-media test, inside the guest (run by itests/kernel-attach/vm/run-guest.sh): the distribution's
# enbd server exports three removable: media, a read-only loop device (disk), an image file (img) and a
# scsi_debug CD-ROM (cd, with the ioctl feature and ioctls=cdrom); one enbd client attaches them to /dev/nbd0,
# /dev/nbd1 and /dev/nbd2 (a data directory holding the three devices), all on loopback.
#
#   media-kernel-guest.sh REPO DIST [ATTACH_WAIT]
#
# Prints "CHECK name: ok|FAILED ..." per check and "RESULT ..." per figure; exits non-zero when a check failed.
set -u
REPO=${1:-/repo}
DIST=${2:-$REPO/launcher/target/dist}
ATTACH_WAIT=${3:-300} # seconds for both JVMs to start and the three devices to attach
HERE=$REPO/itests/media-kernel
PORT=10809
URI=nbd://127.0.0.1:$PORT
M=/tmp/media
MIB=$((1 << 20))
# check, log, wait_for, $JAVA and JOPTS
. "$REPO/itests/kernel-attach/vm/guest-checks.sh"
AOT=()
[ -f "$HERE/target/guest/dist.aot" ] && AOT=(-XX:AOTCache="$HERE/target/guest/dist.aot" -Xlog:aot=off -Xlog:cds=off)
SERVER=
CLIENT=

finish() {
    [ -n "$CLIENT" ] && kill -TERM "$CLIENT" 2>/dev/null && wait "$CLIENT" 2>/dev/null
    [ -n "$SERVER" ] && kill -TERM "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    echo "--- uevents"; cat /tmp/uevents.log 2>/dev/null | grep -E 'nbd[0-9]+ ' | cut -c1-200
    for f in /tmp/server.log /tmp/client.log; do echo "--- $f"; grep -v '^\s*at ' "$f" | tail -n 40; done
    log "done"
    echo "media-kernel: $passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit $?
}
# the distribution's command; run as a simple command, so that a background one's $! is the JVM itself (kill
# -STOP must reach it, not a subshell)
ENBD=("$JAVA" "${JOPTS[@]}" "${AOT[@]}" -jar "$DIST/enbd.jar")
fill() { # fill CHAR MIB FILE: a file of MIB MiB, every byte CHAR
    head -c $(($2 * MIB)) /dev/zero | tr '\0' "$1" >"$3"
}
first16() { head -c 16 "$1"; } # through the page cache: a stale cache shows here
is_bytes() { [ "$(first16 "$1")" = "$(printf "%016d" 0 | tr 0 "$2")" ]; }
attached() { [ -f "/sys/block/$1/pid" ] && grep -q '^enbd-j:' "/sys/block/$1/backend" 2>/dev/null; }
diskseq() { cat "/sys/block/$1/diskseq" 2>/dev/null; }
new_disk() { # new_disk DEV OLDSEQ: attached again with another disk sequence number
    attached "$1" && [ -n "$(diskseq "$1")" ] && [ "$(diskseq "$1")" != "$2" ]
}
size_is() { [ "$(blockdev --getsize64 "/dev/$1" 2>/dev/null)" = "$2" ]; }
uevents_since() { # uevents_since LINE ACTION DEV: an ACTION uevent for DEV after line LINE of the log
    tail -n +"$(($1 + 1))" /tmp/uevents.log | grep -q "^$2@/devices/virtual/block/$3 "
}
uevent_lines() { wc -l </tmp/uevents.log; }
cd_status() { # the drive's status, asked locally (CDROM_DRIVE_STATUS, CDSL_CURRENT)
    python3 -c 'import fcntl, os; fd = os.open("/dev/sr0", os.O_RDONLY | os.O_NONBLOCK)
print(fcntl.ioctl(fd, 0x5326, 0x7fffffff)); os.close(fd)'
}
block_has() { # block_has FILE BLOCK CHAR: 4 KiB block BLOCK of FILE is all CHAR
    [ "$(dd if="$1" bs=4096 skip="$2" count=1 status=none | tr -d "$3" | wc -c)" = 0 ]
}
trap finish EXIT

log "kernel $(uname -r), $(nproc) cpu"
modprobe nbd nbds_max=3 || { echo "CHECK modprobe-nbd: FAILED"; exit 1; }
modprobe loop
modprobe sr_mod && modprobe scsi_debug ptype=5 removable=1 dev_size_mb=4
python3 "$HERE/vm/uevents.py" /tmp/uevents.log &
mkdir -p $M
fill A 4 $M/a.img; fill B 4 $M/b.img; fill I 4 $M/current.img; fill J 4 $M/next.img; fill K 4 $M/third.img; fill W 1 /tmp/w.bin
LOOP=$(losetup -f --show -r $M/a.img)
check scsi-debug-cdrom wait_for 20 test -b /dev/sr0
log "loop $LOOP, $(cat /sys/block/sr0/device/model 2>/dev/null | tr -s ' ') at /dev/sr0, status $(cd_status)"

# the server and the client start together (the client retries until the server listens); the client's data
# directory holds the CD's and the image's devices, the command line adds the loop's
mkdir -p /tmp/client/etc
for dev in nbd1:img nbd2:cd; do
    printf 'uri = %s/%s\nconnections = 1\ndevice = /dev/%s\n' "$URI" "${dev#*:}" "${dev%%:*}" \
        >"/tmp/client/etc/org.enbd.kernel.device-${dev%%:*}.cfg"
done
"${ENBD[@]}" server --listen "127.0.0.1:$PORT" --console off --ephemeral --start-timeout 240 \
    --export "disk=removable:$LOOP,ro" --export "img=removable:$M/current.img" \
    --export "cd=removable:/dev/sr0,ro,features=ioctl,ioctls=cdrom" >/tmp/server.log 2>&1 &
SERVER=$!
"${ENBD[@]}" client "$URI/disk" --device /dev/nbd0 --connections 1 --data /tmp/client --console off --start-timeout 240 \
    >/tmp/client.log 2>&1 &
CLIENT=$!
check attach-all wait_for "$ATTACH_WAIT" bash -c "$(declare -f attached); attached nbd0 && attached nbd1 && attached nbd2"
[ "$failed" = 0 ] || exit 1 # the logs say why
log "attached nbd0-2"
check attach-size size_is nbd0 $((4 * MIB))

# 1. LOOP_CHANGE_FD: the loop device's file swapped for another of the same size (a new medium). The server's
# probe sees the loop's new disk sequence, the client replaces /dev/nbd0's disk: a new diskseq, a change uevent,
# and reads return the new medium's bytes, not the old ones the page cache held.
check loop-old-bytes is_bytes /dev/nbd0 A
SEQ=$(diskseq nbd0); LINE=$(uevent_lines)
T0=$(date +%s.%N)
python3 -c 'import fcntl, os, sys
loop = os.open(sys.argv[1], os.O_RDONLY); new = os.open(sys.argv[2], os.O_RDONLY)
fcntl.ioctl(loop, 0x4C06, new)  # LOOP_CHANGE_FD' "$LOOP" $M/b.img
check loop-change-fd-new-diskseq wait_for 30 new_disk nbd0 "$SEQ"
echo "RESULT loop-change-fd to new disk $(echo "$(date +%s.%N) - $T0" | bc) s (diskseq $SEQ -> $(diskseq nbd0))"
check loop-change-fd-uevent wait_for 5 uevents_since "$LINE" change nbd0
check loop-new-bytes is_bytes /dev/nbd0 B

# 2. LOOP_SET_CAPACITY after the file grew: the same medium, a new size, told with RECONFIGURE
truncate -s $((6 * MIB)) $M/b.img
losetup -c "$LOOP"
check loop-set-capacity-size wait_for 30 size_is nbd0 $((6 * MIB))
check loop-read-new-end dd if=/dev/nbd0 of=/dev/null bs=1M skip=5 count=1 iflag=direct status=none

# 3. an image replaced with mv while a write is in flight: the server is stopped with the write on the wire, the
# image replaced, the server continued; the write must not land on the new image (refused: generation fence, or
# written to the old inode); /dev/nbd1 gets a new disk and the new bytes; a write after that lands
check img-old-bytes is_bytes /dev/nbd1 I
SEQ=$(diskseq nbd1); LINE=$(uevent_lines)
kill -STOP "$SERVER"
dd if=/tmp/w.bin of=/dev/nbd1 bs=4096 count=1 seek=10 oflag=direct status=none 2>/tmp/dd-inflight.err &
WRITER=$!
sleep 2
mv $M/next.img $M/current.img
kill -CONT "$SERVER"
wait "$WRITER"; rc=$?
log "the write in flight across the change ended with $rc: $(cat /tmp/dd-inflight.err | tr '\n' ' ')"
check img-mv-new-diskseq wait_for 30 new_disk nbd1 "$SEQ"
check img-mv-uevent wait_for 5 uevents_since "$LINE" change nbd1
check img-new-bytes is_bytes /dev/nbd1 J
check inflight-write-not-on-new-medium block_has $M/current.img 10 J
check write-after-change dd if=/tmp/w.bin of=/dev/nbd1 bs=4096 count=1 seek=20 oflag=direct status=none
check write-after-change-landed block_has $M/current.img 20 W

# 3b. the same the other way round: the client is stopped, so the server has changed the medium (generation 3)
# and pushed the event before the client sends a write the kernel meant for generation 2. The server refuses every
# write until the client has taken the new medium (MEDIA_ACCEPT), and the kernel fails the write with the old disk:
# the write fails, and the new image's block 30 stays as it was
SEQ=$(diskseq nbd1)
kill -STOP "$CLIENT"
mv $M/third.img $M/current.img
sleep 3 # the server's probe (every second) sees the new inode and tells the stopped client
dd if=/tmp/w.bin of=/dev/nbd1 bs=4096 count=1 seek=30 oflag=direct status=none 2>/tmp/dd-late.err &
WRITER=$!
sleep 1
kill -CONT "$CLIENT"
wait "$WRITER"; rc=$?
log "the write sent for the old medium after the change ended with $rc: $(cat /tmp/dd-late.err | tr '\n' ' ')"
check late-write-refused [ "$rc" != 0 ]
check late-write-not-on-new-medium block_has $M/current.img 30 K
check late-new-diskseq wait_for 30 new_disk nbd1 "$SEQ"
check late-new-bytes is_bytes /dev/nbd1 K

# 4. the CD-ROM: CDROMEJECT over the net reaches the drive (its status goes from 4, disc OK, to 2, tray open),
# CDROM_DRIVE_STATUS over the net says so, the medium is gone (size 0), and an ioctl the export does not allow
# (BLKFLSBUF: ioctls=cdrom) is refused with EPERM and logged by the server
check cd-disc-ok [ "$(cd_status)" = 4 ]
check cd-size size_is nbd2 $((4 * MIB))
T0=$(date +%s.%N)
"${ENBD[@]}" ioctl /dev/nbd2 CDROMEJECT >/tmp/eject.out 2>&1; rc=$?
echo "RESULT enbd ioctl CDROMEJECT $(echo "$(date +%s.%N) - $T0" | bc) s"
cat /tmp/eject.out | grep -v '^\s*at ' | tail -n 3
check cd-eject-over-net [ "$rc" = 0 ]
check cd-tray-open [ "$(cd_status)" = 2 ]
"${ENBD[@]}" ioctl /dev/nbd2 CDROM_DRIVE_STATUS >/tmp/status.out 2>&1; rc=$?
cat /tmp/status.out | grep -v '^\s*at ' | tail -n 3
check cd-status-over-net bash -c "[ $rc = 0 ] && grep -q 'CDROM_DRIVE_STATUS = 2' /tmp/status.out"
check cd-no-medium-size-0 wait_for 30 size_is nbd2 0
"${ENBD[@]}" ioctl /dev/nbd2 BLKFLSBUF >/tmp/refused.out 2>&1; rc=$?
cat /tmp/refused.out | grep -v '^\s*at ' | tail -n 3
check ioctl-not-allowed-refused bash -c "[ $rc = 1 ] && grep -q EPERM /tmp/refused.out"
check ioctl-refusal-logged grep -q 'ioctl BLKFLSBUF from .* refused: not allowed' /tmp/server.log
