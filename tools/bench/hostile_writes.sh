#!/usr/bin/env bash
# Another user's write latency, quiet and while one client sends invalid batches of about 1 MiB
# (50 a second) and another POSTs with a token that does not exist (5,000 a second)
# (docs/performance.md): a fresh lockstepd, then ROUNDS pairs of runs of
# tools/bench/hostile_writes.py (one user's unconditional PATCHes, one at a time), one quiet and
# one under tools/bench/hostile_load.py --only big_batches,bad_tokens. Prints each run's p50 and
# p99, what the hostile clients got, the medians and the ratio of the p50s.
#
# Usage: hostile_writes.sh LOCKSTEPD [ROUNDS=3] [SECONDS=10]   (needs python3 and curl)
# Env:   PORT (default 19291), BATCHES (a second, default 50), BAD_TOKENS (a second, default 5000),
#        BATCH_KIND (over, within or mixed: see hostile_load.py; default over)
set -euo pipefail

lockstepd=$1
rounds=${2:-3}
seconds=${3:-10}
port=${PORT:-19291}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=hostile_server.sh
source "$here/hostile_server.sh"

writer=$("$lockstepd" user add writer --create --db "$dir/h.db")
batcher=$("$lockstepd" user add batcher --db "$dir/h.db")
# No rate limit, as for every benchmark: the measuring writer alone exceeds the default 1,000/s
# (50 batches a second would be far below it, and bad tokens have no bucket).
start_server --rate-limit 0
task=$(curl -sf "http://127.0.0.1:$port/v1/tasks" -H "Authorization: Bearer $writer" \
  -H 'Content-Type: application/json' \
  -d '{"userId":"writer","taskTitle":"t","dueDate":"2099-01-01T00:00:00.000Z","warningOffset":0}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["taskId"])')

measure() { python3 "$here/hostile_writes.py" "$port" "$seconds" "$writer" "$task"; }
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

# Warm-up, not counted: the first seconds of writes to a fresh database grow its WAL file, and
# each such commit costs more than the ones that reuse it.
python3 "$here/hostile_writes.py" "$port" 3 "$writer" "$task" >/dev/null

quiet=() hostile=()
for round in $(seq 1 "$rounds"); do
  q=$(measure)
  quiet+=("$(field "$q" p50Ms)")
  echo "round $round quiet:   $q"
  python3 "$here/hostile_load.py" "$port" "$((seconds + 3))" --only big_batches,bad_tokens \
    --batch-token "$batcher" --batches-per-second "${BATCHES:-50}" \
    --bad-tokens-per-second "${BAD_TOKENS:-5000}" --batch-kind "${BATCH_KIND:-over}" >"$dir/hostile.json" &
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
