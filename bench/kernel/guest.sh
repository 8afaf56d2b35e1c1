#!/bin/bash
# The kernel path benchmark, inside the guest (run by run-guest.sh from bench/kernel-vm): fio on /dev/nbd0 with the
# kernel's nbd driver connected by Debian's nbd-client and by ENBD-J's `enbd client --device`, in turns, both to
# the same server (nbdkit memory on loopback, so only the client side differs).
#
#   guest.sh REPO DIST REPS SECONDS CONNECTIONS
#
# Prints one "SAMPLE client workload rep MiB/s IOPS" line per run and "BENCH-DONE" at the end.
set -u
REPO=$1 DIST=$2 REPS=$3 SECONDS_PER_RUN=$4 CONNS=$5
JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
[ -x "$JAVA" ] || JAVA=/opt/jdk/bin/java
PORT=10810
START=$(date +%s.%N)
log() { printf '[%6.1f] %s\n' "$(echo "$(date +%s.%N) - $START" | bc)" "$*"; }
wait_for() { local end=$(( $(date +%s) + $1 )); shift; until "$@"; do [ "$(date +%s)" -ge "$end" ] && return 1; sleep 0.2; done; }
attached() { [ "$(cat /sys/block/nbd0/size 2>/dev/null || echo 0)" -gt 0 ]; }
detached() { [ "$(cat /sys/block/nbd0/size 2>/dev/null || echo 0)" = 0 ]; }

modprobe nbd nbds_max=2 || { echo "BENCH-FAILED no nbd module"; exit 1; }
nbdkit -f -p "$PORT" -i 127.0.0.1 memory 1G >/tmp/nbdkit.log 2>&1 &
NBDKIT=$!
wait_for 20 nbdinfo --size "nbd://127.0.0.1:$PORT" >/dev/null 2>&1 || { echo "BENCH-FAILED nbdkit did not start"; exit 1; }
# the device is filled once so reads are of data, not of never-written memory pages
nbdcopy -- [ nbdkit pattern 256M ] "nbd://127.0.0.1:$PORT" || { echo "BENCH-FAILED fill"; exit 1; }

mapfile -t JOPTS <"$REPO/itests/kernel-attach/vm/jvm.options"
# the benchmark wants the optimising compiler, which the functional test's options switch off
JOPTS=($(printf '%s\n' "${JOPTS[@]}" | grep -v '^-XX:TieredStopAtLevel='))
AOT=$REPO/itests/kernel-attach/target/guest/dist.aot
ENBD=
attach() { # attach CLIENT: nbd-client, enbd (the relay) or enbd-kernel-sockets
    if [ "$1" = nbd-client ]; then
        nbd-client 127.0.0.1 "$PORT" /dev/nbd0 -C "$CONNS" -N "" >/tmp/nbd-client.log 2>&1 \
            || { echo "BENCH-FAILED nbd-client: $(cat /tmp/nbd-client.log)"; exit 1; }
    else
        local aot=()
        [ -f "$AOT" ] && aot=(-XX:AOTCache="$AOT" -Xlog:aot=off -Xlog:cds=off)
        local mode=()
        [ "$1" = enbd-kernel-sockets ] && mode=(--kernel-sockets)
        $JAVA "${JOPTS[@]}" "${aot[@]}" -jar "$DIST/enbd.jar" client "nbd://127.0.0.1:$PORT" --device /dev/nbd0 \
            --connections "$CONNS" "${mode[@]}" --ephemeral >/tmp/enbd-client.log 2>&1 &
        ENBD=$!
    fi
    wait_for 180 attached || { echo "BENCH-FAILED $1 did not attach"; tail -20 /tmp/enbd-client.log; exit 1; }
}
detach() { # detach CLIENT
    if [ "$1" = nbd-client ]; then
        nbd-client -d /dev/nbd0 >/dev/null 2>&1
    else
        kill -TERM "$ENBD"; wait "$ENBD" 2>/dev/null
    fi
    wait_for 30 detached || { echo "BENCH-FAILED $1 did not detach"; exit 1; }
}
run_fio() { # run_fio NAME RW BS DEPTH: prints "MiB/s IOPS"
    fio --name="$1" --filename=/dev/nbd0 --direct=1 --ioengine=libaio --rw="$2" --bs="$3" --iodepth="$4" \
        --size=256M --runtime="$SECONDS_PER_RUN" --time_based --ramp_time=1 --randrepeat=0 --output-format=json \
        2>/dev/null | python3 -c '
import json, sys
job = json.load(sys.stdin)["jobs"][0]
side = job["write"] if job["write"]["io_bytes"] > job["read"]["io_bytes"] else job["read"]
print("%.1f %.0f" % (side["bw_bytes"] / 1048576, side["iops"]))'
}
WORKLOADS=("seq-read-1M-qd4 read 1M 4" "seq-write-1M-qd4 write 1M 4" "rand-read-4k-qd1 randread 4k 1"
           "rand-write-4k-qd1 randwrite 4k 1" "rand-read-4k-qd16 randread 4k 16" "rand-write-4k-qd16 randwrite 4k 16")
for rep in $(seq 1 "$REPS"); do
    # alternate the order, so no client always runs on a warmer guest
    if [ $((rep % 2)) = 1 ]; then ORDER="nbd-client enbd enbd-kernel-sockets"
    else ORDER="enbd-kernel-sockets enbd nbd-client"; fi
    for client in $ORDER; do
        log "rep $rep: attaching $client"
        attach "$client"
        for w in "${WORKLOADS[@]}"; do
            set -- $w
            result=$(run_fio "$1" "$2" "$3" "$4")
            echo "SAMPLE $client $1 $rep $result"
        done
        detach "$client"
    done
done
kill "$NBDKIT" 2>/dev/null
echo "BENCH-DONE"
