#!/bin/bash
# The netem scenario, inside the guest (run by itests/kernel-attach/vm/run-guest.sh through aoe-netem.sh): ENBD-J's
# AoE initiator (AoeInitiatorMain, served over NBD on a Unix socket, as `enbd client aoe://aoei/1.0 --serve
# unix:PATH`) against ENBD-J's AoE target (AoeTargetMain, a file in /tmp), across a veth pair with netem on both
# ends: 1 % loss, 1 % duplication, 1 ms delay with 25 % of the frames sent at once (reordering). Both ends are
# plain Java: the framework starts too slowly under emulation.
#   1. nbdcopy copies 32 MiB of random data through the endpoint: the target's file holds it (sha256), and its
#      first 4 MiB read back equal through the endpoint.
#   2. no write applied twice: 1280 regions of 1 KiB (one frame each) written twice, version 1 then version 2,
#      both in flight (aoe-rewrites.py, libnbd, 32 regions at a time): the initiator holds version 2 back until
#      version 1 is answered and sends it at once, while a duplicated or retransmitted copy of version 1 may
#      still be in netem's queue; every sector of the target's file must hold version 2 (a copy of version 1
#      applied late leaves version 1; only a region's last step shows, hence many regions of two versions),
#      and the target must have applied exactly one write per WRITE frame of the initiator's requests (a copy
#      applied again counts twice), with some copies seen (else the scenario tested nothing).
#
#   aoe-netem-guest.sh REPO [RECENT [NETEM]]   RECENT: the target's table of recent writes (65536); 1 all but
#                                              disables its dedupe, the by-hand run that shows the checks fail
#                                              without it. NETEM: the netem parameters on both ends (by hand only)
#
# Prints "CHECK name: ok|FAILED ..." per check, "RESULT ..." per figure; exits non-zero when a check failed.
set -u
REPO=${1:-/repo}
RECENT=${2:-65536}
NETEM=${3:-loss 1% duplicate 1% delay 1ms reorder 25% 50%}
HERE=$REPO/itests/aoe-kernel
IMG=/tmp/disk.img
SOCK=/tmp/e1.0.sock
URI="nbd+unix:///?socket=$SOCK"
COPY_MIB=32
READ_MIB=4 # read back through the endpoint: reads are slower than writes under emulation (95 s for all)
REWRITE_AT=$((33 << 20)) REGIONS=1280 REGION=1024 VERSIONS=2 DEPTH=2
JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
[ -x "$JAVA" ] || JAVA=/opt/jdk/bin/java
mapfile -t JOPTS <"$REPO/itests/kernel-attach/vm/jvm.options"
CP=$HERE/target/guest-tests.jar:$(ls "$HERE"/target/guest-lib/*.jar | tr '\n' ':')
AOT=()
[ -f "$HERE/target/guest/plain.aot" ] && AOT=(-XX:AOTCache="$HERE/target/guest/plain.aot" -Xlog:aot=off -Xlog:cds=off)
START=$(date +%s.%N)
passed=0
failed=0
TARGET=
INITIATOR=

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
    [ -n "$INITIATOR" ] && kill -9 "$INITIATOR" 2>/dev/null
    [ -n "$TARGET" ] && kill -9 "$TARGET" 2>/dev/null
    for f in /tmp/target.log /tmp/initiator.log; do
        [ -f "$f" ] && { echo "--- $f"; grep -v '^\s*at ' "$f" | tail -n 8; }
    done
    log "done"
    echo "aoe-netem: $passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit $?
}
sha() { head -c "$2" "$1" | sha256sum | cut -c1-64; }
same_head() { [ "$(sha "$1" "$3")" = "$(sha "$2" "$3")" ]; } # same_head FILE1 FILE2 BYTES
same_prefix() { same_head "$1" "$2" $((COPY_MIB << 20)); }
counter() { sed -n "s/.*counters:.* $2=\([0-9]*\).*/\1/p" "$1" | tail -1; } # counter LOG NAME
stopped() { # stopped PID: SIGTERM, then its exit status must be the shutdown hook's (143) or 0
    kill -TERM "$1"; wait "$1"; local rc=$?; [ "$rc" = 0 ] || [ "$rc" = 143 ]
}

trap finish EXIT
log "kernel $(uname -r), $(nproc) cpus, target remembers $RECENT writes"
modprobe sch_netem
ip link add aoei type veth peer name aoet && ip link set aoei up && ip link set aoet up \
    || { echo "CHECK veth: FAILED"; failed=1; exit 1; }
for dev in aoei aoet; do
    # shellcheck disable=SC2086
    check "netem-$dev" tc qdisc add dev "$dev" root netem $NETEM
done
tc qdisc show dev aoei
truncate -s 35M "$IMG" # the copy in the first 32 MiB, the rewrites at 33 MiB
"$JAVA" "${JOPTS[@]}" "${AOT[@]}" -cp "$CP" org.enbd.itest.aoekernel.AoeTargetMain aoet "$IMG" 1.0 "$RECENT" \
    >/tmp/target.log 2>&1 &
TARGET=$!
"$JAVA" "${JOPTS[@]}" "${AOT[@]}" -cp "$CP" org.enbd.itest.aoekernel.AoeInitiatorMain aoei 1.0 "$SOCK" \
    >/tmp/initiator.log 2>&1 &
INITIATOR=$!
head -c $((COPY_MIB << 20)) /dev/urandom >/tmp/source
check target-up wait_for 120 grep -q "AoE target on aoet" /tmp/target.log
check initiator-up wait_for 120 grep -q "AoE initiator on aoei" /tmp/initiator.log
log "$(grep 'AoE target on' /tmp/target.log)"
log "$(grep 'AoE initiator on' /tmp/initiator.log)"

# 1. a copy through the endpoint, compared in the target's file and read back
s=$(date +%s.%N)
check copy-complete timeout 300 nbdcopy /tmp/source "$URI"
echo "RESULT nbdcopy $COPY_MIB MiB in $(echo "$(date +%s.%N) - $s" | bc | cut -c1-5) s"
check copy-in-target-file same_prefix /tmp/source "$IMG"
s=$(date +%s.%N)
check read-back timeout 120 /usr/bin/python3 "$HERE/vm/aoe-rewrites.py" read "$SOCK" 0 $((READ_MIB << 20)) /tmp/back
echo "RESULT read back $READ_MIB MiB in $(echo "$(date +%s.%N) - $s" | bc | cut -c1-5) s"
check read-back-equal same_head /tmp/source /tmp/back $((READ_MIB << 20))
rm -f /tmp/back

# 2. the same sectors rewritten version after version with duplication and reordering on
check rewrites timeout 300 /usr/bin/python3 "$HERE/vm/aoe-rewrites.py" write "$SOCK" $REWRITE_AT $REGION $REGIONS $VERSIONS \
    $DEPTH
sleep 1 # a copy still in the network lands (or not) before the file is read
check last-version-everywhere /usr/bin/python3 "$HERE/vm/aoe-rewrites.py" check "$IMG" $REWRITE_AT $REGION $REGIONS $VERSIONS
check copy-still-intact same_prefix /tmp/source "$IMG"

check initiator-exit-clean stopped "$INITIATOR"
INITIATOR=
check target-exit-clean stopped "$TARGET"
TARGET=
frames=$(counter /tmp/initiator.log writeFrames)
applied=$(counter /tmp/target.log writesApplied)
copies=$(counter /tmp/target.log duplicateWrites)
echo "RESULT initiator: $(grep 'counters:' /tmp/initiator.log | sed 's/.*counters: //')"
echo "RESULT target: $(grep 'counters:' /tmp/target.log | sed 's/.*counters: //')"
echo "RESULT write frames $frames, writes applied $applied, copies recognised $copies"
check each-write-applied-once [ "${frames:-none}" = "${applied:-unknown}" ]
check copies-were-sent [ "${copies:-0}" -gt 0 ]
