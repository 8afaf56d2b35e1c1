# How each server under test is started. Sourced by bench/run and bench/profile.
#
# bench_server_start NAME sets:
#   SERVER_URI      what the load generators connect to
#   SERVER_MAIN     the pid whose peak RSS is the figure (the server, or the client engine for client@...)
#   SERVER_PIDS     every pid to stop afterwards
# Inputs (set by the caller): BENCH_TMP, BENCH_SHM (work dirs), BENCH_SIZE (export size, e.g. 512M),
# BENCH_SRC (random source image of that size), SERVER_CPUS and ENGINE_CPUS (taskset lists), ENBD_JAR (the
# distribution's enbd.jar), ENBD_JAVA_OPTS (extra JVM flags, e.g. JFR), BENCH_EXPORT (export name).

BENCH_SERVERS_DEFAULT="enbd-memory enbd-file nbdkit-memory nbdkit-file qemu-nbd-file qemu-nbd-shm nbd-server-file client@enbd-memory enbd-memory-tls nbdkit-memory-tls"
# also known: client@nbdkit-memory (the client engine in front of a C server), client@<any server above>,
# enbd-plain-memory and enbd-plain-file (the server engine as plain Java, no OSGi: bench/jmh's PlainServer)
# TLS slot: enbd-memory-tls and nbdkit-memory-tls require TLS (X.509, the same certificates from `enbd certs init`,
# no client certificates asked); the loads use nbds:// URIs with tls-certificates=DIR (qemu-img: tls-creds-x509).

bench_server_kind() {  # enbd | peer | client
  case $1 in enbd-*) echo enbd ;; client@*) echo client ;; *) echo peer ;; esac
}

# Whether a server can run at all here (tool present, ENBD-J built); prints the reason when not.
bench_server_available() {
  case $1 in
    enbd-*|client@*) [[ -f "${ENBD_JAR:-}" ]] || { echo "ENBD-J distribution not built"; return 1; } ;;
  esac
  case $1 in
    enbd-plain-*) [[ -n "${BENCH_JMH_CP:-}" ]] || { echo "bench/jmh class path not built"; return 1; } ;;
  esac
  case $1 in
    nbdkit-*|client@nbdkit-*) command -v nbdkit >/dev/null || { echo "nbdkit missing"; return 1; } ;;
    qemu-nbd-*) command -v qemu-nbd >/dev/null || { echo "qemu-nbd missing"; return 1; } ;;
    nbd-server-*) command -v nbd-server >/dev/null || { echo "nbd-server missing"; return 1; } ;;
  esac
  return 0
}

# A private copy of the random source, so file servers read real data, not holes. Removed at stop.
BENCH_IMAGES=()
bench_image() {
  local path=$1
  cp --sparse=never "$BENCH_SRC" "$path" || return 1
  BENCH_IMAGES+=("$path")
}

bench_server_start() {
  local name=$1 port log
  port=$(bench_free_port)
  log="$BENCH_TMP/$name.log"
  SERVER_PIDS=()
  SERVER_URI="nbd://127.0.0.1:$port/$BENCH_EXPORT"
  case $name in
    enbd-memory) bench_enbd_server "$port" "memory:$BENCH_SIZE" "$log" ;;
    enbd-memory-tls)
      bench_tls_certificates || return 1
      bench_enbd_server "$port" "memory:$BENCH_SIZE" "$log" --tls require --tls-certificates "$BENCH_TLS"
      SERVER_URI="nbds://127.0.0.1:$port/$BENCH_EXPORT?tls-certificates=$BENCH_TLS" ;;
    nbdkit-memory-tls)
      bench_tls_certificates || return 1
      taskset -c "$SERVER_CPUS" nbdkit -f -i 127.0.0.1 -p "$port" -e "$BENCH_EXPORT" --tls=require \
        --tls-certificates="$BENCH_TLS" memory "$BENCH_SIZE" >"$log" 2>&1 &
      SERVER_MAIN=$!
      SERVER_URI="nbds://127.0.0.1:$port/$BENCH_EXPORT?tls-certificates=$BENCH_TLS" ;;
    enbd-plain-memory) bench_plain_server "$port" "memory:$BENCH_SIZE" "$log" ;;
    enbd-plain-file) bench_image "$BENCH_TMP/plain.img" && bench_plain_server "$port" "$BENCH_TMP/plain.img" "$log" ;;
    enbd-file) bench_image "$BENCH_TMP/enbd.img" && bench_enbd_server "$port" "$BENCH_TMP/enbd.img" "$log" ;;
    nbdkit-memory)
      taskset -c "$SERVER_CPUS" nbdkit -f -i 127.0.0.1 -p "$port" -e "$BENCH_EXPORT" memory "$BENCH_SIZE" >"$log" 2>&1 &
      SERVER_MAIN=$! ;;
    nbdkit-file)
      bench_image "$BENCH_TMP/nbdkit.img"
      taskset -c "$SERVER_CPUS" nbdkit -f -i 127.0.0.1 -p "$port" -e "$BENCH_EXPORT" \
        file "$BENCH_TMP/nbdkit.img" >"$log" 2>&1 &
      SERVER_MAIN=$! ;;
    qemu-nbd-file|qemu-nbd-shm)
      local dir=$BENCH_TMP; [[ $name == qemu-nbd-shm ]] && dir=$BENCH_SHM
      bench_image "$dir/$name.img"
      # -t: stay up after the last client; -e 32: up to 32 clients (default 1)
      taskset -c "$SERVER_CPUS" qemu-nbd -f raw -x "$BENCH_EXPORT" -b 127.0.0.1 -p "$port" -t -e 32 \
        "$dir/$name.img" >"$log" 2>&1 &
      SERVER_MAIN=$! ;;
    nbd-server-file) bench_nbd_server "$port" "$log" ;;
    client@*) bench_client "${name#client@}" "$log" ;;
    *) bench_die "unknown server $name" ;;
  esac
  SERVER_PIDS+=("$SERVER_MAIN")
  local pid; for pid in "${SERVER_PIDS[@]}"; do bench_track "$pid"; done
  if ! bench_wait_nbd "$SERVER_URI" 60 "$SERVER_MAIN"; then
    bench_log "$name did not answer on $SERVER_URI; last log lines:"; tail -5 "$log" >&2
    bench_server_stop; return 1
  fi
}

