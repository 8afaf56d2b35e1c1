#!/bin/bash
# The kernel attach test, inside the guest (run by run-guest.sh): the real kernel nbd driver in front of ENBD-J's
# client engine, in front of ENBD-J's server, all on loopback.
#
#   kernel-attach-guest.sh MODE REPO [DIST]
#
# MODE says what runs each role: dist = launcher/target/dist/enbd.jar (enbd server, enbd client --device) for all;
# plain = the same engines as plain Java (GuestNode) for all; mixed = the distribution's enbd client for the first
# attach (killed with -9 later), plain Java for the server (its restart must beat the client's dead time, 180 s here, and
# Felix takes longer than that to start under emulation) and for the attach that takes the device over.
# Prints "CHECK name: ok|FAILED ..." per check, "RESULT ..." per figure; exits non-zero when a check failed.
set -u
MODE=${1:-plain}
REPO=${2:-/repo}
DIST=${3:-$REPO/launcher/target/dist}
PORT=10809
IMG=/tmp/disk.img
SIZE=$((256 << 20))
BIGGER=$((320 << 20))
JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
[ -x "$JAVA" ] || JAVA=/opt/jdk/bin/java
HERE=$REPO/itests/kernel-attach
case $MODE in
    dist) SERVER_KIND=dist CLIENT1_KIND=dist CLIENT2_KIND=dist ;;
    mixed) SERVER_KIND=plain CLIENT1_KIND=dist CLIENT2_KIND=plain ;;
    *) SERVER_KIND=plain CLIENT1_KIND=plain CLIENT2_KIND=plain ;;
