#!/bin/bash
# The data-features kernel test, inside the guest (run by itests/kernel-attach/vm/run-guest.sh), with the nbd
# module loaded with max_part=0 and every JVM the distribution's (enbd server, enbd client --device):
#   1. NFS root by copy-on-write: the server exports a read-only ext4 image; /dev/nbd0 and /dev/nbd1 stack the cow
#      feature (nbd0's overlay in a file, cow.file), mount it read-write, write different files and see only
#      their own; the image's sha256 does not change.
#   2. partitions: a GPT disk on /dev/nbd2 shows nbd2p1 and nbd2p2 (p2 mounts, its file is there); /dev/nbd3 is
#      p2 alone through the client-side partition feature (partition=2); the table rewritten on /dev/nbd2 with
#      sgdisk is read again (the new partition appears, the server's image holds the new table).
#   3. the client process killed (SIGKILL, after a sync) and started again with the same arguments: nbd0's file
#      overlay brings its changes back, nbd1's memory overlay is gone, the image is unchanged.
#   4. swap (ENBD's -s): /dev/nbd4, attached by the restarted client with memlock and kernel sockets over a Unix
#      socket, is the only swap of the guest; a program touches more than the guest's RAM and reads it back intact.
#      The relay with --feature async is vm/swap-guest.sh's (README.md, "Swap").
#
#   features-kernel-guest.sh REPO DIST [noswap]
#
# Prints "CHECK name: ok|FAILED ..." per check, "RESULT ..." per figure; exits non-zero when a check failed.
set -u
REPO=${1:-/repo}
DIST=${2:-$REPO/launcher/target/dist}
SWAP=yes
[ "${3:-}" = noswap ] && SWAP=
HERE=$REPO/itests/features-kernel
IMAGES=$(dirname "$DIST") # features-kernel.sh puts the images next to the copy of the distribution
# shellcheck source=../../kernel-attach/vm/guest-checks.sh
. "$REPO/itests/kernel-attach/vm/guest-checks.sh" # check, log, wait_for; $JAVA and JOPTS (the AOT cache's options)
. "$HERE/vm/flusher.sh" # flusher PROGRAM...: as an I/O flusher
AOT=()
[ -f "$IMAGES/dist.aot" ] && AOT=(-XX:AOTCache="$IMAGES/dist.aot" -Xlog:aot=off -Xlog:cds=off)
# the restarted client holds the swap device: a fixed, pre-touched heap and bounded direct memory, since with
# mlockall every page it maps is resident (bundles/feature-async/README.md, "Swap over ENBD-J")
SWAP_CLIENT_OPTS=(-Xms128m -Xmx128m -XX:+AlwaysPreTouch -XX:MaxDirectMemorySize=64m -XX:ReservedCodeCacheSize=32m)
# the server stands in for a remote machine inside the guest whose memory runs out: locked (vm/IoFlusher.java
# --memlock) and an I/O flusher, in a fixed heap
SERVER_OPTS=(-Xms128m -Xmx128m -XX:+AlwaysPreTouch -XX:MaxDirectMemorySize=64m)
SOCKET=/tmp/enbd.sock
URI=nbd://127.0.0.1:10809
PIDS=()

finish() {
    swapoff -a 2>/dev/null
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    for f in /tmp/server.log /tmp/client.log /tmp/client2.log; do [ -f "$f" ] && { echo "--- $f"; grep -v '^\s*at ' "$f" | tail -n 12; }; done
    log "done"
    echo "features-kernel: $passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit $?
}
enbd() { # enbd LOG [JVM OPTIONS...] -- ARGS...: the distribution in the background; its pid in $! ($FLUSH: as an
    # I/O flusher)
    local out=$1; shift
    local opts=()
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    ${FLUSH:+flusher} "$JAVA" "${JOPTS[@]}" "${opts[@]}" "${AOT[@]}" -jar "$DIST/enbd.jar" "$@" >"$out" 2>&1 &
}
attached() { [ -e "/sys/block/$1/pid" ] && [ "$(cat "/sys/block/$1/size")" != 0 ]; }
all_attached() { local d; for d in "$@"; do attached "$d" || return 1; done; }
detached() { ! [ -e "/sys/block/$1/pid" ]; }
all_detached() { local d; for d in "$@"; do detached "$d" || return 1; done; }
has() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }
absent() { ! [ -e "$1" ]; }
mounted() { # mounted /mnt/X/...: the path is on a mounted file system (so a check cannot pass on the empty dir)
    mountpoint -q "$(echo "$1" | cut -d/ -f1-3)"
}
has_on() { mounted "$1" && has "$@"; }
absent_on() { mounted "$1" && absent "$1"; }
device_cfg() { # device_cfg DATA NAME EXPORT [KEY=VALUE...]: a kernel device kept in a client's data directory
    local data=$1 name=$2 export=$3; shift 3
    mkdir -p "$data/etc"
    { echo "uri = $URI/$export"; echo "device = /dev/$name"; for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done; } \
        >"$data/etc/org.enbd.kernel.device-$name.cfg"
}
stop() { # stop PID: SIGTERM, then its exit status
    kill -TERM "$1" 2>/dev/null
    wait "$1"
}
mounts() { # mounts DEVICE DIR [OPTIONS]
    mkdir -p "$2" && mount ${3:+-o "$3"} "$1" "$2"
}

