#!/usr/bin/env bash
# The bench's correctness checks as tests: a fresh lockstepd on a free port, one lockstep-bench
# run against it, exit status 0 only when the run's checks pass (for occ: every acknowledged
# increment is in the server's final state) with no unexpected status or error.
#
# Usage: bench_check.sh LOCKSTEPD LOCKSTEP_BENCH [--users N] [--server FLAG]... [--expect TEXT]...
#                       [BENCH_ARG...]
#   --users N      create N more principals and pass their tokens (--token) to the bench: the
#                  lock workload needs one per connection
#   --server FLAG  one more word for `lockstepd serve` (e.g. --server --max-pending-writes
#                  --server 4)
#   --expect TEXT  the run's --json report must contain TEXT (e.g. '"sold":10')
# Without BENCH_ARGs it runs `--workload occ -c 16 -d 3 --hot 10`.
set -euo pipefail

lockstepd=$1
bench=$2
shift 2
users=0
extra_server_flags=()
expects=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --users) users=$2; shift 2 ;;
    --server) extra_server_flags+=("$2"); shift 2 ;;
    --expect) expects+=("$2"); shift 2 ;;
    *) break ;;
  esac
done
bench_args=("$@")
[[ ${#bench_args[@]} -gt 0 ]] || bench_args=(--workload occ -c 16 -d 3 --hot 10)
dir=$(mktemp -d)
server_pid=

cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
# A timed-out test is sent SIGTERM: exit, so that the EXIT trap stops the server.
trap 'exit 143' TERM INT

token=$("$lockstepd" user add bench --create --db "$dir/b.db")
tokens=()
for i in $(seq 1 "$users"); do tokens+=("$("$lockstepd" user add "bench$i" --db "$dir/b.db")"); done
server_flags=()
# Benchmarks run without the per-principal rate limit (API.md §7), on servers that have one.
if "$lockstepd" --help 2>/dev/null | grep -q -- '--rate-limit'; then server_flags+=(--rate-limit 0); fi
server_flags+=("${extra_server_flags[@]}")
# The background job opens its log when it starts, maybe after the probe below first reads it.
: >"$dir/server.log"
"$lockstepd" serve --listen 127.0.0.1:0 --db "$dir/b.db" "${server_flags[@]}" 2>"$dir/server.log" &
server_pid=$!

# Readiness probe: the server logs its bound address once it listens; then /healthz must answer.
port=
for _ in $(seq 1 200); do
  port=$(sed -n 's/.*"msg":"listening".*"address":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' \
         "$dir/server.log" | head -n 1)
  [[ -n $port ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$dir/server.log" >&2; echo "lockstepd exited" >&2; exit 1; }
  sleep 0.05
done
[[ -n $port ]] || { cat "$dir/server.log" >&2; echo "lockstepd never listened" >&2; exit 1; }
if command -v curl >/dev/null; then
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.05
  done
fi

token_flags=()
if [[ ${#tokens[@]} -gt 0 ]]; then token_flags=(--token "$(IFS=,; echo "${tokens[*]}")"); fi
status=0
# The report goes to stderr (the test log); the JSON object to a file for --expect.
LOCKSTEP_TOKEN=$token "$bench" --url "http://127.0.0.1:$port" "${token_flags[@]}" --json \
  "${bench_args[@]}" >"$dir/report.json" || status=$?

kill -TERM "$server_pid"
server_rc=0
wait "$server_pid" || server_rc=$?
server_pid=
if [[ $status -ne 0 ]]; then
  echo "lockstep-bench exited with $status; server log tail:" >&2
  tail -n 20 "$dir/server.log" >&2
  exit "$status"
fi
for text in "${expects[@]}"; do
  if ! grep -qF -- "$text" "$dir/report.json"; then
    echo "the report lacks $text:" >&2
    cat "$dir/report.json" >&2
    exit 1
  fi
done
if [[ $server_rc -ne 0 ]]; then
  echo "lockstepd exited with $server_rc after SIGTERM" >&2
  tail -n 20 "$dir/server.log" >&2
  exit 1
fi
echo "bench_check ${bench_args[*]}: PASS"
