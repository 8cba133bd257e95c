#!/usr/bin/env bash
# Stops a JVM dead (Runtime.halt and kill -9) at every step of every atomic write of the software
# token (PIN failure counter, login, key generation, credential import, user data, PIN change,
# unlock: 190 points) and prints, for each point, whether the file opens, whether a temporary file
# was left (and removed at the next open), which of the old/new state is there and usable, and the
# PIN failure counters found against those expected. The build runs a 14-point sample of the same
# test (CrashMatrixTest).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -pl token-soft -am verify -Dtest=CrashMatrixTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dcrash.matrix=full -DtrimStackTrace=true >token-soft/target/crash-matrix.log 2>&1 || status=$?
cat token-soft/target/crash-matrix.txt 2>/dev/null || { cat token-soft/target/crash-matrix.log; exit 1; }
exit "${status:-0}"