trap finish EXIT
log "kernel $(uname -r), $(nproc) cpu, $(( $(sed -n 's/MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) / 1024 )) MiB RAM"
modprobe nbd nbds_max=5 max_part=0 || { echo "CHECK modprobe-nbd: FAILED"; failed=1; exit 1; }
check max-part-zero has /sys/module/nbd/parameters/max_part 0
ROOT_SHA=$(sha256sum <"$IMAGES/root.img" | cut -c1-64)
cp "$IMAGES/gpt.img" /tmp/gpt.img
# the swap area's backing store: the guest's virtio disk (features-kernel.sh's swap.img), served with direct I/O, so
# the server's writes need no page cache (in the guest's RAM, tmpfs, it would be swap kept in the memory it relieves)
modprobe virtio_blk
check swap-disk wait_for 20 [ -b /dev/vda ]
# the server stands in for a remote machine: its cgroup may not swap (a server that pages out onto the device it
# serves waits for itself; it is locked too) and keeps 160 MiB of its memory from reclaim
mount -t cgroup2 none /sys/fs/cgroup && echo +memory >/sys/fs/cgroup/cgroup.subtree_control \
    && mkdir /sys/fs/cgroup/server && echo 0 >/sys/fs/cgroup/server/memory.swap.max \
    && echo 160M >/sys/fs/cgroup/server/memory.min
check server-cgroup has /sys/fs/cgroup/server/memory.swap.max 0

# the server: the golden root read-only, the GPT disk writable, the swap store; on TCP and on a Unix socket (the swap
# device's: a receiver short of memory makes a Unix socket's sender wait, where TCP drops and retransmits later)
(echo "$BASHPID" >/sys/fs/cgroup/server/cgroup.procs && flusher "$JAVA" "${JOPTS[@]}" "${SERVER_OPTS[@]}" "${AOT[@]}" \
    -cp "$DIST/enbd.jar:$IMAGES/ioflusher" IoFlusher --memlock \
    server --listen 127.0.0.1:10809 --listen "unix:$SOCKET" --console off --ephemeral \
    --export "root=file:$IMAGES/root.img,ro" --export gpt=file:/tmp/gpt.img \
    --export swap=device:/dev/vda,direct=true) >/tmp/server.log 2>&1 &
SERVER=$!; PIDS+=("$SERVER")
# the client: one process for all the devices (a JVM start under emulation costs a minute or more); nbd0 from the
# command line, its overlay in a file (the feature's parameter given with --feature), nbd1 to nbd4 kept in its data
# directory (etc/*.cfg, as the launcher writes them). The swap device nbd4 is the restarted client's (step 4).
device_cfg /tmp/client nbd1 root features=cow
device_cfg /tmp/client nbd2 gpt
device_cfg /tmp/client nbd3 gpt features=partition partition=2
DEVICES=(nbd0 nbd1 nbd2 nbd3)
enbd /tmp/client.log -- client "$URI/root" --device /dev/nbd0 \
    --feature cow,cow.file=/tmp/a.cow --data /tmp/client --start-timeout 280
CLIENT=$!; PIDS+=("$CLIENT")
if ! wait_for 280 all_attached "${DEVICES[@]}"; then
    free -m; dmesg | tail -n 20
    echo "CHECK attached: FAILED"; failed=$((failed + 1)); exit 1
fi
echo "CHECK attached: ok"
log "attached: $(for d in "${DEVICES[@]}"; do echo -n "$d=$(cat /sys/block/$d/size 2>/dev/null) "; done)sectors"
grep -h "attached to" /tmp/client.log | sed 's/^.*INFO //' | head -n 5

