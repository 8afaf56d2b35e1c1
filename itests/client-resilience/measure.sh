#!/bin/bash
# Measurements for the client engine (not part of the test run): throughput of nbdcopy (512 MiB) to and from
# nbdkit's memory plugin, direct and through the local endpoint with 1, 2 and 4 connections; then recovery time
# after kill -9 and restart of the server (nbdkit and ENBD-J's own server). Usage: itests/client-resilience/measure.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
mvn -q -B -o -pl itests/client-resilience test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/enbd-cr.cp \
    -Dmdep.includeScope=test >/dev/null
CP="$PWD/itests/client-resilience/target/test-classes:$(cat /tmp/enbd-cr.cp)"
J="$JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"
W=$(mktemp -d /tmp/enbd-measure-XXXX); trap 'exec 9>&- 2>/dev/null; kill $NBDKIT 2>/dev/null; rm -rf "$W"' EXIT
head -c 512M /dev/urandom > "$W/src.img"
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
timeout 900 nbdkit --exit-with-parent -f -i 127.0.0.1 -p "$PORT" memory 1G & NBDKIT=$!
sleep 1
rate() { local s e; s=$(date +%s.%N); timeout 120 "$@" >/dev/null 2>&1 || echo -n "FAILED "; e=$(date +%s.%N)
         python3 -c "print('%7.1f MiB/s' % (512/($e-$s)))"; }
for rep in 1 2 3; do
    echo "direct        write $(rate nbdcopy "$W/src.img" "nbd://127.0.0.1:$PORT/")  read $(rate nbdcopy "nbd://127.0.0.1:$PORT/" null:)"
done
for N in 1 2 4; do
    SOCK="$W/ep$N.sock"; mkfifo "$W/in$N"
    (timeout 600 $J -cp "$CP" org.enbd.itest.client.EndpointMain "nbd://127.0.0.1:$PORT/" "$SOCK" $N < "$W/in$N" > "$W/ep$N.log" 2>&1 &)
    exec 9>"$W/in$N"
    for i in $(seq 100); do [ -S "$SOCK" ] && grep -q ready "$W/ep$N.log" && break; sleep 0.2; done
    for rep in 1 2 3; do
        echo "endpoint N=$N  write $(rate nbdcopy "$W/src.img" "nbd+unix:///?socket=$SOCK")  read $(rate nbdcopy "nbd+unix:///?socket=$SOCK" null:)"
    done
    exec 9>&-
    sleep 1
done
for kind in nbdkit enbd; do for opts in default fast; do
    timeout 300 $J -cp "$CP" org.enbd.itest.client.RecoveryMain 7 1000 $opts $kind 2>&1 | grep "recovery ms"
done; done
