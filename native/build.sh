#!/usr/bin/env bash
# Builds libsaestitch_kernels.so from src/*.cu with nvcc, into the folder given (default
# target/classes/dev/saestitch/native/linux-x86_64, where the Maven build packs it into the jar).
# Finds nvcc in $CUDA_HOME/bin, /usr/local/cuda/bin, then PATH; without one it prints one line
# and exits 0, so that a machine without CUDA still builds the rest of the project.
# Extra nvcc flags (e.g. -lineinfo, -Xptxas -v) come from $NVCC_FLAGS.
# Usage: native/build.sh [OUTPUT_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/target/classes/dev/saestitch/native/linux-x86_64}"

nvcc=""
for candidate in "${CUDA_HOME:+$CUDA_HOME/bin/nvcc}" /usr/local/cuda/bin/nvcc "$(command -v nvcc 2>/dev/null || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then nvcc="$candidate"; break; fi
done
if [ -z "$nvcc" ]; then
  echo "native: nvcc not found (CUDA_HOME, /usr/local/cuda/bin, PATH): libsaestitch_kernels.so is not built; the CUDA backend will say so at run time"
  exit 0
fi

mkdir -p "$out"
lib="$out/libsaestitch_kernels.so"
if [ -f "$lib" ] && [ -z "$(find "$here/src" "$0" -newer "$lib" -print -quit)" ]; then
  echo "native: $lib is up to date"
  exit 0
fi
tmp="$out/.libsaestitch_kernels.so.$$"
# sm_80 and sm_90a machine code, plus compute_90 PTX that newer GPUs compile at load.
# cudart is linked dynamically (-cudart shared): the process shares the libcudart the bindings open.
"$nvcc" -O3 -std=c++17 -Xcompiler -fPIC,-Wall -shared -cudart shared \
  -gencode arch=compute_80,code=sm_80 \
  -gencode arch=compute_90a,code=sm_90a \
  -gencode arch=compute_90,code=compute_90 \
  ${NVCC_FLAGS:-} \
  -I "$here/src" -o "$tmp" "$here"/src/*.cu
mv -f "$tmp" "$lib"
echo "native: built $lib with $("$nvcc" --version | tail -1)"
