#!/usr/bin/env bash
# Runs the CPU JMH benchmarks and keeps the results: bench/results/<date>-<machine>-<name>.json
# plus the JMH text output. Usage: bench/run-cpu.sh [JMH regexp] [extra JMH args...]
# (default: every benchmark). Builds bench/target/benchmarks.jar first.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
filter=${1:-.}
shift || true
jdk=""
for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
  if [ -n "$c" ] && [ -x "$c/bin/java" ] && "$c/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then jdk=$c; break; fi
done
[ -n "$jdk" ] || { echo "run-cpu.sh: no JDK 25 found" >&2; exit 1; }
(cd "$top" && JAVA_HOME="$jdk" ./mvnw -B -q -DskipTests -pl bench -am package)
machine="$(nproc)cpu-$(awk '/model name/{print $4; exit}' /proc/cpuinfo | tr -cd '[:alnum:]')"
name=$(echo "$filter" | tr -c '[:alnum:]\n' '-' | sed 's/-*$//;s/^-*//')
out="$top/bench/results/$(date -u +%Y-%m-%d)-$machine-${name:-all}"
"$jdk/bin/java" -jar "$top/bench/target/benchmarks.jar" "$filter" -rf json -rff "$out.json" "$@" | tee "$out.txt"
echo "results: $out.json (and .txt); commit them with the machine and the command in bench/results/README.md" >&2