# 1. NFS root by copy-on-write
check cow-mount-a mounts /dev/nbd0 /mnt/a
check cow-mount-b mounts /dev/nbd1 /mnt/b
check cow-golden-a has_on /mnt/a/golden.txt "the golden image's own file"
check cow-golden-b has_on /mnt/b/golden.txt "the golden image's own file"
mounted /mnt/a && echo "written by client a" >/mnt/a/a.txt && mkdir /mnt/a/home && head -c 2M /dev/urandom >/mnt/a/home/blob
mounted /mnt/b && echo "written by client b" >/mnt/b/b.txt && rm /mnt/b/etc/hostname
A_BLOB=$(sha256sum </mnt/a/home/blob 2>/dev/null | cut -c1-64)
[ -n "$A_BLOB" ] || A_BLOB=missing
sync
umount /mnt/a && umount /mnt/b && echo 3 >/proc/sys/vm/drop_caches
check cow-fsck-a e2fsck -n -f /dev/nbd0
check cow-fsck-b e2fsck -n -f /dev/nbd1
mounts /dev/nbd0 /mnt/a && mounts /dev/nbd1 /mnt/b
check cow-a-own has_on /mnt/a/a.txt "written by client a"
check cow-a-blob [ "$(sha256sum </mnt/a/home/blob 2>/dev/null | cut -c1-64)" = "$A_BLOB" ]
check cow-a-not-b absent_on /mnt/a/b.txt
check cow-a-keeps-hostname has_on /mnt/a/etc/hostname enbd-guest
check cow-b-own has_on /mnt/b/b.txt "written by client b"
check cow-b-not-a absent_on /mnt/b/a.txt
check cow-b-removed absent_on /mnt/b/etc/hostname
umount /mnt/a && umount /mnt/b
check cow-image-unchanged [ "$(sha256sum <"$IMAGES/root.img" | cut -c1-64)" = "$ROOT_SHA" ]
check cow-file-overlay [ "$(du -k /tmp/a.cow | cut -f1)" -gt 2048 ]
log "copy-on-write: a.cow $(du -k /tmp/a.cow | cut -f1) KiB on disk, image sha256 ${ROOT_SHA:0:16}... unchanged"

# 2. partitions, with max_part=0
# the client asks for a partition scan once attached (BLKRRPART): the driver does not with max_part=0
check part-p1 [ -b /dev/nbd2p1 ]
check part-p2 [ -b /dev/nbd2p2 ]
check part-p1-size [ "$(blockdev --getsize64 /dev/nbd2p1)" = $((4 << 20)) ]
grep nbd2 /proc/partitions
check part-p2-mount mounts /dev/nbd2p2 /mnt/p ro
check part-p2-file has_on /mnt/p/p2.txt "partition two of the GPT disk"
umount /mnt/p
check part-feature-size [ "$(blockdev --getsize64 /dev/nbd3)" = "$(blockdev --getsize64 /dev/nbd2p2)" ]
check part-feature-mount mounts /dev/nbd3 /mnt/p ro
check part-feature-file has_on /mnt/p/p2.txt "partition two of the GPT disk"
umount /mnt/p
# the table rewritten through the device: p1 replaced by a 2 MiB p3; sgdisk asks the kernel to read it again
check part-rewrite sgdisk -d 1 -n 3:2048:6143 -t 3:8300 -c 3:three /dev/nbd2
grep nbd2 /proc/partitions
check part-reread-p3 [ -b /dev/nbd2p3 ]
check part-reread-p3-size [ "$(blockdev --getsize64 /dev/nbd2p3 2>/dev/null)" = $((2 << 20)) ]
check part-reread-p1-gone absent /dev/nbd2p1
check part-server-image sh -c "sgdisk -p /tmp/gpt.img | grep -q ' three\$'"
check part-p2-after-rewrite mounts /dev/nbd2p2 /mnt/p ro
check part-p2-file-after-rewrite has_on /mnt/p/p2.txt "partition two of the GPT disk"
umount /mnt/p
log "partitions done"

# 3. the client process restarted: killed with SIGKILL after a sync (no clean close of the overlay: a flush is what
# makes the overlay file durable, bundles/feature-cow/README.md), then a new `enbd client` with the same arguments
# and data directory. It finds the kernel's devices still configured for the dead process (dead sockets) and takes
# them over; nbd0 opens its overlay file again, nbd1's memory overlay died with the process
mounts /dev/nbd0 /mnt/a && echo "written by client a before the kill" >/mnt/a/c.txt
sync
umount /mnt/a
kill -9 "$CLIENT"; wait "$CLIENT" 2>/dev/null
check restart-killed sh -c "! kill -0 $CLIENT 2>/dev/null"
OLD_CLIENT=$CLIENT
if [ -n "$SWAP" ]; then
    # the swap device for step 4, one more file in etc/: memlock (mlockall: the whole process) and the kernel's own
    # sockets to the server over the Unix socket; the process an I/O flusher in a fixed heap
    { echo "uri = nbd+unix:///swap?socket=$SOCKET"; echo "device = /dev/nbd4"; echo "memlock = true"
      echo "kernelSockets = true"; } >/tmp/client/etc/org.enbd.kernel.device-nbd4.cfg
    FLUSH=1
else
    SWAP_CLIENT_OPTS=()
fi
FLUSH=${FLUSH:-} enbd /tmp/client2.log "${SWAP_CLIENT_OPTS[@]}" -- client "$URI/root" --device /dev/nbd0 \
    --feature cow,cow.file=/tmp/a.cow --data /tmp/client --start-timeout 280
