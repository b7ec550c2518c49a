#!/usr/bin/env bash
# On the GPU machine, in one go: build the kernels with nvcc, run the CUDA tests, then the GPU
# benchmarks (ours and the PyTorch peers), everything written under $OUT (default ./out).
# Needs the bundle from bench/gpu/bundle.sh, carried as .device.
# Usage: bench/gpu/run.sh [tests|bench|peers|all ...]   (default: all; all does not fit in one 10-minute
# device command: run the parts separately, see NOTES.md). WORKLOADS=w1,w7,w3 picks ours, PEER_WORKLOADS=w1,w3
# the peers', PRECISIONS=fp32,tf32 the GEMM precisions of the training steps (ours and theirs).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out="${OUT:-$top/out}"
mkdir -p "$out"
steps="${*:-all}"
log() { echo "== $*" | tee -a "$out/summary.txt"; }
driver=$(bench/gpu/driver-check.sh); driver_ok=$?
log "$driver"
[ $driver_ok -eq 0 ] || exit 1
[ -f "$top/.device/bundle.tgz" ] || { echo "run.sh: .device/bundle.tgz is missing: run bench/gpu/bundle.sh here and carry .device" >&2; exit 1; }
dev=/tmp/saestitch-device
rm -rf "$dev" && mkdir -p "$dev" && tar xzf "$top/.device/bundle.tgz" -C "$dev"
java="$dev/jre/bin/java"

log "$(date -u +%FT%TZ) bundle of commit $(tr '\n' ' ' < "$dev/COMMIT")"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv,noheader 2>&1 | tee -a "$out/summary.txt"

# Kernels: built here for this GPU's toolkit; the bundled copy is the fallback.
kernels="$dev/kernels"
if NVCC_FLAGS="-lineinfo -Xptxas -v" native/build.sh "$kernels" > "$out/nvcc.log" 2>&1; then
  export SAESTITCH_KERNELS="$kernels/libsaestitch_kernels.so"
  log "kernels: built with nvcc ($(grep -c 'spill' "$out/nvcc.log") ptxas reports in nvcc.log)"
else
  log "kernels: nvcc failed (see nvcc.log); using the bundled library"
fi
# cuBLAS and cudart from PyTorch's NVIDIA wheels unless the system has them (CudaLibraries looks in /opt/*/.venv too).
if [ -z "${SAESTITCH_CUDA_LIBS:-}" ] && ! ls /usr/local/cuda/lib64/libcublas.so* >/dev/null 2>&1; then
  wheel=$(python3 -c 'import nvidia, os; [print(os.path.join(p, d, "lib")) for p in nvidia.__path__ for d in sorted(os.listdir(p)) if os.path.exists(os.path.join(p, d, "lib", "libcublas.so.13")) or os.path.exists(os.path.join(p, d, "lib", "libcublas.so.12"))]' 2>/dev/null | head -1)
  [ -n "$wheel" ] && log "cuBLAS from the wheel folder $wheel (LD_LIBRARY_PATH)" && export LD_LIBRARY_PATH="$wheel:${LD_LIBRARY_PATH:-}"
fi

cp="$(ls -d "$dev"/classes/* | tr '\n' ':')$(ls "$dev"/lib/*.jar | tr '\n' ':')"
jvm=(--enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector -Xmx32g)
status=0

if [[ " $steps " == *" all "* || " $steps " == *" tests "* ]]; then
  log "tests: CUDA bindings and backend parity"
  "$java" "${jvm[@]}" -jar "$dev/junit-console.jar" execute --disable-banner --disable-ansi-colors --details=tree --class-path "$cp" \
    --select-package dev.saestitch.bindings.cuda --select-package dev.saestitch.backend.cuda --select-class dev.saestitch.train.CudaTrainingParityTest \
    --select-class dev.saestitch.dict.CudaComparisonParityTest \
    --reports-dir "$out/junit" > "$out/tests.log" 2>&1
  rc=$?; status=$((status | rc))
  tail -25 "$out/tests.log" | tee -a "$out/summary.txt"
  # Here a skipped CUDA test is a failure: the GPU is the point of this run.
  if grep -Eq '\[ +[1-9][0-9]* (tests|containers) aborted' "$out/tests.log"; then
    log "CUDA tests were skipped on the GPU machine (why: first 'no CUDA backend here' line of tests.log):"
    grep -m1 -o 'no CUDA backend here: .*' "$out/tests.log" | cut -c1-600 | tee -a "$out/summary.txt"
    status=1
  fi
fi

if [[ " $steps " == *" all "* || " $steps " == *" bench "* ]]; then
  # Training steps in FP32 and TF32 (PRECISIONS), W7 in all three precisions by itself.
  for w in $(echo "${WORKLOADS:-w1,w7,w3}" | tr ',' ' '); do
    for p in $([ "$w" = w7 ] && echo fp32 || echo "${PRECISIONS:-fp32,tf32}" | tr ',' ' '); do
      log "bench: $w $p"
      SAESTITCH_CUDA_PRECISION=$p timeout 300 "$java" "${jvm[@]}" -Xmx64g -cp "$cp" dev.saestitch.bench.GpuBench "$w" "$out/gpubench.jsonl" >> "$out/bench.log" 2>&1
      rc=$?; [ $rc -ne 0 ] && log "bench $w $p exited with $rc (see bench.log)"
    done
  done
  [ -f "$out/gpubench.jsonl" ] && cat "$out/gpubench.jsonl" >> "$out/summary.txt"
fi

if [[ " $steps " == *" all "* || " $steps " == *" peers "* ]]; then
  log "peers: PyTorch eager and torch.compile"
  for p in $(echo "${PRECISIONS:-fp32,tf32}" | tr ',' ' '); do
    PYTHONUNBUFFERED=1 timeout "${PEERS_TIMEOUT:-500}" python3 bench/peers/sae_step.py --precision "$p" --workloads "${PEER_WORKLOADS:-w1,w3}" \
      --out "$out/peers.jsonl" >> "$out/peers.log" 2>&1 || log "peers $p exited with $? (see peers.log)"
  done
  [ -f "$out/peers.jsonl" ] && cat "$out/peers.jsonl" >> "$out/summary.txt"
fi
exit $status
