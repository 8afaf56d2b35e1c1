#!/bin/bash
# ./enbd's crash trace, on the host (no VM): a JVM that dies of a signal is named on stderr with its error file.
#
#   itests/jvm-start/enbd-trace-test.sh [REPO]
#
# Starts `./enbd server` (memory export, console off) five times and ends it differently each time: SIGTERM to
# ./enbd (exit 0, no report), SIGSEGV to the JVM (HotSpot's crash handler: error file, then SIGABRT; ./enbd names
# the file), SIGABRT to the JVM (no error file; ./enbd says so), SIGKILL to the JVM (./enbd says killed), SIGKILL to
# ./enbd (the JVM dies with it). Prints "enbd-trace: N passed, N failed".
set -uo pipefail
REPO=$(cd "${1:-$(dirname "$(readlink -f "$0")")/../..}" && pwd)
WORK=$(mktemp -d /tmp/enbd-trace.XXXXXX)
export ENBD_ERROR_DIR=$WORK
PORT=$((20000 + RANDOM % 20000))
passed=0
failed=0
check() { # check NAME COMMAND...
    if "${@:2}"; then echo "CHECK $1: ok"; passed=$((passed + 1)); else echo "CHECK $1: FAILED"; failed=$((failed + 1)); fi
}
"$REPO/enbd" --version >/dev/null || { echo "enbd-trace: ./enbd --version failed"; exit 2; }
LOG=
WRAPPER=
JVM=
start() { # start NAME: ./enbd server in the background, waits until it listens; sets WRAPPER and JVM
    LOG=$WORK/$1.log
    "$REPO/enbd" server --listen "127.0.0.1:$PORT" --console off >"$LOG" 2>&1 &
    WRAPPER=$!
    local i
    for ((i = 0; i < 600; i++)); do grep -qs '^enbd: listening' "$LOG" && break; sleep 0.1; done
    JVM=$(pgrep -P "$WRAPPER" java || true)
    [ -n "$JVM" ] && grep -q '^enbd: listening' "$LOG"
}
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1" | cut -c1)" = Z ]; }
ended_with() { # ended_with STATUS: waits for ./enbd, compares its exit status
    local rc
    wait "$WRAPPER"; rc=$?
    [ "$rc" = "$1" ] || { echo "  exit status $rc, expected $1"; cat "$LOG"; return 1; }
}

check term-starts start term
kill -TERM "$WRAPPER"
check term-exit-0 ended_with 0
check term-no-report bash -c "! grep -q 'enbd: the JVM' '$LOG'"

check segv-starts start segv
kill -SEGV "$JVM"
check segv-exit-134 ended_with 134
check segv-names-error-file grep -q "enbd: the JVM (pid $JVM) died of SIGABRT; error file: $WORK/enbd-hs_err_$JVM.log" "$LOG"
check segv-error-file-written grep -q 'SIGSEGV' "$WORK/enbd-hs_err_$JVM.log"

check abrt-starts start abrt
kill -ABRT "$JVM"
check abrt-exit-134 ended_with 134
check abrt-says-no-error-file grep -q "enbd: the JVM (pid $JVM) died of SIGABRT and wrote no error file" "$LOG"

check kill-starts start kill
kill -KILL "$JVM"
check kill-exit-137 ended_with 137
check kill-says-killed grep -q "enbd: the JVM (pid $JVM) was killed (SIGKILL" "$LOG"

check wrapper-kill-starts start wrapper-kill
kill -KILL "$WRAPPER"
wait "$WRAPPER" 2>/dev/null
sleep 1
check jvm-dies-with-enbd gone "$JVM"
gone "$JVM" || kill -KILL "$JVM"

echo "enbd-trace: $passed passed, $failed failed"
[ "$failed" = 0 ] && rm -rf "$WORK"
[ "$failed" = 0 ]