CLIENT=$!; PIDS+=("$CLIENT")
owned() { attached "$1" && grep -q "^enbd-j:$CLIENT:" "/sys/block/$1/backend" 2>/dev/null; } # the backend identifier
all_owned() { local d; for d in "$@"; do owned "$d" || return 1; done; }
if wait_for 280 all_owned "${DEVICES[@]}"; then echo "CHECK restart-attached: ok"; passed=$((passed + 1))
else echo "CHECK restart-attached: FAILED"; failed=$((failed + 1)); grep -v '^\s*at ' /tmp/client2.log | tail -n 20; fi
log "client $OLD_CLIENT killed, client $CLIENT attached $(for d in "${DEVICES[@]}"; do echo -n "$d=$(cut -d: -f2 /sys/block/$d/backend 2>/dev/null) "; done)"
check restart-mount-a mounts /dev/nbd0 /mnt/a
check restart-a-own has_on /mnt/a/a.txt "written by client a"
check restart-a-blob [ "$(sha256sum </mnt/a/home/blob 2>/dev/null | cut -c1-64)" = "$A_BLOB" ]
check restart-a-synced-before-kill has_on /mnt/a/c.txt "written by client a before the kill"
check restart-mount-b mounts /dev/nbd1 /mnt/b
check restart-b-memory-overlay-gone absent_on /mnt/b/b.txt
check restart-b-golden has_on /mnt/b/etc/hostname enbd-guest
umount /mnt/a && umount /mnt/b
check restart-image-unchanged [ "$(sha256sum <"$IMAGES/root.img" | cut -c1-64)" = "$ROOT_SHA" ]

# 4. swap over ENBD-J: nbd4 (the restarted client's, kernel sockets over the Unix socket) is the guest's only swap;
# a program touches the guest's RAM + 64 MiB and reads it back (1 chunk in 16 whole, the others' stamps)
if [ -n "$SWAP" ]; then
check swap-attached wait_for 60 sh -c "grep -q '^enbd-direct nbd+unix:' /sys/block/nbd4/backend 2>/dev/null"
echo 0 >/sys/block/nbd4/queue/wbt_lat_usec # no writeback throttling: the device's latency is the server's, not a disk's
dd if=/dev/zero of=/dev/nbd4 bs=1M count=16 oflag=direct status=none
check swap-mkswap mkswap -q /dev/nbd4
check swap-on swapon /dev/nbd4
check swap-only-nbd4 [ "$(swapon --show=NAME --noheadings)" = /dev/nbd4 ]
RAM=$(( $(sed -n 's/MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) / 1024 ))
echo "RESULT swap client: $(awk '/^VmLck|^VmRSS/ { printf "%s %d MiB ", $1, $2 / 1024 }' /proc/$CLIENT/status)"
echo "RESULT swap server: $(awk '/^VmLck|^VmRSS/ { printf "%s %d MiB ", $1, $2 / 1024 }' /proc/$SERVER/status)"
# headroom for the allocations that serving a swap-out needs (socket buffers): reclaim starts earlier
echo never >/sys/kernel/mm/transparent_hugepage/enabled # no huge pages to assemble while memory runs out
sysctl -q vm.min_free_kbytes=32768
log "pressure: $((RAM + 64)) MiB in a guest of $RAM MiB"
SWAP_START=$(date +%s.%N)
timeout 240 python3 "$HERE/vm/pressure.py" $((RAM + 64)) 16 >/tmp/pressure.log 2>&1; status=$?
tail -n 1 /tmp/pressure.log
check swap-pressure-survived [ "$status" = 0 ]
check swap-pressure-data-intact grep -q "chunks wrong: 0 " /tmp/pressure.log
# at least 256 MiB went through the device (the locked JVMs alone leave less than RAM + 64 - 256 for the program)
check swap-was-used [ "$(sed -n 's/.*swap in use at most \([0-9]*\) MiB.*/\1/p' /tmp/pressure.log)" -ge 256 ]
echo "RESULT swap pressure $((RAM + 64)) MiB in $RAM MiB RAM: $(printf '%.1f' "$(echo "$(date +%s.%N) - $SWAP_START" | bc)") s"
echo "RESULT swap client after: $(awk '/^VmLck|^VmRSS/ { printf "%s %d MiB ", $1, $2 / 1024 }' /proc/$CLIENT/status)"
check swap-client-alive kill -0 "$CLIENT"
check swap-off swapoff /dev/nbd4
DEVICES+=(nbd4)
fi
stop "$CLIENT"; status=$?
check client-stopped [ "$status" = 0 ]
check client-detached wait_for 20 all_detached "${DEVICES[@]}"
stop "$SERVER"; status=$?
check server-stopped [ "$status" = 0 ]
