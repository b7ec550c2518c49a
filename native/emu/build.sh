#!/usr/bin/env bash
# Builds the emulated CUDA device (see emu/README.md) into the folder given (default
# target/classes/dev/saestitch/native/linux-x86_64/emulated, where the Maven build packs it):
#   libcudart.so.13           the scheduler and a stand-in CUDA runtime (runtime.cpp)
#   libcublas.so.13           a stand-in cuBLAS on OpenBLAS (cublas.cpp)
#   libsaestitch_kernels.so   src/saestitch_kernels.cu compiled by g++, launches rewritten by rewrite.pl
# then runs selftest.cu (the diagnostics and thread orders) in each order; a failed check fails it.
# Needs g++ (C++17) and perl; without g++ it prints one line and exits 0, so that the rest of the
# project still builds (the CUDA tests then skip, saying why). Rebuilds only what is out of date.
# Usage: native/emu/build.sh [OUTPUT_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/../src"
out="${1:-$here/../target/classes/dev/saestitch/native/linux-x86_64/emulated}"
cxx="${CXX:-g++}"
if ! command -v "$cxx" >/dev/null 2>&1; then
  echo "native/emu: $cxx not found: the emulated CUDA device is not built (Debian: apt-get install g++); its tests will skip"
  exit 0
fi
if ! command -v perl >/dev/null 2>&1; then
  echo "native/emu: perl not found: the emulated CUDA device is not built (Debian: apt-get install perl); its tests will skip"
  exit 0
fi
mkdir -p "$out"
common=(-O2 -g -std=c++17 -pthread -Wall -Wno-unknown-pragmas -Wno-sign-compare -I "$here/include")
flags=("${common[@]}" -fPIC -shared)

# stale TARGET SOURCES...: whether TARGET is missing or older than a source (or this script)
stale() {
  local target="$1"; shift
  [ ! -f "$target" ] || [ -n "$(find "$@" "$0" -newer "$target" -print -quit)" ]
}

built=()
if stale "$out/libcudart.so.13" "$here/runtime.cpp" "$here/include"; then
  "$cxx" "${flags[@]}" -Wl,-soname,libcudart.so.13 -o "$out/libcudart.so.13" "$here/runtime.cpp"
  built+=(libcudart.so.13)
fi
if stale "$out/libcublas.so.13" "$here/cublas.cpp" "$here/include" "$out/libcudart.so.13"; then
  "$cxx" "${flags[@]}" -Wl,-soname,libcublas.so.13 -o "$out/libcublas.so.13" "$here/cublas.cpp" \
    "$out/libcudart.so.13" -Wl,-rpath,'$ORIGIN' -ldl
  built+=(libcublas.so.13)
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if stale "$out/libsaestitch_kernels.so" "$src" "$here/include" "$here/rewrite.pl" "$out/libcudart.so.13"; then
  perl "$here/rewrite.pl" "$src/saestitch_kernels.cu" > "$tmp/saestitch_kernels.cpp"
  "$cxx" "${flags[@]}" -include saestitch_emu.h -I "$src" -o "$out/libsaestitch_kernels.so" "$tmp/saestitch_kernels.cpp" \
    "$out/libcudart.so.13" -Wl,-rpath,'$ORIGIN'
  built+=(libsaestitch_kernels.so)
fi
if [ ${#built[@]} -eq 0 ] && ! stale "$out/libsaestitch_kernels.so" "$here/selftest.cu"; then
  echo "native/emu: the emulated CUDA device in $out is up to date"
  exit 0
fi
[ ${#built[@]} -eq 0 ] || echo "native/emu: built ${built[*]} in $out with $("$cxx" --version | head -1)"
# The device's own checks (selftest.cu) in each thread order; a failure fails the build.
perl "$here/rewrite.pl" "$here/selftest.cu" > "$tmp/selftest.cpp"
"$cxx" "${common[@]}" -include saestitch_emu.h -o "$tmp/selftest" "$tmp/selftest.cpp" "$out/libcudart.so.13" -Wl,-rpath,"$out"
for order in forward reverse random; do
  SAESTITCH_EMU_ORDER=$order SAESTITCH_EMU_MAX_GRID_Y=64 "$tmp/selftest" 2>&1 | sed 's/^/  /'
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "native/emu: the selftest failed in $order order"; exit 1; }
done
touch "$out/libsaestitch_kernels.so"  # newer than selftest.cu: checked
