#!/usr/bin/env bash
# A normal client's latency, quiet and under hostile clients (docs/reliability.md): a fresh
# lockstepd, then ROUNDS pairs of `lockstep-bench --workload read` runs, one quiet and one while
# tools/bench/hostile_load.py abuses the same server (1,000 slow-loris connections, half-open
# connections, a client that never reads, a connection flood, oversized, endless and invalid
# requests). Prints each run's requests/s and p99, the medians, their ratio, and the server's RSS
# and /healthz answer at the end of each hostile run.
#
# Usage: hostile.sh LOCKSTEPD LOCKSTEP_BENCH [ROUNDS=3] [SECONDS=10]   (needs python3 and curl)
# Env:   PORT (default 19290), LORIS (slow-loris connections, default 1000), BENCH_FLAGS (default
#        "-c 16 --hot 100").
set -euo pipefail

lockstepd=$1
bench=$2
rounds=${3:-3}
seconds=${4:-10}
port=${PORT:-19290}
loris=${LORIS:-1000}
bench_flags=${BENCH_FLAGS:-"-c 16 --hot 100"}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=hostile_server.sh
source "$here/hostile_server.sh"

token=$("$lockstepd" user add bench --create --db "$dir/h.db")
# A 2 s read timeout, as an operator facing such clients would set, so that slow-loris
# connections are cut off and reopened during the run rather than only at its end.
start_server --rate-limit 0 --read-timeout 2

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status"; }

# One bench run; prints "requests/s p99_ms".
run_bench() {
  # shellcheck disable=SC2086
  LOCKSTEP_TOKEN=$token "$bench" --url "http://127.0.0.1:$port" --workload read -d "$seconds" \
    $bench_flags --json 2>/dev/null |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print(round(r["requestsPerSec"]), r["latencyMs"]["request"]["p99"])'
}

quiet_rps=() quiet_p99=() hostile_rps=() hostile_p99=()
for round in $(seq 1 "$rounds"); do
  read -r rps p99 < <(run_bench)
  quiet_rps+=("$rps") quiet_p99+=("$p99")
  echo "round $round quiet:   $rps requests/s, p99 $p99 ms"

  python3 "$here/hostile_load.py" "$port" "$((seconds + 4))" --loris "$loris" --token "$token" \
    >"$dir/hostile.json" &
  hostile_pid=$!
  sleep 3  # let the slow-loris connections open before measuring
  read -r rps p99 < <(run_bench)
  hostile_rps+=("$rps") hostile_p99+=("$p99")
  health=$(curl -s -o /dev/null -w '%{http_code} in %{time_total}s' "http://127.0.0.1:$port/healthz")
  rss=$(rss_kib)
  wait "$hostile_pid"
  echo "round $round hostile: $rps requests/s, p99 $p99 ms; /healthz $health; RSS $rss KiB"
  echo "  hostile clients: $(cat "$dir/hostile.json")"
done

q99=$(printf '%s\n' "${quiet_p99[@]}" | median)
h99=$(printf '%s\n' "${hostile_p99[@]}" | median)
qr=$(printf '%s\n' "${quiet_rps[@]}" | median)
hr=$(printf '%s\n' "${hostile_rps[@]}" | median)
echo "median quiet:   $qr requests/s, p99 $q99 ms"
echo "median hostile: $hr requests/s, p99 $h99 ms"
python3 -c "print('p99 hostile / quiet = %.2f; requests/s hostile / quiet = %.2f' % ($h99 / $q99, $hr / $qr))"
