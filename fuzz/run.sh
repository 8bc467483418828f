#!/usr/bin/env bash
# Runs every fuzzer: first over its regression inputs (each must pass), then for SECONDS each
# (default 10) from its seed corpus. New corpus entries go to a scratch folder, not the repository.
#   fuzz/run.sh            short run (the test command's)
#   fuzz/run.sh 3600       the long run (an hour per target)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target fuzzers
bin=build/fuzz/bin
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
total=0
for target in http_request_fuzz json_body_fuzz preconditions_fuzz merge_fuzz batch_fuzz; do
  if compgen -G "fuzz/regressions/$target/*" >/dev/null; then
    "$bin/$target" fuzz/regressions/$target/* >/dev/null 2>&1 || { echo "$target: a regression input fails"; exit 1; }
  fi
  mkdir -p "$scratch/$target"
  log="$scratch/$target.log"
  if ! "$bin/$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$scratch/$target-" "$scratch/$target" "fuzz/corpus/$target" >"$log" 2>&1; then
    tail -40 "$log"
    echo "$target: FAILED; the input that broke it is in fuzz/regressions/ once you copy it:"
    ls "$scratch"/"$target"-* 2>/dev/null || true
    exit 1
  fi
  runs=$(grep -o 'Done [0-9]* runs' "$log" | grep -o '[0-9]*' || echo 0)
  total=$((total + runs))
  echo "$target: $runs executions in ${seconds}s, no crash, leak or sanitizer report"
done
echo "fuzz: $total executions"
