#!/bin/bash
# vm-apt-packages: libnbd-bin gdb
# One boot of the JVM start test, inside the guest (run by run.sh through shared/kernel-vm/run-in-vm.sh): the
# issue 20 scenario. 192 MiB from /dev/urandom into the guest's tmpfs, then the distribution's server on a file
# export and its client serving that export on a unix socket, both started with ./enbd (so with ./enbd's JVM
# options), the export read back through the client with nbdcopy, both stopped with SIGTERM.
#
#   jvm-start-guest.sh REPO [LABEL]
#
# REPO is the checkout whose ./enbd runs (its launcher/target/dist built and fresh: the guest cannot build).
# Prints "JVMSTART <label>: ok ..." or "JVMSTART <label>: FAILED <why>"; when a JVM dies it prints what is left of
# it: ./enbd's own report, the error file, glibc's fatal message (LIBC_FATAL_STDERR_), a core's backtraces (gdb),
# the kernel's fatal-signal report (print-fatal-signals=1 on the kernel command line). Exit status 0 when ok.
set -u
REPO=${1:?usage: jvm-start-guest.sh REPO [LABEL]}
LABEL=${2:-boot}
ENBD=$REPO/enbd
IMG=/tmp/d.img
SOCK=/tmp/d.sock
PORT=10809
START=$(date +%s.%N)
SERVER=
CLIENT=

t() { printf '%6.1f' "$(echo "$(date +%s.%N) - $START" | bc)"; }
log() { echo "[$(t)] $*"; }
fail() {
    echo "JVMSTART $LABEL: FAILED $*"
    [ -n "$CLIENT" ] && kill -9 "$CLIENT" 2>/dev/null
    [ -n "$SERVER" ] && kill -9 "$SERVER" 2>/dev/null
    exit 1
}
signame() { [ "$1" -gt 128 ] && echo "SIG$(kill -l $(($1 - 128)) 2>/dev/null)" || echo "exit $1"; }

# the trace a dead JVM leaves: its log (./enbd's report and glibc's message are at its end), the error file
# ./enbd named, any other hs_err file, a core's backtraces, the kernel's report of the fatal signal
post_mortem() { # post_mortem NAME LOG
    echo "----- $1: log ($2)"
    cat "$2"
    local f
    local code=
    for f in $(ls /tmp/enbd-hs_err_*.log /tmp/hs_err_pid*.log 2>/dev/null | sort -u); do
        echo "----- $1: $f (whole)"
        cat "$f"
        # the compiled method the crash is in: "[0xSTART+0xOFFSET]" on the problematic frame's line
        code=$(sed -n 's/^# J .* \[\(0x[0-9a-f]*\)+0x[0-9a-f]*\]$/\1/p' "$f" | head -1)
        mv "$f" "$f.seen"
    done
    for f in /tmp/cores/core.*; do
        [ -f "$f" ] || continue
        echo "----- $1: core $f: backtraces"
        gdb -batch -q -ex 'info threads' -ex 'thread apply all bt 12' "$JAVA_BIN" "$f" 2>&1 \
            | grep -v -e '^\[New LWP' -e '^warning: ' | head -n 150
        if [ -n "$code" ]; then
            echo "----- $1: core $f: the code at $code as the core holds it (bytes, then instructions)"
            gdb -batch -q -ex "x/48xb $code" -ex "x/16i $code" "$JAVA_BIN" "$f" 2>&1 \
                | grep -v -e '^\[New LWP' -e '^warning: ' -e '^\[Thread debugging' -e '^Using host libthread_db' \
                    -e '^Core was generated' -e '^Program terminated' -e '^#0 ' -e '^[0-9]*\t' | head -n 40
        fi
        rm -f "$f"
    done
    echo "----- $1: kernel messages, mounts"
    dmesg | tail -n 40
    df -m /tmp /run /dev/shm; free -m
    cat /sys/devices/system/clocksource/clocksource0/current_clocksource
    echo "-----"
}

# start NAME READY_PATTERN ARGS...: starts ./enbd ARGS in the background, waits for READY_PATTERN in its log
start() {
    local name=$1 ready=$2 log=/tmp/$1.log pid rc t0 i
    shift 2
    t0=$(date +%s)
    "$ENBD" "$@" >"$log" 2>&1 &
    pid=$!
    for ((i = 0; i < 3000; i++)); do
        if grep -q "$ready" "$log"; then
            log "$name up in $(($(date +%s) - t0)) s (pid $pid)"
            eval "${name^^}=$pid"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid"; rc=$?
            log "$name died after $(($(date +%s) - t0)) s: $(signame "$rc")"
            post_mortem "$name" "$log"
            fail "$name died at start ($(signame "$rc"))"
        fi
        sleep 0.1
    done
    post_mortem "$name" "$log"
    fail "$name not ready in 300 s"
}

stop() { # stop NAME PID: SIGTERM, then its exit status must be 0 (./enbd's clean stop)
    local rc
    kill -TERM "$2"
    wait "$2"; rc=$?
    if [ "$rc" != 0 ] && [ "$rc" != 143 ]; then
        post_mortem "$1" "/tmp/$1.log"
        fail "$1 ended with $(signame "$rc") on SIGTERM"
    fi
}

JAVA_BIN=$(readlink -f "$(command -v java)")
log "$LABEL: kernel $(uname -r), $(nproc) cpus, $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) MiB," \
    "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "cpu flags:$(sed -n 's/^flags[[:space:]]*://p' /proc/cpuinfo | head -1)"
log "clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource), cwd $PWD," \
    "java $(readlink -f "$(command -v java)")"
# every diagnosis left on: cores in /tmp/cores, glibc's fatal messages on stderr (not on a tty nobody reads)
mkdir -p /tmp/cores
ulimit -c unlimited
echo '/tmp/cores/core.%e.%p' >/proc/sys/kernel/core_pattern
echo 1 >/proc/sys/kernel/print-fatal-signals # the kernel names every fatal signal with its registers (SIGABRT too)
export LIBC_FATAL_STDERR_=1
[ -x "$ENBD" ] || fail "no $ENBD"

head -c 192M /dev/urandom >"$IMG"
log "192 MiB written to $IMG; $(free -m | awk '/^Mem:/ {print $7}') MiB available"
start server "^enbd: listening" server --listen "127.0.0.1:$PORT" --export "d=file:$IMG" --console off
start client "^enbd: serving" client "nbd://127.0.0.1:$PORT/d" --serve "unix:$SOCK"
want=$(head -c 32M "$IMG" | sha256sum | cut -c1-64)
got=$(nbdcopy "nbd+unix:///d?socket=$SOCK" - | head -c 32M | sha256sum | cut -c1-64)
[ "$want" = "$got" ] || fail "the export read through the client differs from $IMG"
log "32 MiB read back through the client: same sha256"
stop client "$CLIENT"; CLIENT=
stop server "$SERVER"; SERVER=
log "both stopped"
echo "JVMSTART $LABEL: ok in $(t) s"
