#!/bin/bash
# Swap over ENBD-J (ENBD's -s) alone, inside the guest (run by itests/kernel-attach/vm/run-guest.sh through
# features-kernel.sh with ENBD_FEATURES_GUEST=swap-guest.sh): the way to iterate on the swap path without paying for
# the other scenarios. The swap store is the guest's virtio disk /dev/vda (ENBD_VM_DISK), served with direct I/O,
# so the server's writes need no page cache; the server stands in for a remote machine (its cgroup may not swap and
# keeps its memory from reclaim). The client attaches /dev/nbd0 with --memlock and
#   relay:           --feature async (ack late, a 4 MiB window), the default
#   kernel-sockets:  --kernel-sockets (the kernel writes to the server's socket itself; no feature stack)
# Then mkswap, swapon, and vm/pressure.py touches RAM + 64 MiB and reads it back. Diagnostics on the console: the
# hung-task watchdog (10 s) and, every 20 s while the pressure runs, sysrq-w (the blocked tasks' kernel stacks),
# from a loop of shell builtins only (every program in this guest comes from 9p and may itself be reclaimed).
#
#   swap-guest.sh REPO DIST [relay|kernel-sockets [OVER_MIB [MIN_FREE_KB [SERVER_MIN [SERVER [tcp|unix [EVERY]]]]]]]
# OVER_MIB: how much more than the guest's RAM the program touches (64); MIN_FREE_KB: vm.min_free_kbytes (32768);
# SERVER_MIN: the server cgroup's memory.min (256M); SERVER: plain (enbd server as is), flusher (its threads I/O
# flushers, vm/IoFlusher.java) or locked (flushers and mlockall), default flusher; tcp (127.0.0.1, the default) or
# unix (a Unix socket: no TCP retransmissions when the receiver is short of memory); EVERY: pressure.py compares
# 1 chunk in EVERY whole (1).
set -u
LOGS=/ctl # the control share: the host reads the JVMs' logs while the guest runs (run-guest.sh's directory)
REPO=${1:-/repo}
DIST=${2:-$REPO/launcher/target/dist}
MODE=${3:-relay}
OVER_MIB=${4:-64}
MIN_FREE_KB=${5:-32768}
SERVER_MIN=${6:-256M}
SERVER_KIND=${7:-flusher}
TRANSPORT=${8:-tcp}
EVERY=${9:-1}
HERE=$REPO/itests/features-kernel
IMAGES=$(dirname "$DIST") # features-kernel.sh puts the images next to the copy of the distribution
# shellcheck source=../../kernel-attach/vm/guest-checks.sh
. "$REPO/itests/kernel-attach/vm/guest-checks.sh"
. "$HERE/vm/flusher.sh" # flusher PROGRAM...
AOT=()
[ -f "$IMAGES/dist.aot" ] && AOT=(-XX:AOTCache="$IMAGES/dist.aot" -Xlog:aot=off -Xlog:cds=off)
CLIENT_OPTS=(-Xms128m -Xmx128m -XX:+AlwaysPreTouch -XX:MaxDirectMemorySize=256m -XX:ReservedCodeCacheSize=32m)
URI=nbd://127.0.0.1:10809/swap
LISTEN=127.0.0.1:10809
PIDS=()
finish() {
    swapoff -a 2>/dev/null
    [ -n "${DIAG:-}" ] && kill "$DIAG" 2>/dev/null
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    for f in $LOGS/server.log $LOGS/client.log; do [ -f "$f" ] && { echo "--- $f"; grep -v '^\s*at ' "$f" | tail -n 12; }; done
    echo "swap-guest: $passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit $?
}
trap finish EXIT
attached() { [ -e "/sys/block/$1/pid" ] && [ "$(cat "/sys/block/$1/size")" != 0 ]; }
memline() { # memline: MemFree, MemAvailable, swap used, with builtins only
    local k v _ free avail st sf
    while read -r k v _; do
        case $k in MemFree:) free=$v ;; MemAvailable:) avail=$v ;; SwapTotal:) st=$v ;; SwapFree:) sf=$v ;; esac
    done </proc/meminfo
    echo "free $((free / 1024)) MiB, available $((avail / 1024)) MiB, swap used $(((st - sf) / 1024)) MiB"
}

log "kernel $(uname -r), $(nproc) cpu, $(( $(sed -n 's/MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) / 1024 )) MiB RAM, mode $MODE"
modprobe virtio_blk
modprobe nbd nbds_max=2 || { echo "CHECK modprobe-nbd: FAILED"; failed=1; exit 1; }
wait_for 20 [ -b /dev/vda ] || { echo "CHECK swap-disk: FAILED (no /dev/vda: ENBD_VM_DISK)"; failed=1; exit 1; }
echo 10 >/proc/sys/kernel/hung_task_timeout_secs
echo 1 >/proc/sys/kernel/sysrq
dmesg -n 7
mount -t cgroup2 none /sys/fs/cgroup && echo +memory >/sys/fs/cgroup/cgroup.subtree_control \
    && mkdir /sys/fs/cgroup/server && echo 0 >/sys/fs/cgroup/server/memory.swap.max \
    && echo "$SERVER_MIN" >/sys/fs/cgroup/server/memory.min
