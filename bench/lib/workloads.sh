# The workloads, each run against one URI; each prints one number (or nothing when it failed).
# Inputs: BENCH_SIZE_MIB, BENCH_SRC, BENCH_SECONDS (fio run time), LOAD_CPUS, BENCH_SIZE, BENCH_TMP.

# id|unit|better  (better: higher or lower)
BENCH_WORKLOADS="
nbdcopy-write-c1|MiB/s|higher
nbdcopy-write-c4|MiB/s|higher
nbdcopy-read-c1|MiB/s|higher
nbdcopy-read-c4|MiB/s|higher
fio-randread-4k-qd1|IOPS|higher
fio-randread-4k-qd32|IOPS|higher
fio-randwrite-4k-qd1|IOPS|higher
fio-randwrite-4k-qd32|IOPS|higher
qemu-img-read-1m-d16|MiB/s|higher
qemu-img-write-1m-d16|MiB/s|higher
rss-idle|MiB|lower
rss-16-clients|MiB|lower
"

bench_workload_ids() { awk -F'|' 'NF {print $1}' <<<"$BENCH_WORKLOADS"; }

load() { taskset -c "$LOAD_CPUS" timeout 300 "$@"; }

# 1 MiB requests, N connections (nbdcopy uses them only if the server advertises multi-conn), N threads,
# 16 requests in flight per connection (16 MiB, nbdcopy's default queue size).
bench_nbdcopy() {
  local direction=$1 conns=$2 uri=$3 start end
  local opts=(-C "$conns" -T "$conns" --request-size=1048576 --requests=16 --queue-size=16777216)
  start=$(bench_now)
  if [[ $direction == write ]]; then
    # -S 0: no zero detection (the source is random anyway); the source is a tmpfs file, cheap to read
    load nbdcopy "${opts[@]}" -S 0 "$BENCH_SRC" "$uri" || return 1
  else
    # --no-extents: read every byte, never skip holes reported by block status
    load nbdcopy "${opts[@]}" --no-extents "$uri" null: || return 1
  fi
  end=$(bench_now)
  awk -v s="$start" -v e="$end" -v m="$BENCH_SIZE_MIB" 'BEGIN {printf "%.1f\n", m / (e - s)}'
}

# 4 KiB random I/O with fio's nbd engine (libnbd), over the whole export.
bench_fio() {
  local rw=$1 depth=$2 uri=$3 json
  json=$(load fio --name=bench --ioengine=nbd --uri="$uri" --rw="$rw" --bs=4k \
    --iodepth="$depth" --runtime="$BENCH_SECONDS" --time_based --norandommap --randrepeat=0 \
    --output-format=json 2>"$BENCH_TMP/fio.err") || { tail -3 "$BENCH_TMP/fio.err" >&2; return 1; }
  python3 -c '
import json, sys
text = sys.stdin.read(); job = json.loads(text[text.index("{"):])["jobs"][0]
if job["error"]: sys.exit(1)
print("%.0f" % (job["read"]["iops"] + job["write"]["iops"]))' <<<"$json"
}

# Sequential 1 MiB, 16 in flight, through QEMU's own NBD client: a second client implementation, so a figure
# does not depend on libnbd alone.
bench_qemu_img() {
  local direction=$1 uri=$2 out seconds count=$((BENCH_SIZE_MIB))
  local write=(); [[ $direction == write ]] && write=(-w)
  out=$(load qemu-img bench -f raw -t none -n "${write[@]}" -c "$count" -d 16 -s 1M "$uri" 2>&1) \
    || { tail -2 <<<"$out" >&2; return 1; }
  seconds=$(sed -n 's/^Run completed in \([0-9.]*\) seconds.*/\1/p' <<<"$out")
  [[ -n $seconds ]] || return 1
  awk -v s="$seconds" -v m="$count" 'BEGIN {printf "%.1f\n", m / s}'
}

