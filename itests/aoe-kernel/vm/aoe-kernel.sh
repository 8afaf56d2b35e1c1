#!/bin/bash
# The AoE kernel test from the host: trains an AOT cache for the guest's JVM (a JVM start under emulation costs
# far less with one), then boots the guest (itests/kernel-attach/vm/run-guest.sh) and runs aoe-kernel-guest.sh
# there. Needs the distribution built (launcher/target/dist, or $ENBD_DIST) and aoetools on the host (the guest's
# /usr is the host's). Exit status: the guest's.
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
REPO=$(cd "$HERE/../.." && pwd)
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
DIST=${ENBD_DIST:-$REPO/launcher/target/dist}
[ -f "$DIST/enbd.jar" ] || { echo "aoe-kernel: build the distribution first ($DIST/enbd.jar)" >&2; exit 2; }
mapfile -t JOPTS <"$REPO/itests/kernel-attach/vm/jvm.options"
mkdir -p "$HERE/target/guest"
[ -f "$HERE/target/guest-tests.jar" ] || { echo "aoe-kernel: build the module first (mvn install)" >&2; exit 2; }
train() { # train KIND COMMAND...: records an AOT cache for KIND with the guest's JVM options
    local aot=$HERE/target/guest/$1.aot log=$HERE/target/guest/$1-training.log
    shift
    rm -f "$aot"
    ( cd /tmp && timeout 120 "$JAVA" "${JOPTS[@]}" -XX:AOTCacheOutput="$aot" "$@" ) >"$log" 2>&1 \
        || echo "aoe-kernel: AOT training failed (see $log); the guest runs without"
}
train dist -jar "$DIST/enbd.jar" list # boots the framework once: its class path is what AOT can cache
train plain -cp "$HERE/target/guest-tests.jar:$(ls "$HERE"/target/guest-lib/*.jar | tr '\n' ':')" \
    org.enbd.itest.aoekernel.AoeTargetMain train
ENBD_VM_TIMEOUT=${ENBD_VM_TIMEOUT:-420} exec "$REPO/itests/kernel-attach/vm/run-guest.sh" \
    "$HERE/vm/aoe-kernel-guest.sh" "$REPO" "$REPO" "$DIST"