bench_server_stop() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do bench_stop "$pid"; done
  SERVER_PIDS=()
  ((${#BENCH_IMAGES[@]})) && rm -f "${BENCH_IMAGES[@]}"
  BENCH_IMAGES=()
}

# What ./enbd runs, minus its staleness check (a rebuild in the middle of a measurement would be measured),
# as the array ENBD_CMD; taskset execs it, so the pid is the JVM's. The JVM options are ./enbd's own defaults,
# read from its "jvm_defaults" lines so the two never drift apart, then ENBD_JAVA_OPTS as ./enbd adds them.
bench_enbd_cmd() {
  bench_jvm_opts
  ENBD_CMD=("$JAVA_HOME/bin/java" "${JVM_OPTS[@]}" -jar "$ENBD_JAR")
}

# JVM_OPTS: the flags ./enbd gives the JVM (also used for PlainServer, so the two compare).
bench_jvm_opts() {
  local opts=() jvm_defaults=() ram_bytes defaults
  defaults=$(sed -n '/^ram_bytes=/,/^\[\[ "\$ram_bytes"/p' "$REPO/enbd" 2>/dev/null)
  if [[ -n $defaults ]]; then eval "$defaults"; fi
  if ((${#jvm_defaults[@]} == 0)); then bench_log "no jvm_defaults in ./enbd: starting the JVM with its own defaults"; fi
  read -ra opts <<<"${ENBD_JAVA_OPTS:-}"
  JVM_OPTS=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow "${jvm_defaults[@]}" "${opts[@]}")
}

bench_enbd_server() {  # PORT SPEC LOG [more server options]
  local port=$1 spec=$2 log=$3
  bench_enbd_cmd
  taskset -c "$SERVER_CPUS" "${ENBD_CMD[@]}" server --listen "127.0.0.1:$port" --export "$BENCH_EXPORT=$spec" --ephemeral \
    --console off "${@:4}" >"$log" 2>&1 &
  SERVER_MAIN=$!
}

# BENCH_TLS: one certificates directory (CA, server and client certificates) for every TLS server, made once.
bench_tls_certificates() {
  BENCH_TLS="$BENCH_TMP/tls"
  [[ -f $BENCH_TLS/server-cert.pem ]] && return 0
  bench_enbd_cmd
  "${ENBD_CMD[@]}" certs init "$BENCH_TLS" --server-name 127.0.0.1 --server-name localhost >/dev/null \
    || { bench_log "enbd certs init $BENCH_TLS failed"; return 1; }
}

bench_plain_server() {
  local port=$1 spec=$2 log=$3
  bench_jvm_opts
  taskset -c "$SERVER_CPUS" "$JAVA_HOME/bin/java" "${JVM_OPTS[@]}" -cp "$BENCH_JMH_CP" org.enbd.bench.PlainServer \
    "$port" "$BENCH_EXPORT" "$spec" >"$log" 2>&1 &
  SERVER_MAIN=$!
}

# nbd-server daemonises; its pid comes from the pid file. One child per client inherits the affinity.
bench_nbd_server() {
  local port=$1 log=$2 conf="$BENCH_TMP/nbd-server.conf" pidfile="$BENCH_TMP/nbd-server.pid" i
  bench_image "$BENCH_TMP/nbd-server.img"
  cat >"$conf" <<CONF
[generic]
    allowlist = true
    listenaddr = 127.0.0.1
    port = $port
[$BENCH_EXPORT]
    exportname = $BENCH_TMP/nbd-server.img
CONF
  rm -f "$pidfile"
  taskset -c "$SERVER_CPUS" nbd-server -C "$conf" -p "$pidfile" >"$log" 2>&1
  for ((i = 0; i < 50; i++)); do [[ -s $pidfile ]] && break; sleep 0.1; done
  SERVER_MAIN=$(cat "$pidfile")
}

# The ENBD-J client engine's local endpoint in front of an upstream server. The upstream keeps the server
# core; the engine is left unpinned (see bench/README.md: three busy processes on two cores).
bench_client() {
  local upstream=$1 log=$2 upstream_uri socket="$BENCH_TMP/client.sock"
  bench_server_start "$upstream" || return 1
  local upstream_pids=("${SERVER_PIDS[@]}")
  upstream_uri=$SERVER_URI
  rm -f "$socket"
  bench_enbd_cmd
  taskset -c "$ENGINE_CPUS" "${ENBD_CMD[@]}" client "$upstream_uri" --serve "unix:$socket" --console off --ephemeral >"$log" 2>&1 &
  SERVER_MAIN=$!
  SERVER_PIDS=("${upstream_pids[@]}")
  SERVER_URI="nbd+unix:///$BENCH_EXPORT?socket=$socket"
}
