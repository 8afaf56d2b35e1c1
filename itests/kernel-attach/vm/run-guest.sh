#!/bin/bash
# run-guest.sh: boots Debian's stock kernel (it has the nbd driver; the build hosts do not) under QEMU/TCG
# and runs one guest script as root there. The guest's userland is the host's own /usr and /etc (9p, read-only),
# so every tool installed on the host (java, nbd-client, e2fsprogs) is there too.
#
#   run-guest.sh GUEST_SCRIPT REPO_DIR [ARGS...]
#
# The guest sees REPO_DIR at /repo and at its host path (read-only; class paths and AOT caches built on the host
# stay valid), the JDK at /opt/jdk and at its host path (it is under /usr), the kernel's modules at /lib/modules.
# Exit status: the guest script's, 124 on timeout, 125 when the VM could not run the script.
# Environment: ENBD_VM_CACHE (/var/cache/enbd-vm), ENBD_VM_TIMEOUT (300 s), ENBD_VM_MEM (2048 MiB),
# ENBD_VM_CPUS (1: see below), ENBD_VM_JDK (/usr/lib/jvm/temurin-25-jdk-amd64), ENBD_VM_KERNEL_PKG (resolved by apt).
# ENBD_VM_DISK (none): raw image files, space-separated, attached as virtio-blk disks /dev/vda, /dev/vdb, ...
# (cache=writeback: the host's page cache keeps what QEMU wrote even when QEMU dies; modprobe virtio_blk in the
# guest). ENBD_VM_PIDFILE (none): QEMU writes its pid there, so the host can kill it hard (kill -9: a power cut
# for the guest, whose page cache is lost); run-guest.sh then exits 125 (no exit status).
set -euo pipefail

