#!/usr/bin/env bash
# Runs ours (JMH, pinned to one core, one BLAS thread, one processor for the JVM) and the peers
# (torch_step.py with Debian's python3-torch, numpy_peers.py, and match_cli.py: `saestitch match` as a
# whole process against scipy's two solves) one after the other, and prints the side-by-side table.
# Results: bench/results/<date>-<machine>-peers.{jsonl,json,md}.
# Usage: bench/peers/run.sh   (takes about 15 minutes on an idle 2-core machine)
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
jdk=/usr/lib/jvm/temurin-25-jdk-amd64
machine="$(nproc)cpu-$(awk '/model name/{print $4; exit}' /proc/cpuinfo | tr -cd '[:alnum:]')"
out="$top/bench/results/$(date -u +%Y-%m-%d)-$machine-peers"
(cd "$top" && JAVA_HOME="$jdk" ./mvnw -B -q -DskipTests -pl bench -am package)
export OPENBLAS_NUM_THREADS=1
one="taskset -c 0"
$one "$jdk/bin/java" -jar "$top/bench/target/benchmarks.jar" \
  'TrainStepBench.step|AssignmentBench|DictionaryBench.(maxDots|bareGemm)|MatchBench' \
  -p arch=topk,batchtopk -p n=2048,4096 -p matrix=seeds,uniform -p pair=seeds,hard -f 1 -wi 1 -w 5s -i 3 -r 5s \
  -jvmArgsAppend "-XX:ActiveProcessorCount=1" -rf json -rff "$out.json" | tail -20
: > "$out.jsonl"
/usr/bin/python3 "$top/bench/peers/torch_step.py" | tee -a "$out.jsonl"
python3 "$top/bench/peers/numpy_peers.py" --lap-n 2048,4096 --match-n 2048,4096 | tee -a "$out.jsonl"
python3 "$top/bench/peers/match_cli.py" --n 4096,8192 --repeats 1 | tee -a "$out.jsonl"
python3 "$top/bench/peers/table.py" "$out.json" "$out.jsonl" | tee "$out.md"
