#!/bin/bash
# The race behind issue 20, on purpose: one guest boot running Stress (Check's workload in two threads, C1-to-C2
# thresholds lowered so methods are made not entrant while both threads run them) again and again for SECONDS.
#
#   itests/jvm-start/stress/run.sh [SECONDS] [VCPUS]      (default 300 s, 2 vCPUs; prints "STRESS N vCPU: C crashes in R runs")
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
KERNEL_VM=${KERNEL_VM:-$(cd "$HERE/../../.." && pwd)/../shared/kernel-vm/run-in-vm.sh}
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
WORK=$(mktemp -d /tmp/jvm-stress.XXXXXX)
"$JAVA_HOME/bin/javac" -d "$WORK/classes" "$HERE/Check.java" "$HERE/Stress.java"
VM_CPUS=${2:-2} VM_TIMEOUT=$((${1:-300} + 300)) "$KERNEL_VM" "$HERE/stress-guest.sh" "$WORK" -- "${1:-300}"
