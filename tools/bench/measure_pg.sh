#!/usr/bin/env bash
# The PostgreSQL figures of docs/performance.md: starts a private PostgreSQL server (as the
# postgres user, in a temporary directory, on a loopback port, with its default durability: fsync
# on, synchronous_commit on), then runs measure.sh for each build in turn, ROUNDS times, each run
# on a fresh database, so that the builds alternate and background load hits them alike. Prints
# one line per run, prefixed with the build's position (A, B, ...), then the medians per build.
#
# Usage: measure_pg.sh ROUNDS SECONDS LOCKSTEP_BENCH LOCKSTEPD_A [LOCKSTEPD_B ...]
# Env:   WORKLOADS as for measure.sh (default: the four of issue 19 below); PG_PORT (55432);
#        PG_BIN (the newest /usr/lib/postgresql/*/bin).
set -euo pipefail

rounds=$1
seconds=$2
bench=$3
shift 3
builds=("$@")
here=$(cd "$(dirname "$0")" && pwd)
pg_port=${PG_PORT:-55432}
export WORKLOADS=${WORKLOADS:-"occ:-c 64 --hot 100|purchase:-c 64|create:-c 64|read:-c 16 --hot 100"}
export SERVER_LOG=${SERVER_LOG:-/dev/null}

# shellcheck source=tools/bench/bench_lib.sh
source "$here/bench_lib.sh"

dir=$(mktemp -d)
cleanup() {
  stop_private_postgres "$dir"
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

start_private_postgres "$dir" "$pg_port"

labels=(A B C D E F)
results=$dir/results.jsonl
for round in $(seq 1 "$rounds"); do
  for i in "${!builds[@]}"; do
    psql_admin "$pg_port" "DROP DATABASE IF EXISTS bench"
    psql_admin "$pg_port" "CREATE DATABASE bench"
    DB="postgresql://postgres@127.0.0.1:$pg_port/bench" PORT=$((19190 + i)) \
      "$here/measure.sh" "${builds[$i]}" "$bench" 1 "$seconds" 2>&1 | grep '^{.*"round"' |
      jq -c --arg build "${labels[$i]}" '{build: $build} + .' | tee -a "$results"
  done
done

for i in "${!builds[@]}"; do echo "${labels[$i]}: ${builds[$i]}"; done
echo "medians:"
jq -s -c 'map(select(.disturbed | not)) | group_by(.build + " " + .name + " " + .flags)[] | length as $n | (($n - 1) / 2 | floor) as $k
  | def med(f): ([ .[] | f ] | sort | .[$k]);
  {build: .[0].build, name: .[0].name, flags: .[0].flags, runs: $n, rps: (med(.rps) | round),
   ops: (med(.ops) | round), p99: med(.p99), op_p99: med(.op_p99), server_cpu: (med(.server_cpu) | round),
   db_cpu: (med(.db_cpu) | round), checks: [ .[].check ], errors: [ .[].errors ]}' "$results"