esac
mapfile -t JOPTS <"$HERE/vm/jvm.options" # the same options the host trained the AOT caches with
jvm() { # jvm KIND: the java command line prefix for a role; an AOT cache trained on the host (same JDK and class
        # path) saves most of the class loading under emulation
    local aot=$HERE/target/guest/$1.aot
    echo "$JAVA" "${JOPTS[@]}"
    [ -f "$aot" ] && echo "-XX:AOTCache=$aot" -Xlog:aot=off -Xlog:cds=off
    if [ "$1" = dist ]; then echo -jar "$DIST/enbd.jar"; else echo -cp "$CP" org.enbd.itest.kernel.GuestNode; fi
}
CP=$HERE/target/guest-tests.jar:$(ls "$HERE"/target/guest-lib/*.jar | tr '\n' ':')
START=$(date +%s.%N)
passed=0
failed=0
SERVER=
CLIENT=

t() { printf '%6.1f' "$(echo "$(date +%s.%N) - $START" | bc)"; }
log() { echo "[$(t)] $*"; }
check() { # check NAME COMMAND...: runs the command, records the outcome
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
    [ -n "$CLIENT" ] && kill -9 "$CLIENT" 2>/dev/null
    [ -n "$SERVER" ] && kill -9 "$SERVER" 2>/dev/null
    log "done in $(t) s"
    echo "kernel-attach: $passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit $?
}

start_server() { # start_server LOG
    if [ "$SERVER_KIND" = dist ]; then
        $(jvm dist) server --listen "127.0.0.1:$PORT" --export "=file:$IMG" --console off --ephemeral >"$1" 2>&1 &
    else
        $(jvm plain) server "$PORT" "file:$IMG" >"$1" 2>&1 &
    fi
    SERVER=$!
}
start_client() { # start_client KIND LOG
    if [ "$1" = dist ]; then
        $(jvm dist) client "nbd://127.0.0.1:$PORT" --device /dev/nbd0 --connections 2 --dead-time 180000 --ephemeral >"$2" 2>&1 &
    else
        $(jvm plain) client "nbd://127.0.0.1:$PORT" /dev/nbd0 2 >"$2" 2>&1 &
    fi
    CLIENT=$!
}
listening() { grep -q "listening" "$1"; }
attached_by() { # attached_by PID: nbd0 runs, attached by ENBD-J process PID (its backend identifier says so)
    [ -f /sys/block/nbd0/pid ] && grep -q "^enbd-j:$1:" /sys/block/nbd0/backend 2>/dev/null
}
detached() { [ ! -f /sys/block/nbd0/pid ]; }
device_size_is() { [ "$(blockdev --getsize64 /dev/nbd0)" = "$1" ]; }
exited_cleanly() { [ "$1" = 0 ] || [ "$1" = 143 ]; } # 143: plain Java ends by SIGTERM after its shutdown hook
mounted_same() { mountpoint -q /mnt && same_sha "$@"; }
same_sha() { [ "$(sha256sum <"$1" | cut -c1-64)" = "$(sha256sum <"$2" | cut -c1-64)" ]; }
dd_rate() { # dd_rate ARGS...: runs dd, prints its rate in MB/s
    LC_ALL=C dd "$@" 2>&1 | awk '/copied/ { for (i = 1; i <= NF; i++) if ($i ~ /^[kMG]B\/s$/) { r = $(i-1); u = $i } }
        END { if (u == "GB/s") r *= 1000; if (u == "kB/s") r /= 1000; print r }'
}
throughput() { # throughput NAME DEVICE: 32 MiB direct I/O in 1 MiB blocks, write then read
    local w r
    w=$(dd_rate if=/tmp/rand64 of="$2" bs=1M count=32 oflag=direct conv=fsync)
    r=$(dd_rate if="$2" of=/dev/null bs=1M count=32 iflag=direct)
    echo "RESULT $1 dd write ${w} MB/s"
    echo "RESULT $1 dd read ${r} MB/s"
    [ -n "$w" ] && [ -n "$r" ]
}

trap finish EXIT
log "mode $MODE (server $SERVER_KIND, first client $CLIENT1_KIND, second client $CLIENT2_KIND), kernel $(uname -r), $(nproc) cpus"
modprobe nbd nbds_max=2 max_part=0 || { echo "CHECK modprobe-nbd: FAILED"; failed=1; exit 1; }
truncate -s "$SIZE" "$IMG"

# 1. server and client start together (the client retries until the server listens)
start_server /tmp/server1.log
start_client "$CLIENT1_KIND" /tmp/client1.log
# test data while the JVMs start: 64 MiB of random bytes, the smaller files cut from it
head -c 64M /dev/urandom >/tmp/rand64
for n in 1 2 3 4; do dd if=/tmp/rand64 of=/tmp/file$n bs=1M skip=$((n * 8)) count=2 status=none; done
dd if=/tmp/rand64 of=/tmp/rand24 bs=1M skip=32 count=24 status=none
check attach wait_for 150 attached_by "$CLIENT"
log "attached: $(cat /sys/block/nbd0/backend)"
grep -v '^#' /run/enbd/nbd0.properties 2>/dev/null | tr '\n' ' '; echo
check device-size [ "$(blockdev --getsize64 /dev/nbd0)" = "$SIZE" ]
check state-file grep -q "^server=nbd\\\\://127.0.0.1\\\\:$PORT" /run/enbd/nbd0.properties

# 2. a file system on it
check mkfs mkfs.ext4 -q -F /dev/nbd0
log "mkfs done"
check mount mount /dev/nbd0 /mnt
for n in 1 2 3 4; do cp /tmp/file$n /mnt/file$n; done
sync
check files-written mounted_same /tmp/file4 /mnt/file4

# 3. the server dies (kill -9) while a file is being written, and comes back on the same port
log "files written"
# direct I/O, so the writes are on the wire (not in the page cache) when the server dies
dd if=/tmp/rand24 of=/mnt/big bs=1M oflag=direct conv=fsync status=none &
WRITER=$!
sleep 1
check killed-mid-write kill -0 "$WRITER"
kill -9 "$SERVER"; wait "$SERVER" 2>/dev/null
log "server killed while writing"
# down for longer than blk-mq's default 30 s request timeout (20 s here plus the restart): the kernel must not
# time the writes out, since the engine behind the relay holds them until the server is back
sleep 20
start_server /tmp/server2.log
check server-restarted wait_for 120 listening /tmp/server2.log
log "server back"
check writes-complete wait_for 120 bash -c "! kill -0 $WRITER 2>/dev/null"
wait "$WRITER"; check writer-exit-0 [ $? = 0 ]
sync
log "writes done"
check big-file-intact mounted_same /tmp/rand24 /mnt/big
check umount umount /mnt
check fsck-clean e2fsck -fn /dev/nbd0
check remount-ro mount -o ro /dev/nbd0 /mnt
for n in 1 2 3 4; do check "file$n-intact" mounted_same /tmp/file$n /mnt/file$n; done
check big-file-reread mounted_same /tmp/rand24 /mnt/big
umount /mnt

log "file system checked"

# 4. the client dies (kill -9): the kernel keeps a dead configuration; the next attach takes the device over
OLD=$CLIENT
kill -9 "$CLIENT"; wait "$CLIENT" 2>/dev/null
check left-attached attached_by "$OLD"
start_client "$CLIENT2_KIND" /tmp/client2.log
check reattach-after-kill wait_for 150 attached_by "$CLIENT"
log "re-attached: $(cat /sys/block/nbd0/backend)"
check remount-after-reattach mount -o ro /dev/nbd0 /mnt
check contents-after-reattach mounted_same /tmp/rand24 /mnt/big
umount /mnt

# 4b. the export grows on the server: its file backend notices, the server pushes the new size to the ENBD-J
# client over the negotiated ENBD extension (a standard client never hears of it), and the client resizes the
# kernel device with netlink NBD_CMD_RECONFIGURE; the new end reads
truncate -s "$BIGGER" "$IMG"
check resized wait_for 60 device_size_is "$BIGGER"
log "resized to $(blockdev --getsize64 /dev/nbd0) bytes"
check read-past-old-end dd if=/dev/nbd0 of=/dev/null bs=1M skip=$((SIZE >> 20)) count=1 iflag=direct status=none

# 5. throughput through /dev/nbd0, then through Debian's nbd-client on /dev/nbd1 against the same server
check enbd-throughput throughput enbd-j /dev/nbd0
log "dd through ENBD-J done"
# clean disconnect: SIGTERM detaches the device, the kernel lets go, the state file goes
kill -TERM "$CLIENT"; wait "$CLIENT"; rc=$?
check clean-exit exited_cleanly "$rc"
check detached detached
check state-file-removed [ ! -f /run/enbd/nbd0.properties ]
CLIENT=

# 6. --kernel-sockets (the distribution's client only): the kernel speaks to the server on sockets the client
# connected and handshook, as with nbd-client; the server is killed and restarted under a writer, the client
# notices the sockets' end and gives the kernel new ones (NBD_CMD_RECONFIGURE), and the kernel resends what it held
if [ "$CLIENT1_KIND" = dist ]; then
    $(jvm dist) client "nbd://127.0.0.1:$PORT" --device /dev/nbd0 --kernel-sockets --connections 2 --dead-time 180000 \
        --ephemeral >/tmp/client3.log 2>&1 &
    CLIENT=$!
    check kernel-sockets-attach wait_for 150 device_size_is "$BIGGER"
    log "attached with kernel sockets: $(cat /sys/block/nbd0/backend)"
    check kernel-sockets-backend grep -q "^enbd-direct nbd://127.0.0.1:$PORT" /sys/block/nbd0/backend
    # the server dies first (a write through kernel sockets is too fast to catch in flight under emulation), then
    # a writer starts: the kernel holds its requests while no socket is connected, the client reconnects both
    # sockets once the server is back, and the kernel resends them there
    kill -9 "$SERVER"; wait "$SERVER" 2>/dev/null
    log "server killed; writing through kernel sockets"
    dd if=/tmp/rand24 of=/dev/nbd0 bs=1M seek=8 oflag=direct status=none &
    WRITER=$!
    sleep 3
    check kernel-sockets-writer-held kill -0 "$WRITER"
    start_server /tmp/server3.log
    check kernel-sockets-server-back wait_for 120 listening /tmp/server3.log
    check kernel-sockets-reconnected wait_for 120 grep -q "(2 reconnects)" /tmp/client3.log
    check kernel-sockets-writes-complete wait_for 150 bash -c "! kill -0 $WRITER 2>/dev/null"
    wait "$WRITER"; check kernel-sockets-writer-exit-0 [ $? = 0 ]
    dd if=/dev/nbd0 of=/tmp/back24 bs=1M skip=8 count=24 iflag=direct status=none
    check kernel-sockets-data same_sha /tmp/rand24 /tmp/back24
    check kernel-sockets-throughput throughput enbd-kernel-sockets /dev/nbd0
    kill -TERM "$CLIENT"; wait "$CLIENT"; rc=$?
    check kernel-sockets-clean-exit exited_cleanly "$rc"
    check kernel-sockets-detached detached
    CLIENT=
fi
if nbd-client 127.0.0.1 "$PORT" /dev/nbd1 -C 2 -b 4096 >/tmp/nbd-client.log 2>&1; then
    check nbd-client-throughput throughput nbd-client /dev/nbd1
    nbd-client -d /dev/nbd1 >/dev/null 2>&1
else
    cat /tmp/nbd-client.log
    check nbd-client-attach false
fi
kill -TERM "$SERVER"; wait "$SERVER"; SERVER=
for f in /tmp/server*.log /tmp/client*.log; do echo "--- $f"; grep -v '^\s*at ' "$f" | tail -n 15; done
