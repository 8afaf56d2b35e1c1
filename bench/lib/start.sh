# Start and footprint (issue 17, goal 5): how long `enbd server` takes from exec to its "listening on" line, and
# its RSS 3 s later with no client, with the Web Console off and on (the default). Sourced by bench/run.
#
# bench_start_figure CONSOLE (off | on): prints "SECONDS RSS_MIB", or nothing when the server never said it
# listens within 60 s. The JVM is started as bench/run starts every ENBD-J server (./enbd's JVM options,
# ENBD_JAVA_OPTS, pinned to SERVER_CPUS), serving a small memory export: the figure is the framework's start.
bench_start_figure() {
  local console=$1 port log pid t0 t1 i rss
  port=$(bench_free_port)
  log="$BENCH_TMP/start-$console.log"
  local opts=(--console off)
  [[ $console == on ]] && opts=(--console "127.0.0.1:$(bench_free_port)")
  bench_enbd_cmd
  t0=$(date +%s%N)
  taskset -c "$SERVER_CPUS" "${ENBD_CMD[@]}" server --listen "127.0.0.1:$port" --export start=memory:64M \
    --ephemeral "${opts[@]}" >"$log" 2>&1 &
  pid=$!
  for ((i = 0; i < 6000; i++)); do
    if grep -q "listening on" "$log" 2>/dev/null; then
      t1=$(date +%s%N)
      break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  if [[ -n ${t1:-} ]]; then
    sleep 3
    rss=$(awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status" 2>/dev/null)
    echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b - a) / 1e9}') ${rss:-0}"
  fi
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}
