#!/usr/bin/env bash
# Prepares .device/bundle.tgz (ignored by git) for bench/gpu/run.sh on the GPU machine, which has
# nvcc and PyTorch but no JDK, no Maven and no network: a Java 25 runtime (made by
# ../shared/tools/device-jre), the modules' classes (engine and bindings test classes included), their
# dependencies without OpenBLAS (the GPU run needs none) and the JUnit console launcher (which
# brings JUnit itself). Packed
# as one tar.gz (about 40 MB) to stay inside the 64 MiB a device call carries. Run it here, then
# name ".device" in the device call's carry. Usage: bench/gpu/bundle.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
stage="$top/target/device-bundle"   # target/ is ignored and does not travel
mkdir -p "$stage" "$top/.device"

if [ ! -x "$stage/jre/bin/java" ]; then
  tool=""
  for t in "$top/../shared/tools/device-jre" "$top/../../shared/tools/device-jre"; do [ -x "$t" ] && { tool=$t; break; }; done
  [ -n "$tool" ] || { echo "bundle.sh: ../shared/tools/device-jre not found beside the checkout" >&2; exit 1; }
  # device-jre also writes .git/info/exclude, which a worktree lacks (its .git is a file): the runtime is there all the same.
  "$tool" "$stage/jre" || [ -x "$stage/jre/bin/java" ]
fi

rm -rf "$stage/classes" "$stage/lib"
mkdir -p "$stage/classes" "$stage/lib"
# One reactor run: package, then copy each module's dependencies (siblings resolve from the reactor).
./mvnw -B -q -DskipTests -pl bench -am package dependency:copy-dependencies -DincludeScope=test \
  -DexcludeGroupIds=dev.saestitch,org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian -DexcludeArtifactIds=openblas,javacpp -DoutputDirectory="$stage/lib"
for m in native bindings engine bench; do cp -r "$m/target/classes" "$stage/classes/$m"; done
cp -r engine/target/test-classes "$stage/classes/engine-test"
cp -r bindings/target/test-classes "$stage/classes/bindings-test"
junit="$HOME/.m2/repository/org/junit/platform/junit-platform-console-standalone/1.11.4/junit-platform-console-standalone-1.11.4.jar"
[ -f "$junit" ] || ./mvnw -B -q dependency:get -Dartifact=org.junit.platform:junit-platform-console-standalone:1.11.4
cp "$junit" "$stage/junit-console.jar"
git rev-parse HEAD > "$stage/COMMIT" 2>/dev/null || echo unknown > "$stage/COMMIT"
git status --porcelain | grep -q . && echo "(with uncommitted changes)" >> "$stage/COMMIT"
tar czf "$top/.device/bundle.tgz" -C "$stage" jre classes lib junit-console.jar COMMIT
echo "bundle.sh: .device/bundle.tgz, $(du -h "$top/.device/bundle.tgz" | cut -f1); carry \".device\" and run bench/gpu/run.sh"