[ "$TRANSPORT" = unix ] && { URI="nbd+unix:///swap?socket=/tmp/enbd.sock"; LISTEN=unix:/tmp/enbd.sock; }
case $SERVER_KIND in
    plain) SERVER_MAIN=("${AOT[@]}" -jar "$DIST/enbd.jar") ;;
    flusher) SERVER_MAIN=(-Xms128m -Xmx128m -XX:+AlwaysPreTouch "${AOT[@]}" -cp "$DIST/enbd.jar:$IMAGES/ioflusher" IoFlusher) ;;
    locked) SERVER_MAIN=(-Xms128m -Xmx128m -XX:+AlwaysPreTouch -XX:MaxDirectMemorySize=64m "${AOT[@]}" -cp "$DIST/enbd.jar:$IMAGES/ioflusher" IoFlusher --memlock) ;;
esac
(echo "$BASHPID" >/sys/fs/cgroup/server/cgroup.procs && flusher "$JAVA" "${JOPTS[@]}" "${SERVER_MAIN[@]}" \
    server --listen "$LISTEN" --console off --ephemeral --export "swap=device:/dev/vda,direct=true") \
    >$LOGS/server.log 2>&1 &
SERVER=$!; PIDS+=("$SERVER")
case $MODE in
    relay) ARGS=(--feature async,async.window=4M) ;;
    kernel-sockets) ARGS=(--kernel-sockets) ;;
    *) echo "swap-guest: unknown mode $MODE"; exit 2 ;;
esac
flusher "$JAVA" "${JOPTS[@]}" "${CLIENT_OPTS[@]}" "${AOT[@]}" -jar "$DIST/enbd.jar" client "$URI" --device /dev/nbd0 \
    --memlock "${ARGS[@]}" --data /tmp/client --start-timeout 280 >$LOGS/client.log 2>&1 &
CLIENT=$!; PIDS+=("$CLIENT")
if ! wait_for 280 attached nbd0; then
    echo "CHECK swap-attached: FAILED"; failed=$((failed + 1)); exit 1
fi
echo "CHECK swap-attached: ok"; passed=$((passed + 1))
log "attached: $(cat /sys/block/nbd0/backend)"
# writeback throttling (wbt) holds swap-outs back by latency; the device's latency is the relay's, not a disk's
echo 0 >/sys/block/nbd0/queue/wbt_lat_usec
# warm the path up (JIT, the pools) before it may not allocate any more
check swap-warm-up dd if=/dev/zero of=/dev/nbd0 bs=1M count=64 oflag=direct status=none
[ "$failed" = 0 ] || exit 1
echo "RESULT swap client after the warm-up: $(awk '/^VmLck|^VmRSS/ { printf "%s %d MiB ", $1, $2 / 1024 }' /proc/$CLIENT/status)"
check swap-mkswap mkswap -q /dev/nbd0
check swap-on swapon /dev/nbd0
RAM=$(( $(sed -n 's/MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) / 1024 ))
echo "RESULT swap client: $(awk '/^VmLck|^VmRSS/ { printf "%s %d MiB ", $1, $2 / 1024 }' /proc/$CLIENT/status)"
echo "RESULT swap server: $(awk '/^VmLck|^VmRSS/ { printf "%s %d MiB ", $1, $2 / 1024 }' /proc/$SERVER/status)"
echo never >/sys/kernel/mm/transparent_hugepage/enabled # no huge pages to assemble while memory runs out
sysctl -q vm.min_free_kbytes="$MIN_FREE_KB" vm.swappiness=100
log "before: $(memline)"
mkfifo /tmp/never
( exec 7<>/tmp/never; n=0
  while :; do read -r -t 5 -u 7; n=$((n + 1)); echo "[monitor $((n * 5)) s] $(memline)"
      [ $((n % 4)) = 0 ] && echo w >/proc/sysrq-trigger; done ) &
DIAG=$!
SWAP_START=$(date +%s.%N)
PRESS=$((RAM + OVER_MIB))
log "pressure: $PRESS MiB in a guest of $RAM MiB"
timeout 600 python3 "$HERE/vm/pressure.py" "$PRESS" "$EVERY"; status=$?
kill "$DIAG"; DIAG=
echo "RESULT swap pressure $PRESS MiB in $RAM MiB RAM: $(printf '%.1f' "$(echo "$(date +%s.%N) - $SWAP_START" | bc)") s, status $status"
check swap-pressure-survived [ "$status" = 0 ]
echo "RESULT swap client after: $(awk '/^VmLck|^VmRSS/ { printf "%s %d MiB ", $1, $2 / 1024 }' /proc/$CLIENT/status)"
check swap-client-alive kill -0 "$CLIENT"
check swap-off swapoff /dev/nbd0
