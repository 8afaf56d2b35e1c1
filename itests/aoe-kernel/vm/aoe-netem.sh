#!/bin/bash
# The netem scenario from the host: trains the AOT cache of the plain-Java target and initiator (a JVM start under
# emulation costs far less with one), then boots the guest (itests/kernel-attach/vm/run-guest.sh) and runs
# aoe-netem-guest.sh there: ENBD-J's initiator against ENBD-J's target across a veth pair with netem loss,
# duplication and reordering (this host has no netem; the guest's kernel has). Exit status: the guest's.
#
#   aoe-netem.sh [RECENT [NETEM]]   RECENT: the target's table of recent writes (65536); 1 all but disables its
#                                   dedupe (the by-hand run that shows the checks fail without it; never in CI).
#                                   NETEM: the netem parameters on both ends instead of "loss 1% duplicate 1%
#                                   delay 1ms reorder 25% 50%" (by hand only)
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
REPO=$(cd "$HERE/../.." && pwd)
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
mapfile -t JOPTS <"$REPO/itests/kernel-attach/vm/jvm.options"
mkdir -p "$HERE/target/guest"
[ -f "$HERE/target/guest-tests.jar" ] || { echo "aoe-netem: build the module first (mvn package)" >&2; exit 2; }
aot=$HERE/target/guest/plain.aot
rm -f "$aot"
( cd /tmp && timeout 120 "$JAVA" "${JOPTS[@]}" -XX:AOTCacheOutput="$aot" \
    -cp "$HERE/target/guest-tests.jar:$(ls "$HERE"/target/guest-lib/*.jar | tr '\n' ':')" \
    org.enbd.itest.aoekernel.AoeTargetMain train ) >"$HERE/target/guest/plain-training.log" 2>&1 \
    || echo "aoe-netem: AOT training failed (see $HERE/target/guest/plain-training.log); the guest runs without"
ENBD_VM_TIMEOUT=${ENBD_VM_TIMEOUT:-300} exec "$REPO/itests/kernel-attach/vm/run-guest.sh" \
    "$HERE/vm/aoe-netem-guest.sh" "$REPO" "$REPO" "${1:-65536}" \
    "${2:-loss 1% duplicate 1% delay 1ms reorder 25% 50%}"
