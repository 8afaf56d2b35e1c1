# guest-checks.sh: the helpers a guest script sources to report as the Maven tests read it
# (`. "$REPO/itests/kernel-attach/vm/guest-checks.sh"`): "CHECK name: ok|FAILED (command)" per check, a log line
# with the seconds since the script began, and a poll with a limit. The caller's EXIT trap reads $passed and
# $failed. Also $JAVA (the guest's JDK) and JOPTS (jvm.options: the JVM options every guest JVM takes).
START=$(date +%s.%N)
passed=0
failed=0
JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
[ -x "$JAVA" ] || JAVA=/opt/jdk/bin/java
mapfile -t JOPTS <"$(dirname "${BASH_SOURCE[0]}")/jvm.options"

t() { printf '%6.1f' "$(echo "$(date +%s.%N) - $START" | bc)"; }
log() { echo "[$(t)] $*"; }
check() { # check NAME COMMAND...
    local name=$1; shift
    if "$@"; then echo "CHECK $name: ok"; passed=$((passed + 1))
    else echo "CHECK $name: FAILED ($*)"; failed=$((failed + 1)); fi
}
wait_for() { # wait_for SECONDS COMMAND...: polls every 0.2 s
    local limit=$1; shift
    local end=$(( $(date +%s) + limit ))
    until "$@"; do [ "$(date +%s)" -ge "$end" ] && return 1; sleep 0.2; done
}
