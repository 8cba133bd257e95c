#!/usr/bin/env bash
# Soak without leaks (issue 10): full mutual handshakes, concurrent established connections, a My
# Number Card pulled mid-handshake and token errors mid-handshake, through NodeTls under Netty's
# PARANOID leak detector. Prints leaks, heap after GC and live threads before/after; exits 1 when
# not clean. Arguments: [handshakes] [concurrent] [faults] (default 10000 1000 20).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -ntp -Dstyle.color=never -DskipTests package -pl benchmarks -am
cp="benchmarks/target/benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*"
exec java -Xmx512m -Dio.netty.leakDetection.level=paranoid -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$cp" jp.securetoken.benchmarks.LeakSoak "$@"
