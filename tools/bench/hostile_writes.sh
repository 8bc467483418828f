#!/usr/bin/env bash
# Another user's write latency, quiet and while one client sends invalid batches of about 1 MiB
# (50 a second) and another POSTs with a token that does not exist (5,000 a second)
# (docs/performance.md): a fresh lockstepd, then ROUNDS pairs of runs of
# tools/bench/hostile_writes.py (one user's unconditional PATCHes, one at a time), one quiet and
# one under tools/bench/hostile_load.py --only big_batches,bad_tokens. Prints each run's p50 and
# p99, what the hostile clients got, the medians and the ratio of the p50s.
#
# Usage: hostile_writes.sh LOCKSTEPD [ROUNDS=3] [SECONDS=10]   (needs python3 and curl)
# Env:   PORT (default 19291), BATCHES (a second, default 50), BAD_TOKENS (a second, default 5000)
set -euo pipefail

lockstepd=$1
rounds=${2:-3}
seconds=${3:-10}
port=${PORT:-19291}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
server_pid=

cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

writer=$("$lockstepd" user add writer --db "$dir/h.db")
batcher=$("$lockstepd" user add batcher --db "$dir/h.db")
# The default rate limit: 50 batches a second is far below it, and bad tokens have no bucket.
"$lockstepd" serve --listen "127.0.0.1:$port" --db "$dir/h.db" --threads 2 2>/dev/null &
server_pid=$!
for _ in $(seq 1 200); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || exit 1
  sleep 0.05
done
task=$(curl -sf "http://127.0.0.1:$port/v1/tasks" -H "Authorization: Bearer $writer" \
  -H 'Content-Type: application/json' \
  -d '{"userId":"writer","taskTitle":"t","dueDate":"2099-01-01T00:00:00.000Z","warningOffset":0}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["taskId"])')

measure() { python3 "$here/hostile_writes.py" "$port" "$seconds" "$writer" "$task"; }
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

quiet=() hostile=()
for round in $(seq 1 "$rounds"); do
  q=$(measure)
  quiet+=("$(field "$q" p50Ms)")
  echo "round $round quiet:   $q"
  python3 "$here/hostile_load.py" "$port" "$((seconds + 3))" --only big_batches,bad_tokens \
    --batch-token "$batcher" --batches-per-second "${BATCHES:-50}" \
    --bad-tokens-per-second "${BAD_TOKENS:-5000}" >"$dir/hostile.json" &
  hostile_pid=$!
  sleep 2  # let the hostile clients reach their rates before measuring
  h=$(measure)
  hostile+=("$(field "$h" p50Ms)")
  wait "$hostile_pid"
  echo "round $round hostile: $h"
  echo "  hostile clients ($((seconds + 3)) s): $(cat "$dir/hostile.json")"
done

qm=$(printf '%s\n' "${quiet[@]}" | median)
hm=$(printf '%s\n' "${hostile[@]}" | median)
echo "median write p50: quiet $qm ms, hostile $hm ms"
python3 -c "print('write p50 hostile / quiet = %.2f' % ($hm / $qm))"
