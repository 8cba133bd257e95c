#!/usr/bin/env bash
# Measures what keeping keys in tokens costs, per TLS stack (jdk, openssl = BoringSSL, bcjsse), with
# ratios against a baseline measured in the same run:
#   1. handshakes/s through a soft-token key vs a plain in-memory key, same stack (in-process clients);
#   2. openssl s_time -new against `nodeauth serve` on each stack (soft-token and SoftHSM2 keys) vs
#      openssl s_server, same key type; then the Java work of one server handshake in isolation
#      (token signatures vs openssl speed, credential choice, chain validation, queue hand-over);
#   3. the slow-card scenario (echo p50/p99 while 20 handshakes queue at a 300 ms card), token
#      signatures over 1000 resumed reconnects, and across two gateway instances sharing ticket keys;
#   4. memory per idle established connection (1000 connections);
#   5. a credential renewal under load (200 echoing connections; also scripts/benchmark-renewal.sh).
# Arguments go to the handshake benchmark: [seconds-per-round] [rounds] [concurrency].
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -ntp -Dstyle.color=never -DskipTests package -pl benchmarks,cli -am
echo "load before: $(uptime)"
cp="benchmarks/target/benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*"
quiet=(-Djava.util.logging.config.file=benchmarks/logging.properties -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
java "${quiet[@]}" -cp "$cp" jp.securetoken.benchmarks.HandshakeBenchmark "$@"
java "${quiet[@]}" -Dsecuretoken.root="$PWD" -cp "$cp" jp.securetoken.benchmarks.STimeBenchmark \
    "${STIME_SECONDS:-8}" "${STIME_ROUNDS:-3}" "${STIME_WARMUP:-12}"
java "${quiet[@]}" -cp "$cp" jp.securetoken.benchmarks.ServerWorkBenchmark "${WORK_SECONDS:-3}"
java "${quiet[@]}" -cp "$cp" jp.securetoken.benchmarks.SlowCardBenchmark
java "${quiet[@]}" -cp "$cp" jp.securetoken.benchmarks.IdleMemoryBenchmark
java "${quiet[@]}" -cp "$cp" jp.securetoken.benchmarks.RenewalUnderLoadBenchmark
echo "load after: $(uptime)"
