#!/bin/bash
# The kernel attach test from the host: trains an AOT cache for the guest's JVMs (emulated, a JVM start costs
# 20-30 s without one, 3-8 s with), then boots the guest and runs kernel-attach-guest.sh there.
#
#   kernel-attach.sh [mixed|dist|plain]
#
# mixed (the default when the distribution is built): the distribution's `enbd client --device`
# (launcher/target/dist/enbd.jar, or $ENBD_DIST) for the first attach, plain Java for the server (its restart must
# beat the client's 60 s dead time; Felix starts too slowly under emulation) and the second attach; plain: every
# role as plain Java (GuestNode, from this module's target); dist: every role from the distribution (too slow
# under emulation). Needs the module built (mvn install of itests/kernel-attach). Exit status: the guest's.
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
REPO=$(cd "$HERE/../.." && pwd)
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
DIST=${ENBD_DIST:-$REPO/launcher/target/dist}

dist_ready() { # the server's listener and our device component are in the distribution's bundles
    [ -f "$DIST/enbd.jar" ] || return 1
    local xml jar
    xml=$(for jar in "$DIST"/bundles/enbd-*.jar; do unzip -p "$jar" 'OSGI-INF/*.xml' 2>/dev/null || true; done)
    for pid in org.enbd.server.listener org.enbd.kernel.device; do
        [[ $xml == *"configuration-pid=\"$pid\""* ]] || return 1
    done
}

MODE=${1:-}
if [ -z "$MODE" ]; then
    if dist_ready; then MODE=mixed; else MODE=plain; fi
elif [ "$MODE" != plain ] && ! dist_ready; then
    echo "kernel-attach: $DIST lacks the server listener or kernel device component: build the launcher" >&2
    exit 2
fi
echo "kernel-attach: mode $MODE"
[ -f "$HERE/target/guest-tests.jar" ] || { echo "kernel-attach: build the module first (mvn install)" >&2; exit 2; }

mapfile -t JOPTS <"$HERE/vm/jvm.options"
mkdir -p "$HERE/target/guest"
train() { # train KIND COMMAND...: records an AOT cache for KIND with the guest's JVM options
    local aot=$HERE/target/guest/$1.aot log=$HERE/target/guest/$1-training.log
    shift
    rm -f "$aot"
    ( cd /tmp && timeout 120 "$JAVA" "${JOPTS[@]}" -XX:AOTCacheOutput="$aot" "$@" ) >"$log" 2>&1 \
        || echo "kernel-attach: AOT training failed (see $log); the guest runs without"
}
if [ "$MODE" != plain ]; then
    train dist -jar "$DIST/enbd.jar" list # boots the framework once: its class path is what AOT can cache
fi
if [ "$MODE" != dist ]; then
    train plain -cp "$HERE/target/guest-tests.jar:$(ls "$HERE"/target/guest-lib/*.jar | tr '\n' ':')" \
        org.enbd.itest.kernel.GuestNode train
fi
ENBD_VM_TIMEOUT=${ENBD_VM_TIMEOUT:-600} exec "$HERE/vm/run-guest.sh" "$HERE/vm/kernel-attach-guest.sh" "$REPO" \
    "$MODE" "$REPO" "$DIST"
