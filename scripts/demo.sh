#!/usr/bin/env bash
# The demo: on loopback, a test CA, a regional-network gateway and a clinic node on software
# tokens, a clinic terminal with an emulated My Number Card, and a node from an unknown CA that is
# refused; then an EST issuing server, a node enrolling with it and renewing while it serves.
# Needs Java 17 and Maven; builds what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -ntp -Dstyle.color=never -DskipTests package -pl examples -am
exec java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "examples/target/examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*" jp.securetoken.examples.Demo
