# Shared helpers for bench/run and bench/profile: JDK lookup, ports, process lifetime, logging.
# Sourced, never executed. Every process started here is recorded by pid and stopped by pid on exit.

bench_log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
bench_die() { bench_log "error: $*"; exit 1; }

# The JDK lookup ./enbd does (.ci/jdk25.sh): exports JAVA_HOME to a JDK 25+ or fails.
bench_find_jdk() {
  # shellcheck source=../../.ci/jdk25.sh
  source "$(dirname "${BASH_SOURCE[0]}")/../../.ci/jdk25.sh" && enbd_find_jdk25
}

# The class path of bench/jmh (its classes and dependencies), built with Maven when missing, older than the
# module's pom, or when $1 is "build"; ENBD-J's modules come from the local repository. Prints it.
bench_jmh_classpath() {
  local jmh repo
  jmh="$(cd "$(dirname "${BASH_SOURCE[0]}")/../jmh" && pwd)"
  repo="$(cd "$jmh/../.." && pwd)"
  if [[ ${1:-} == build || ! -s $jmh/target/classpath.txt || ! -d $jmh/target/classes
        || $jmh/pom.xml -nt $jmh/target/classpath.txt ]]; then
    (cd "$repo" && mvn -q -B -pl bench/jmh -DskipTests package dependency:build-classpath \
      -Dmdep.outputFile="$jmh/target/classpath.txt") >&2 || return 1
  fi
  printf '%s\n' "$jmh/target/classes:$(cat "$jmh/target/classpath.txt")"
}

# A free TCP port on 127.0.0.1 (the kernel picks it; the tiny race with another process is acceptable here).
bench_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Processes we started, stopped by pid (never by name) when the script exits.
BENCH_PIDS=()
bench_track() { BENCH_PIDS+=("$1"); }

# Stop one process tree: SIGTERM to the process and its descendants (a launcher script may not forward it),
# wait up to 10 s, then SIGKILL whatever is left.
bench_stop() {
  local pid=$1 i descendants
  kill -0 "$pid" 2>/dev/null || return 0
  descendants=$(bench_descendants "$pid")
  kill -TERM "$pid" $descendants 2>/dev/null
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  for i in $descendants; do kill -0 "$i" 2>/dev/null && kill -KILL "$i" 2>/dev/null; done
  wait "$pid" 2>/dev/null
  return 0
}

bench_stop_all() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do bench_stop "$pid"; done
  BENCH_PIDS=()
}

# All descendants of a pid (children, grandchildren, ...), from /proc.
bench_descendants() {
  local pid=$1 child
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
    printf '%s\n' "$child"
    bench_descendants "$child"
  done
}

# Peak resident set (VmHWM, KiB) summed over a process and its descendants. For a forking server
# (nbd-server: one child per client) the sum overcounts pages the children share with the parent.
bench_peak_rss_kib() {
  local pid=$1 total=0 p hwm
  for p in "$pid" $(bench_descendants "$pid"); do
    hwm=$(awk '/^VmHWM:/ {print $2}' /proc/"$p"/status 2>/dev/null)
    total=$((total + ${hwm:-0}))
  done
  printf '%s\n' "$total"
}

# CPU time (user + system, clock ticks) of a process and its descendants, including children that have
# exited and been waited for (nbd-server's per-client processes).
bench_cpu_ticks() {
  local pid=$1 total=0 p stat fields
  for p in "$pid" $(bench_descendants "$pid"); do
    stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    # the command name (field 2) may hold spaces: fields are counted from after its ") "; field 14 is utime
    read -ra fields <<<"${stat##*) }"
    ((${#fields[@]} > 14)) && total=$((total + fields[11] + fields[12] + fields[13] + fields[14]))
  done
  printf '%s\n' "$total"
}

# Wait until an NBD server answers a handshake (nbdinfo), or fail after $2 seconds or when process $3 exits.
bench_wait_nbd() {
  local uri=$1 seconds=${2:-60} pid=${3:-} i
  for ((i = 0; i < seconds * 5; i++)); do
    timeout 5 nbdinfo --size "$uri" >/dev/null 2>&1 && return 0
    [[ -z $pid ]] || kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# Seconds since the epoch with nanoseconds, for timing one command.
bench_now() { date +%s.%N; }
