#!/bin/bash
# runs Stress (two threads warming up Check's workload, tier thresholds lowered) again and again for SECONDS; counts crashes
SECONDS_MAX=${1:-300}
cd /tmp
end=$(( $(date +%s) + SECONDS_MAX )); runs=0; crashes=0
echo "stress: $(nproc) vCPU"
while [ "$(date +%s)" -lt "$end" ]; do
    java -Xms16m -Xmx192m -XX:+UseSerialGC -XX:ReservedCodeCacheSize=64m -XX:ErrorFile=/tmp/hs_err_%p.log \
        -XX:Tier3InvocationThreshold=20 -XX:Tier3MinInvocationThreshold=10 -XX:Tier3CompileThreshold=50 \
        -XX:Tier4InvocationThreshold=100 -XX:Tier4MinInvocationThreshold=50 -XX:Tier4CompileThreshold=150 \
        -cp /work/classes Stress > /tmp/out.txt 2>&1
    rc=$?; runs=$((runs + 1))
    if [ $rc != 0 ]; then crashes=$((crashes + 1)); echo "run $runs: exit $rc"; grep -a -E '^#  (SIG|Internal)|^# (J|j|V|C) |si_code|Instructions:' -A0 /tmp/out.txt /tmp/hs_err_*.log 2>/dev/null | head -8
        grep -a -A6 '^Instructions:' /tmp/hs_err_*.log 2>/dev/null | head -8; rm -f /tmp/hs_err_*.log; fi
done
echo "STRESS $(nproc) vCPU: $crashes crashes in $runs runs"
