#!/usr/bin/env bash
# Exits 1, saying why in one line, unless this machine's NVIDIA driver runs the CUDA major that the
# bundled kernels and runtime are built for (NEEDED_CUDA, default 13: a driver of the 580 series or
# newer). nvidia-smi's header names the newest CUDA its driver runs. run.sh calls it first, so that
# a driver too old fails in a second rather than after the bundle, the build and every test have
# spent device minutes on cudaErrorInsufficientDriver.
# Usage: bench/gpu/driver-check.sh
set -uo pipefail
needed="${NEEDED_CUDA:-13}"
if ! header=$(nvidia-smi 2>&1); then
  echo "driver check: nvidia-smi fails: $(echo "$header" | head -1)"
  exit 1
fi
supported=$(echo "$header" | grep -o 'CUDA Version: *[0-9][0-9.]*' | grep -o '[0-9][0-9.]*$' | head -1)
driver=$(echo "$header" | grep -o 'Driver Version: *[0-9][0-9.]*' | grep -o '[0-9][0-9.]*$' | head -1)
if [ -z "$supported" ]; then
  echo "driver check: nvidia-smi names no CUDA version"
  exit 1
fi
if [ "${supported%%.*}" -lt "$needed" ]; then
  echo "driver check: driver ${driver:-?} runs CUDA up to $supported; the kernels and runtime need CUDA $needed (a 580-series driver or newer)"
  exit 1
fi
echo "driver check: driver ${driver:-?} runs CUDA up to $supported (CUDA $needed needed)"