die() { echo "run-guest: $*" >&2; exit 125; }
[ $# -ge 2 ] || { echo "usage: run-guest.sh GUEST_SCRIPT REPO_DIR [ARGS...]" >&2; exit 2; }
GUEST_SCRIPT=$(realpath "$1"); REPO=$(realpath "$2"); shift 2
CACHE=${ENBD_VM_CACHE:-/var/cache/enbd-vm}
TIMEOUT=${ENBD_VM_TIMEOUT:-300}
JDK=${ENBD_VM_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
HERE=$(dirname "$(realpath "$0")")

need_tools() {
    local missing=()
    command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
    command -v depmod >/dev/null || missing+=(kmod)
    command -v cpio >/dev/null || missing+=(cpio)
    [ ${#missing[@]} -eq 0 ] && return
    [ "$(id -u)" = 0 ] || die "missing ${missing[*]} (install them, or run as root)"
    apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1; apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; } \
        || die "cannot install ${missing[*]}"
}

# The package linux-image-amd64 depends on now (e.g. linux-image-6.1.0-56-amd64); the cache keeps older ones.
kernel_package() {
    if [ -n "${ENBD_VM_KERNEL_PKG:-}" ]; then echo "$ENBD_VM_KERNEL_PKG"; return; fi
    local pkg
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)
    if [ -z "$pkg" ]; then
        apt-get update -q >/dev/null 2>&1 || true
        pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)
    fi
    if [ -z "$pkg" ]; then  # offline: the newest kernel already extracted
        pkg=$(ls -1 "$CACHE/kernels" 2>/dev/null | sort -V | tail -1)
    fi
    [ -n "$pkg" ] || die "cannot resolve linux-image-amd64"
    echo "$pkg"
}

fetch_deb() { # fetch_deb PACKAGE DESTDIR: apt-get download, then extract (nothing is installed on the host)
    local pkg=$1 dest=$2 tmp
    tmp=$(mktemp -d "$CACHE/dl.XXXXXX")
    ( cd "$tmp" && { apt-get download -q "$pkg" >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1; apt-get download -q "$pkg" >/dev/null 2>&1; }; } ) \
        || { rm -rf "$tmp"; die "apt-get download $pkg failed"; }
    mkdir -p "$dest.part" && dpkg-deb -x "$tmp"/*.deb "$dest.part" && mv "$dest.part" "$dest"
    rm -rf "$tmp"
}

prepare_kernel() {
    KPKG=$(kernel_package)
    KROOT="$CACHE/kernels/$KPKG"
    if [ ! -d "$KROOT" ]; then
        echo "run-guest: fetching $KPKG" >&2
        fetch_deb "$KPKG" "$KROOT"
    fi
    KVER=$(ls -1 "$KROOT/lib/modules" | head -1)
    KERNEL="$KROOT/boot/vmlinuz-$KVER"
    [ -f "$KERNEL" ] || die "no kernel image in $KROOT"
    [ -f "$KROOT/lib/modules/$KVER/modules.dep" ] || depmod -b "$KROOT" "$KVER"
}

prepare_busybox() {
    BUSYBOX="$CACHE/busybox/bin/busybox"
    [ -x "$BUSYBOX" ] || fetch_deb busybox-static "$CACHE/busybox"
    [ -x "$BUSYBOX" ] || die "busybox-static has no bin/busybox"
}

# The initramfs: busybox, our init and the modules needed to mount the 9p shares. Keyed by the init's hash.
prepare_initramfs() {
    local key mods dir
    key=$(cat "$HERE/guest-init.sh" "$0" | sha256sum | cut -c1-12)
    INITRD="$CACHE/initramfs-$KVER-$key.cpio.gz"
    [ -f "$INITRD" ] && return
    dir=$(mktemp -d "$CACHE/initramfs.XXXXXX")
    mkdir -p "$dir/.bb" "$dir/.mods"
    cp "$BUSYBOX" "$dir/.bb/busybox"
    cp "$HERE/guest-init.sh" "$dir/init"; chmod 755 "$dir/init"
    # insmod order: dependencies first, as modprobe would load them
    mods=$(for m in virtio_pci 9pnet_virtio 9p; do modprobe -d "$KROOT" -S "$KVER" --show-depends "$m"; done \
        | awk '$1 == "insmod" && !seen[$2]++ { print $2 }')
    : > "$dir/.mods/order"
    for m in $mods; do
        cp "$m" "$dir/.mods/"
        basename "$m" >> "$dir/.mods/order"
    done
    ( cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1 ) > "$INITRD.part"
    mv "$INITRD.part" "$INITRD"
    rm -rf "$dir"
}

need_tools
mkdir -p "$CACHE/kernels"
exec 9>"$CACHE/.lock"
flock 9
prepare_kernel
prepare_busybox
prepare_initramfs
flock -u 9

CTL=$(mktemp -d /tmp/enbd-vm.XXXXXX)
trap 'rm -rf "$CTL"' EXIT
cp "$GUEST_SCRIPT" "$CTL/script.sh"
# the guest runs the script through this: a JVM that crashed in the guest leaves an error file (hs_err: in /tmp, the
# guest's working directory, or /tmp/enbd-hs_err_PID.log from ./enbd) that dies with the guest, so its head goes to
# the console after the script
cat >"$CTL/guest.sh" <<'GUEST'
/usr/bin/bash /ctl/script.sh "$@"
rc=$?
for f in /tmp/hs_err_pid*.log /tmp/enbd-hs_err_*.log; do
    [ -f "$f" ] || continue
    echo "run-guest: a JVM crashed, its error file $f begins:"
    head -n 60 "$f" | sed 's/^/    /'
done
exit $rc
GUEST
printf '%q ' "$@" > "$CTL/args"

share() { # share TAG HOSTDIR [ro]
    local ro=""; [ "${3:-}" = ro ] && ro=",readonly=on"
    echo "-fsdev local,id=$1,path=$2,security_model=none$ro -device virtio-9p-pci,fsdev=$1,mount_tag=$1"
}
shares="$(share usr /usr ro) $(share etc /etc ro) $(share mods "$KROOT/lib/modules/$KVER" ro) $(share repo "$REPO" ro) $(share ctl "$CTL")"
[ -d "$JDK" ] && shares="$shares $(share jdk "$JDK" ro)"
for disk in ${ENBD_VM_DISK:-}; do
    [ -f "$disk" ] || die "ENBD_VM_DISK: no file $disk"
    shares="$shares -drive file=$(realpath "$disk"),format=raw,if=virtio,cache=writeback"
done
[ -n "${ENBD_VM_PIDFILE:-}" ] && shares="$shares -pidfile $ENBD_VM_PIDFILE"

set +e
# One vCPU by default: with two, multi-threaded TCG races HotSpot's patching of compiled code (a method made not
# entrant while another vCPU runs it), and a JVM in the guest dies of SIGILL/SIGSEGV in C1 code now and then
# (issue 20; itests/jvm-start/README.md: 1 boot in 8 with 2 vCPUs, 20 of 20 clean with 1). The kernel-attach test
# takes the same time with one (193 s in the guest against 208 s with two).
# shellcheck disable=SC2086
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -machine q35,accel=tcg -cpu max -smp "${ENBD_VM_CPUS:-1}" \
    -m "${ENBD_VM_MEM:-2048}" -kernel "$KERNEL" -initrd "$INITRD" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1 enbd.kver=$KVER enbd.repo=$REPO" \
    -nographic -serial mon:stdio -nic none -no-reboot $shares </dev/null | sed -u 's/\r$//'
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 124 ] && { echo "run-guest: timed out after ${TIMEOUT}s" >&2; exit 124; }
[ -f "$CTL/status" ] || die "the guest reported no exit status (qemu exited $rc)"
exit "$(cat "$CTL/status")"
