# bench/aoe's pieces: two network namespaces of the run's own joined by a veth pair, the targets (vblade,
# ENBD-J's AoE target, ENBD-J's NBD server) in one, the client endpoint in the other, and fio through the
# endpoint's Unix socket. Sourced by bench/aoe after lib/common.sh and lib/servers.sh (bench_enbd_cmd).
# Inputs: AOE_NS_T, AOE_NS_I, AOE_IF_T, AOE_IF_I, AOE_IP_T, AOE_IP_I, BENCH_TMP, BENCH_SHM, SERVER_CPUS,
# LOAD_CPUS, ENGINE_CPUS, BENCH_SECONDS, VBLADE_BUFCNT.

AOE_CONFIGS="vblade enbd-aoe enbd-tcp"

# id|unit|fio rw|block size|depth
AOE_WORKLOADS="
randread-4k-qd1|IOPS|randread|4k|1
randread-4k-qd32|IOPS|randread|4k|32
randwrite-4k-qd1|IOPS|randwrite|4k|1
randwrite-4k-qd32|IOPS|randwrite|4k|32
read-1m-qd8|MiB/s|read|1m|8
write-1m-qd8|MiB/s|write|1m|8
"

# The pair: both namespaces, the veth between them (addresses only inside them), up, with MTU $1.
aoe_pair_create() {
  local mtu=$1
  ip netns add "$AOE_NS_T" && ip netns add "$AOE_NS_I" || return 1
  ip link add "$AOE_IF_T" mtu "$mtu" netns "$AOE_NS_T" type veth peer name "$AOE_IF_I" mtu "$mtu" \
    netns "$AOE_NS_I" || return 1
  ip -n "$AOE_NS_T" addr add "$AOE_IP_T/30" dev "$AOE_IF_T" && ip -n "$AOE_NS_I" addr add "$AOE_IP_I/30" dev "$AOE_IF_I" \
    && ip -n "$AOE_NS_T" link set "$AOE_IF_T" up && ip -n "$AOE_NS_I" link set "$AOE_IF_I" up \
    && ip -n "$AOE_NS_T" link set lo up && ip -n "$AOE_NS_I" link set lo up
}

aoe_pair_mtu() {
  ip -n "$AOE_NS_T" link set "$AOE_IF_T" mtu "$1" && ip -n "$AOE_NS_I" link set "$AOE_IF_I" mtu "$1"
}

aoe_pair_delete() {
  local ns
  for ns in "$AOE_NS_T" "$AOE_NS_I"; do
    [[ -n $ns && -e /var/run/netns/$ns ]] && ip netns delete "$ns"
  done
  return 0
}

# Starts CONFIG's target on a fresh copy of the source image and its client endpoint; sets AOE_TARGET_PID,
# AOE_CLIENT_PID and AOE_URI (the endpoint, over a Unix socket). Logs in $BENCH_TMP/CONFIG-*.log.
aoe_start() {
  local config=$1 image="$BENCH_SHM/$1.img" socket="$BENCH_TMP/endpoint.sock" upstream
  local tlog="$BENCH_TMP/$config-target.log" clog="$BENCH_TMP/$config-client.log"
  cp --sparse=never "$BENCH_SRC" "$image" || return 1
  rm -f "$socket"
  bench_enbd_cmd
  # taskset and ip netns exec both exec, so $! is the target's (the JVM's) own pid
  case $config in
    vblade)
      taskset -c "$SERVER_CPUS" ip netns exec "$AOE_NS_T" vblade -b "$VBLADE_BUFCNT" 1 0 "$AOE_IF_T" "$image" \
        >"$tlog" 2>&1 &
      upstream="aoe://$AOE_IF_I/1.0" ;;
    enbd-aoe|enbd-aoe:*)
      # enbd-aoe:NAME: the target from a private copy of the distribution with transport-raw's jar replaced
      # (aoe_variant); the client endpoint stays the distribution's own
      local target_cmd=("${ENBD_CMD[@]}")
      [[ $config == *:* ]] && target_cmd=("${ENBD_CMD[@]:0:${#ENBD_CMD[@]}-1}" "$BENCH_TMP/dist-${config#*:}/enbd.jar")
      taskset -c "$SERVER_CPUS" ip netns exec "$AOE_NS_T" "${target_cmd[@]}" server --listen "aoe:$AOE_IF_T" \
        --export "disk=file:$image,aoe=1.0" --ephemeral --console off >"$tlog" 2>&1 &
      upstream="aoe://$AOE_IF_I/1.0" ;;
    enbd-tcp)
      taskset -c "$SERVER_CPUS" ip netns exec "$AOE_NS_T" "${ENBD_CMD[@]}" server --listen "$AOE_IP_T:10809" \
        --export "disk=file:$image" --ephemeral --console off >"$tlog" 2>&1 &
      upstream="nbd://$AOE_IP_T:10809/disk" ;;
    *) bench_die "unknown configuration $config" ;;
  esac
  AOE_TARGET_PID=$!
  bench_track "$AOE_TARGET_PID"
  if [[ $config == enbd-tcp ]]; then
    # the client engine gives up on a server that does not answer yet; wait for the listener first
    local i
    for ((i = 0; i < 300; i++)); do
      ip netns exec "$AOE_NS_I" timeout 2 nbdinfo --size "nbd://$AOE_IP_T:10809/disk" >/dev/null 2>&1 && break
      kill -0 "$AOE_TARGET_PID" 2>/dev/null || break
      sleep 0.2
    done
  fi
  taskset -c "$ENGINE_CPUS" ip netns exec "$AOE_NS_I" "${ENBD_CMD[@]}" client "$upstream" --serve "unix:$socket" \
    --console off --ephemeral >"$clog" 2>&1 &
  AOE_CLIENT_PID=$!
  bench_track "$AOE_CLIENT_PID"
  AOE_URI="nbd+unix:///?socket=$socket"
  [[ $config == enbd-tcp ]] && AOE_URI="nbd+unix:///disk?socket=$socket"
  if ! bench_wait_nbd "$AOE_URI" 90 "$AOE_CLIENT_PID"; then
    bench_log "$config: the endpoint did not answer on $AOE_URI; last log lines:"
    tail -n 5 "$tlog" "$clog" >&2
    aoe_stop; return 1
  fi
}

