#!/usr/bin/env bash
# Builds lockstepd as a user or packager would, from a fresh build folder with plain
# `cmake -DCMAKE_BUILD_TYPE=Release` (no preset: no -Werror, -O3 where the presets use -O2, whose
# extra analysis finds warnings of its own), and fails if the build fails or the compiler warns.
# ccache makes a repeated run cheap. Usage: scripts/check_plain_build.sh [CXX...]
# (default: the system's c++; e.g. `scripts/check_plain_build.sh g++ clang++`).
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
[ $# -gt 0 ] || set -- c++
for cxx in "$@"; do
  dir="build/plain-$(basename "$cxx")"
  rm -rf "$dir"
  log="$dir.log"
  start=$SECONDS
  if ! { cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" \
           -DCMAKE_CXX_COMPILER_LAUNCHER=ccache &&
         cmake --build "$dir" --parallel "$(nproc)" --target lockstepd; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "check_plain_build: a plain Release build of lockstepd with $cxx fails (log: $log)" >&2
    exit 1
  fi
  if grep -n 'warning:' "$log" >&2; then
    echo "check_plain_build: a plain Release build of lockstepd with $cxx warns (log: $log)" >&2
    exit 1
  fi
  echo "check_plain_build: $cxx: plain Release build of lockstepd OK in $((SECONDS - start)) s" >&2
done
