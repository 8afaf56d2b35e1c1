#!/bin/bash
# The removable-media test from the host: trains an AOT cache for the guest's JVMs (a JVM start under emulation
# costs far less with one), then boots the guest (itests/kernel-attach/vm/run-guest.sh) and runs
# media-kernel-guest.sh there. Needs the distribution built (launcher/target/dist, or $ENBD_DIST).
# Exit status: the guest's.
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
REPO=$(cd "$HERE/../.." && pwd)
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
DIST=${ENBD_DIST:-$REPO/launcher/target/dist}
[ -f "$DIST/enbd.jar" ] || { echo "media-kernel: build the distribution first ($DIST/enbd.jar)" >&2; exit 2; }
mapfile -t JOPTS <"$REPO/itests/kernel-attach/vm/jvm.options"
mkdir -p "$HERE/target/guest"
aot=$HERE/target/guest/dist.aot
rm -f "$aot"
# boots the framework once: its class path is what AOT can cache
( cd /tmp && timeout 120 "$JAVA" "${JOPTS[@]}" -XX:AOTCacheOutput="$aot" -jar "$DIST/enbd.jar" list ) \
    >"$HERE/target/guest/dist-training.log" 2>&1 \
    || echo "media-kernel: AOT training failed (see target/guest/dist-training.log); the guest runs without"
ENBD_VM_TIMEOUT=${ENBD_VM_TIMEOUT:-600} exec "$REPO/itests/kernel-attach/vm/run-guest.sh" \
    "$HERE/vm/media-kernel-guest.sh" "$REPO" "$REPO" "$DIST" "${ENBD_MEDIA_ATTACH_WAIT:-300}"