aoe_stop() {
  bench_stop "$AOE_CLIENT_PID"
  bench_stop "$AOE_TARGET_PID"
  rm -f "$BENCH_SHM"/vblade.img "$BENCH_SHM"/enbd-*.img
}

# A/B of transport-raw builds: a copy of the distribution ($1, its enbd.jar's directory) in $BENCH_TMP/dist-NAME
# with bundles/enbd-transport-raw-*.jar replaced by JAR; configuration enbd-aoe:NAME runs its target from it.
aoe_variant() {  # NAME=JAR DIST
  local name=${1%%=*} jar=${1#*=} dist=$2
  [[ -f $jar ]] || bench_die "--variant $1: no such jar"
  rm -rf "$BENCH_TMP/dist-$name" && cp -r "$dist" "$BENCH_TMP/dist-$name" || return 1
  rm -f "$BENCH_TMP/dist-$name"/bundles/enbd-transport-raw-*.jar
  cp "$jar" "$BENCH_TMP/dist-$name/bundles/enbd-transport-raw-variant.jar"
}

# One fio run through the endpoint: prints "VALUE BYTES" (VALUE in the workload's unit), or fails when fio
# failed, reported an error or moved nothing.
aoe_fio() {
  local rw=$1 bs=$2 depth=$3 unit=$4 uri=$5 seconds=${6:-$BENCH_SECONDS} json
  json=$(taskset -c "$LOAD_CPUS" timeout 120 fio --name=aoe --ioengine=nbd --uri="$uri" --rw="$rw" --bs="$bs" \
    --iodepth="$depth" --runtime="$seconds" --time_based --norandommap --randrepeat=0 \
    --output-format=json 2>"$BENCH_TMP/fio.err") || { tail -3 "$BENCH_TMP/fio.err" >&2; return 1; }
  python3 -c '
import json, sys
text = sys.stdin.read(); job = json.loads(text[text.index("{"):])["jobs"][0]
moved = job["read"]["io_bytes"] + job["write"]["io_bytes"]
if job["error"] or moved == 0: sys.exit(1)
if sys.argv[1] == "IOPS": value = job["read"]["iops"] + job["write"]["iops"]
else: value = (job["read"]["bw_bytes"] + job["write"]["bw_bytes"]) / 1048576
print("%.1f %d" % (value, moved))' "$unit" <<<"$json"
}

# Proof that the endpoint moves data: a random 16 MiB written through it reads back equal.
aoe_check_copy() {
  local uri=$1 back="$BENCH_TMP/back.img"
  timeout 120 nbdcopy "$BENCH_TMP/check.img" "$uri" && timeout 120 nbdcopy "$uri" "$back" \
    && cmp -s -n $((16 << 20)) "$BENCH_TMP/check.img" "$back"
  local rc=$?
  rm -f "$back"
  return $rc
}
