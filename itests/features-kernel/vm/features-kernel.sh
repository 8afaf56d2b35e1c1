#!/bin/bash
# The data-features kernel test from the host: makes the disk images (an ext4 "golden root" and a GPT disk with two
# partitions, p2 an ext4 with a known file), trains an AOT cache for the guest's JVMs (a JVM start under emulation
# costs far less with one), then boots the guest (itests/kernel-attach/vm/run-guest.sh) with little RAM and runs
# features-kernel-guest.sh there. Needs the distribution built (launcher/target/dist, or $ENBD_DIST), e2fsprogs
# and gdisk on the host (the guest's /usr is the host's). Exit status: the guest's.
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
REPO=$(cd "$HERE/../.." && pwd)
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
DIST=${ENBD_DIST:-$REPO/launcher/target/dist}
[ -f "$DIST/enbd.jar" ] || { echo "features-kernel: build the distribution first ($DIST/enbd.jar)" >&2; exit 2; }
OUT=${ENBD_FEATURES_OUT:-$HERE/target/guest} # the guest finds it as the directory of its DIST argument
rm -rf "$OUT" && mkdir -p "$OUT/golden" "$OUT/p2"

# the golden root: 32 MiB of ext4 that the server exports read-only
echo "the golden image's own file" >"$OUT/golden/golden.txt"
mkdir -p "$OUT/golden/etc" && echo "enbd-guest" >"$OUT/golden/etc/hostname"
mkfs.ext4 -q -F -L golden -d "$OUT/golden" "$OUT/root.img" 32M
# the partitioned disk: GPT, p1 4 MiB (sectors 2048-10239), p2 the rest, an ext4 holding p2.txt
truncate -s 24M "$OUT/gpt.img"
sgdisk -n 1:2048:10239 -t 1:8300 -c 1:one -n 2:10240:0 -t 2:8300 -c 2:two "$OUT/gpt.img" >/dev/null
p2_start=$(sgdisk -i 2 "$OUT/gpt.img" | sed -n 's/^First sector: \([0-9]*\).*/\1/p')
p2_end=$(sgdisk -i 2 "$OUT/gpt.img" | sed -n 's/^Last sector: \([0-9]*\).*/\1/p')
echo "partition two of the GPT disk" >"$OUT/p2/p2.txt"
mkfs.ext4 -q -F -L two -d "$OUT/p2" "$OUT/p2.img" "$(( (p2_end - p2_start + 1) / 2 ))k"
dd if="$OUT/p2.img" of="$OUT/gpt.img" bs=512 seek="$p2_start" conv=notrunc,sparse status=none
rm -f "$OUT/p2.img"
sgdisk -p "$OUT/gpt.img" | tail -n 3

# the guest runs a copy: other builds may rebuild launcher/target/dist while the guest runs
cp -a "$DIST" "$OUT/dist" && DIST=$OUT/dist
mapfile -t JOPTS <"$REPO/itests/kernel-attach/vm/jvm.options"
( cd /tmp && timeout 120 "$JAVA" "${JOPTS[@]}" -XX:AOTCacheOutput="$OUT/dist.aot" -jar "$DIST/enbd.jar" list ) \
    >"$OUT/dist-training.log" 2>&1 || echo "features-kernel: AOT training failed (see $OUT/dist-training.log); the guest runs without"
# the swap scenario's server runs as an I/O flusher (vm/IoFlusher.java)
"${JAVA%/java}/javac" -d "$OUT/ioflusher" "$HERE/vm/IoFlusher.java"
# the swap store: a sparse 1 GiB image, the guest's virtio disk /dev/vda (9p or the guest's RAM would not do)
truncate -s 1G "$OUT/swap.img"
GUEST=${ENBD_FEATURES_GUEST:-features-kernel-guest.sh}
if [ "$GUEST" = swap-guest.sh ]; then
    read -r -a ARGS <<<"${ENBD_SWAP_ARGS:-relay}" # swap-guest.sh alone: MODE [OVER_MIB [MIN_FREE_KB [SERVER_MIN]]]
else
    ARGS=(${ENBD_FEATURES_NOSWAP:+noswap})
fi
ENBD_VM_DISK="$OUT/swap.img" ENBD_VM_MEM=${ENBD_VM_MEM:-1536} ENBD_VM_TIMEOUT=${ENBD_VM_TIMEOUT:-600} \
    exec "$REPO/itests/kernel-attach/vm/run-guest.sh" "$HERE/vm/$GUEST" "$REPO" "$REPO" "$DIST" "${ARGS[@]}"