# 16 concurrent clients (fio jobs, one NBD connection each), half 4 KiB and half 1 MiB random reads and
# writes, 4 in flight each, while the server's peak RSS is sampled (a forking server's children exit with
# their clients, so the tree is read during the load, every 0.2 s). Prints "idle busy" in MiB.
bench_rss() {
  local uri=$1 pid=$2 idle sampler peak="$BENCH_TMP/rss.peak"
  idle=$(bench_peak_rss_kib "$pid")
  echo "$idle" >"$peak"
  bench_rss_sample "$pid" "$peak" &
  sampler=$!
  load fio --name=rss --ioengine=nbd --uri="$uri" --rw=randrw --bssplit=4k/50:1m/50 \
    --iodepth=4 --numjobs=16 --runtime="$BENCH_SECONDS" --time_based --norandommap --randrepeat=0 \
    --group_reporting >"$BENCH_TMP/rss.out" 2>&1
  local rc=$?
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
  ((rc == 0)) && grep -q 'err= 0' "$BENCH_TMP/rss.out" || { tail -3 "$BENCH_TMP/rss.out" >&2; return 1; }
  awk -v i="$idle" -v b="$(sort -n "$peak" | tail -1)" 'BEGIN {printf "%.1f %.1f\n", i / 1024, b / 1024}'
}

bench_rss_sample() {
  local pid=$1 out=$2 max=0 now
  while kill -0 "$pid" 2>/dev/null; do
    now=$(bench_peak_rss_kib "$pid")
    # appended, never rewritten: the sampler is killed at any moment, and a rewrite could leave it empty
    ((now > max)) && { max=$now; echo "$max" >>"$out"; }
    sleep 0.2
  done
}

# The same warm-up for every server: fill the export (memory exports allocate here), read it all back, and a
# second of 4 KiB random reads and writes each, so a JIT has compiled the paths every workload takes (C2 on
# the server's own core would otherwise be measured).
bench_warm_up() {
  local uri=$1
  if [[ $uri == nbds://* ]]; then
    # TLS slot: qemu-img bench and fio cannot take TLS credentials (see README), so nbdcopy fills and reads the
    # export instead, with 1 and then 4 connections; without this the TLS figures measured the JIT
    bench_nbdcopy write 1 "$uri" >/dev/null 2>&1; bench_nbdcopy read 1 "$uri" >/dev/null 2>&1
    bench_nbdcopy write 4 "$uri" >/dev/null 2>&1; bench_nbdcopy read 4 "$uri" >/dev/null 2>&1
    return 0
  fi
  load qemu-img bench -f raw -t none -n -w -c "$BENCH_SIZE_MIB" -d 16 -s 1M "$uri" >/dev/null 2>&1
  load qemu-img bench -f raw -t none -n -c "$BENCH_SIZE_MIB" -d 16 -s 1M "$uri" >/dev/null 2>&1
  BENCH_SECONDS=1 bench_fio randread 32 "$uri" >/dev/null 2>&1
  BENCH_SECONDS=1 bench_fio randwrite 32 "$uri" >/dev/null 2>&1
}

# Run one workload id against a URI; print its value.
bench_workload() {
  local id=$1 uri=$2
  case $id in
    nbdcopy-write-c1) bench_nbdcopy write 1 "$uri" ;;
    nbdcopy-write-c4) bench_nbdcopy write 4 "$uri" ;;
    nbdcopy-read-c1) bench_nbdcopy read 1 "$uri" ;;
    nbdcopy-read-c4) bench_nbdcopy read 4 "$uri" ;;
    fio-randread-4k-qd1) bench_fio randread 1 "$uri" ;;
    fio-randread-4k-qd32) bench_fio randread 32 "$uri" ;;
    fio-randwrite-4k-qd1) bench_fio randwrite 1 "$uri" ;;
    fio-randwrite-4k-qd32) bench_fio randwrite 32 "$uri" ;;
    qemu-img-read-1m-d16) bench_qemu_img read "$uri" ;;
    qemu-img-write-1m-d16) bench_qemu_img write "$uri" ;;
    *) return 1 ;;
  esac
}
