#!/bin/bash
# The power cut from the host: trains an AOT cache for the guest's enbd server (a JVM start under emulation
# costs far less with one), creates three empty 64 MiB raw disks in target/, then boots the guest twice
# (itests/kernel-attach/vm/run-guest.sh, ENBD_VM_DISK):
#   1. power-cut-guest.sh write: sync=always on /dev/vda, fua-only on /dev/vdb, none on /dev/vdc, a writer
#      printing each acknowledged block; on POWER-CUT-NOW this script kills QEMU with -9 while the writer writes on;
#   2. power-cut-guest.sh check: every block acknowledged before the kill, as the host saw the ACK lines, is
#      looked for on each disk.
#
#   power-cut.sh [CUT]   (CUT: the block after which the power is cut, 127 by default)
#
# Needs the distribution built (launcher/target/dist, or $ENBD_DIST). Exit status: the check boot's, or 1.
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
REPO=$(cd "$HERE/../.." && pwd)
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
DIST=${ENBD_DIST:-$REPO/launcher/target/dist}
CUT=${1:-127}
RUN_GUEST=$REPO/itests/kernel-attach/vm/run-guest.sh
[ -f "$DIST/enbd.jar" ] || { echo "power-cut: build the distribution first ($DIST/enbd.jar)" >&2; exit 2; }
WORK=$HERE/target/guest
mkdir -p "$WORK"
# the guest runs a copy: a rebuild of launcher/target/dist while the guest boots would pull it from under the JVM
rm -rf "$WORK/dist" && cp -r "$DIST" "$WORK/dist" && DIST=$WORK/dist
mapfile -t JOPTS <"$REPO/itests/kernel-attach/vm/jvm.options"
rm -f "$WORK/dist.aot"
( cd /tmp && timeout 120 "$JAVA" "${JOPTS[@]}" -XX:AOTCacheOutput="$WORK/dist.aot" -jar "$DIST/enbd.jar" list ) \
    >"$WORK/dist-training.log" 2>&1 || echo "power-cut: AOT training failed (see $WORK/dist-training.log)"

DISKS="$WORK/always.raw $WORK/fua.raw $WORK/none.raw"
rm -f $DISKS "$WORK/qemu.pid"
for disk in $DISKS; do truncate -s 64M "$disk"; done

echo "power-cut: boot 1 (write, then kill -9 QEMU after block $CUT)"
always=-1 fua=-1 none=-1 cut=0
while IFS= read -r line; do
    echo "$line"
    case $line in
    "ACK always "*) always=${line#ACK always } ;;
    "ACK fua "*) fua=${line#ACK fua } ;;
    "ACK none "*) none=${line#ACK none } ;;
    POWER-CUT-NOW)
        if [ "$cut" = 0 ]; then
            kill -9 "$(cat "$WORK/qemu.pid")" && cut=1
            echo "power-cut: QEMU killed with -9"
        fi ;;
    esac
done < <(ENBD_VM_DISK="$DISKS" ENBD_VM_PIDFILE="$WORK/qemu.pid" ENBD_VM_TIMEOUT=${ENBD_VM_TIMEOUT:-400} \
    "$RUN_GUEST" "$HERE/vm/power-cut-guest.sh" "$REPO" write "$REPO" "$DIST" "$CUT" 2>&1 || true)
if [ "$cut" = 0 ] || [ "$always" -lt "$CUT" ] || [ "$fua" -lt "$CUT" ] || [ "$none" -lt "$CUT" ]; then
    echo "CHECK power-cut: FAILED (the writer did not reach block $CUT: always $always, fua $fua, none $none)"
    exit 1
fi
echo "CHECK power-cut: ok"
echo "RESULT acknowledged before the power cut: always 0..$always, fua 0..$fua, none 0..$none"

echo "power-cut: boot 2 (check)"
ENBD_VM_DISK="$DISKS" ENBD_VM_TIMEOUT=${ENBD_VM_TIMEOUT:-300} exec "$RUN_GUEST" "$HERE/vm/power-cut-guest.sh" \
    "$REPO" check "$REPO" "$CUT" "$always" "$fua" "$none"
