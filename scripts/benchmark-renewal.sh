#!/usr/bin/env bash
# A renewal under load (issue 11): a gateway enrolled with the EST issuing server keeps N open
# connections echoing (default 200, a ping every 20 ms each) while its CredentialRenewer renews the
# credential; prints echo p50/p99/max before, during and after the swap (ratios against "before"),
# failed connections (0 expected), how long the swap took, and whether the next handshakes present the
# new certificate. Exit 1 when a connection failed or a next handshake showed the old certificate.
# Arguments: [connections] [seconds before and after] [stack: jdk|openssl|bcjsse].
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -ntp -Dstyle.color=never -DskipTests package -pl benchmarks -am
echo "load before: $(uptime)"
cp="benchmarks/target/benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*"
java -Djava.util.logging.config.file=benchmarks/logging.properties -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$cp" jp.securetoken.benchmarks.RenewalUnderLoadBenchmark "$@"
echo "load after: $(uptime)"
