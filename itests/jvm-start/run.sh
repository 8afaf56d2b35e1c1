#!/bin/bash
# The JVM start test (issue 20): boots the kernel VM (shared/kernel-vm/run-in-vm.sh) BOOTS times in a row and runs
# jvm-start-guest.sh in each boot: the distribution's server and client started with ./enbd, as in the issue.
#
#   itests/jvm-start/run.sh [BOOTS]          (default 20; one VM at a time)
#
# Environment: JVMSTART_REPO (the checkout whose ./enbd and distribution run; default this one: build it first,
# e.g. ./enbd --version, and keep its sources still while the boots run), JVMSTART_LOGS (the consoles, one file a
# boot; default a new directory under /tmp), JVMSTART_HARNESS (shared: ../shared/kernel-vm/run-in-vm.sh beside the
# repo, or KERNEL_VM, with its VM_* variables; project: itests/kernel-attach/vm/run-guest.sh, the kernel-attach
# test's own boot (q35, cwd /tmp), with its ENBD_VM_* variables; default shared).
# Prints one line a boot and "jvm-start: N passed, N failed"; exit status 0 when every boot passed.
set -uo pipefail
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
BOOTS=${1:-20}
REPO=$(cd "${JVMSTART_REPO:-$HERE/../..}" && pwd)
KERNEL_VM=${KERNEL_VM:-$(cd "$HERE/../.." && pwd)/../shared/kernel-vm/run-in-vm.sh}
LOGS=${JVMSTART_LOGS:-$(mktemp -d /tmp/jvm-start.XXXXXX)}
mkdir -p "$LOGS"
HARNESS=${JVMSTART_HARNESS:-shared}
case $HARNESS in
    shared) [ -x "$KERNEL_VM" ] || { echo "jvm-start: no kernel VM harness at $KERNEL_VM (set KERNEL_VM)" >&2; exit 2; } ;;
    project) KERNEL_VM=$HERE/../kernel-attach/vm/run-guest.sh ;;
    *) echo "jvm-start: JVMSTART_HARNESS is shared or project" >&2; exit 2 ;;
esac
# the guest uses the host's /usr: gdb (a core's backtraces) and nbdcopy must be installed here
missing=()
command -v gdb >/dev/null || missing+=(gdb)
command -v nbdcopy >/dev/null || missing+=(libnbd-bin)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1
        apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; } || echo "jvm-start: cannot install ${missing[*]}" >&2
fi
# the guest cannot build: the distribution must be there and fresh (./enbd builds it when stale)
"$REPO/enbd" --version >"$LOGS/build.log" 2>&1 || { cat "$LOGS/build.log" >&2; exit 2; }
echo "jvm-start: $BOOTS boots of $REPO ($(head -1 "$LOGS/build.log")) through the $HARNESS harness," \
    "${JVMSTART_CPUS:-1} vCPU, consoles in $LOGS"
# one vCPU unless told otherwise (JVMSTART_CPUS): with two, QEMU's multi-threaded TCG lets one vCPU run code the JIT
# is rewriting on the other, and about one boot in eight a JVM dies of SIGILL in its own compiled code (README)
CPUS=${JVMSTART_CPUS:-1}
export VM_CPUS=$CPUS ENBD_VM_CPUS=$CPUS
export VM_EXTRA_SHARES="${VM_EXTRA_SHARES:-} $REPO:/repo:ro" ENBD_VM_TIMEOUT=${ENBD_VM_TIMEOUT:-600}
boot() { # boot LABEL: one VM, the guest script sees the checkout at /repo
    if [ "$HARNESS" = project ]; then "$KERNEL_VM" "$HERE/jvm-start-guest.sh" "$REPO" /repo "$1"
    else "$KERNEL_VM" "$HERE/jvm-start-guest.sh" -- /repo "$1"; fi
}
passed=0
failed=0
for ((b = 1; b <= BOOTS; b++)); do
    console=$LOGS/boot-$b.log
    start=$(date +%s)
    boot "boot-$b" >"$console" 2>&1
    rc=$?
    line=$(grep -a '^JVMSTART ' "$console" | tail -1)
    if [ "$rc" = 0 ] && [[ $line == *": ok"* ]]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        [ -n "$line" ] || line="JVMSTART boot-$b: FAILED (guest exit status $rc, no result line)"
        grep -a -v '^cpu flags:' "$console" | sed 's/^/    /' | tail -n 400
    fi
    echo "$line [$(($(date +%s) - start)) s, console $console]"
done
echo "jvm-start: $passed passed, $failed failed"
[ "$failed" = 0 ]
