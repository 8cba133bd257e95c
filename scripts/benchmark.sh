#!/usr/bin/env bash
# Measures what keeping keys in tokens costs: handshakes per second through a software-token key
# against a plain in-memory key in the same run (ratios printed), then the slow-card scenario.
# Arguments go to the handshake benchmark: [seconds-per-round] [rounds] [concurrency].
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -ntp -Dstyle.color=never -DskipTests package -pl benchmarks -am
cp="benchmarks/target/benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*"
java -cp "$cp" jp.securetoken.benchmarks.HandshakeBenchmark "$@"
java -cp "$cp" jp.securetoken.benchmarks.SlowCardBenchmark
