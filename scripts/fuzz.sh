#!/usr/bin/env bash
# Fuzzes every parser of untrusted input for real with Jazzer (libFuzzer), one target after the
# other, and prints executions and findings per target. The same targets run in regression mode
# over their committed corpus in every `mvn verify`.
#
#   scripts/fuzz.sh [seconds-per-target] [target-name-filter]
#   FUZZ_RUNS=1000000 scripts/fuzz.sh 1800    # each target until 10^6 executions or 30 minutes
#   FUZZ_NO_BUILD=1 scripts/fuzz.sh ...        # use the classes already built (no mvn run)
#
# Coverage guides the fuzzer through the project's code and the JDK's parsers it calls
# (sun.security.*: DER, X.509, CRL, OCSP), which are instrumented too.
#
# A finding is written to target/fuzz/findings/<target>/ (crash-*, timeout-*, oom-*): fix it,
# then copy the input into the target's committed corpus (src/test/resources/.../<Class>Inputs/
# <method>/) so the build replays it for ever. The growing corpus of each run stays in
# target/fuzz/corpus/<target>/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
filter="${2:-}"

# name | module | class | method
targets=(
  "token-file|token-soft|jp.securetoken.soft.TokenFileFuzzTest|tokenFile"
  "private-section|token-soft|jp.securetoken.soft.TokenFileFuzzTest|privateSection"
  "pkcs11-uri|token-pkcs11|jp.securetoken.pkcs11.Pkcs11UriFuzzTest|parse"
  "cli-certificate-input|cli|jp.securetoken.cli.CertificateInputFuzzTest|certificateOrCrlFile"
  "jpki-hostile-card|token-jpki|jp.securetoken.jpki.HostileCardFuzzTest|answers"
  "emulator-commands|token-jpki|jp.securetoken.jpki.emulator.CardCommandFuzzTest|commands"
  "trust-revocation|tls-node-auth|jp.securetoken.tls.trust.RevocationFuzzTest|responses"
)

modules=$(printf '%s\n' "${targets[@]}" | cut -d'|' -f2 | sort -u | paste -sd, -)
if [ -z "${FUZZ_NO_BUILD:-}" ]; then
  echo "Building ${modules} and their test classes ..."
  mvn -B -ntp -q -pl "$modules" -am verify -DskipTests dependency:build-classpath \
    -Dmdep.outputFile=target/fuzz-classpath.txt -Dmdep.includeScope=test
fi

root=$(pwd)
# The fuzzer runs from a copy of the module's classes and the project jars, so a build started
# meanwhile in this checkout cannot change a jar under a running fuzzer.
stage() {
  local module=$1 dir="$root/target/fuzz/stage/$1" entry out=()
  rm -rf "$dir" && mkdir -p "$dir/jars"
  cp -r "$root/$module/target/classes" "$dir/classes"
  cp -r "$root/$module/target/test-classes" "$dir/test-classes"
  out+=("$dir/test-classes" "$dir/classes")
  IFS=':' read -ra entries <"$root/$module/target/fuzz-classpath.txt"
  for entry in "${entries[@]}"; do
    if [[ "$entry" == "$root"/* ]]; then
      cp "$entry" "$dir/jars/" && out+=("$dir/jars/$(basename "$entry")")
    else
      out+=("$entry")
    fi
  done
  (IFS=':'; echo "${out[*]}")
}
results=()
for t in "${targets[@]}"; do
  IFS='|' read -r name module class method <<<"$t"
  if [ -n "$filter" ] && [[ "$name" != *"$filter"* ]]; then
    continue
  fi
  package_dir=$(dirname "${class//.//}")
  simple=${class##*.}
  seeds="$root/$module/src/test/resources/$package_dir/${simple}Inputs/$method"
  corpus="$root/target/fuzz/corpus/$name"
  findings="$root/target/fuzz/findings/$name"
  log="$root/target/fuzz/$name.log"
  mkdir -p "$corpus" "$findings"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
  before=$(find "$findings" -type f | wc -l)
  cp=$(stage "$module")
  echo "Fuzzing $name for ${seconds}s ..."
  # -rss_limit_mb: the JVM's own footprint is counted; an input that makes it grow past 4 GiB is
  # an out-of-memory finding. -timeout: one input taking 10 s is a hang finding.
  runs_flag=()
  [ -n "${FUZZ_RUNS:-}" ] && runs_flag=(-runs="$FUZZ_RUNS")
  (cd "$findings" && java -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=off -cp "$cp" \
      com.code_intelligence.jazzer.Jazzer \
      --target_class="$class" --target_method="$method" \
      --instrumentation_includes='jp.securetoken.**:sun.security.**' \
      --keep_going=20 \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
      "${runs_flag[@]}" -artifact_prefix="$findings/" "$corpus" >"$log" 2>&1) || true
  runs=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 | awk '{print $2, $5}')
  [ -z "$runs" ] && runs=$(grep -Eo '^#[0-9]+' "$log" | tail -1 | tr -d '#')" ?"
  after=$(find "$findings" -type f | wc -l)
  results+=("$(printf '%-24s %12s %8s %9s' "$name" "${runs% *}" "${runs#* }" "$((after - before))")")
done

echo
printf '%-24s %12s %8s %9s\n' target executions seconds findings
printf '%s\n' "${results[@]}"
echo
echo "Logs: target/fuzz/<target>.log; findings: target/fuzz/findings/<target>/"
