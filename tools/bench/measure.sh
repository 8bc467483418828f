#!/usr/bin/env bash
# Reproduces the figures of docs/performance.md: a fresh lockstepd (--threads 2, and
# --rate-limit 0 where the server has that flag), then RUNS rounds of the three measured
# workloads, interleaved so that background load hits them alike. Prints one line per run and the
# medians (of the runs that stayed undisturbed).
#
# Usage: measure.sh LOCKSTEPD LOCKSTEP_BENCH [RUNS=3] [SECONDS=10]
# Env:   PORT for the server (default 19190); SERVER_LOG=/dev/null to discard the server's
#        request log (default: a file, whose size is reported); SERVER_FLAGS to add server flags;
#        WORKLOADS to replace the list below; DB to serve another database than a fresh SQLite
#        file (a postgresql:// URL: tools/bench/measure_pg.sh sets one up), whose server processes'
#        CPU (those of the postgres user) is then reported as db_cpu, apart from everyone else's.
set -euo pipefail

lockstepd=$1
bench=$2
runs=${3:-3}
seconds=${4:-10}
dir=$(mktemp -d)
log=${SERVER_LOG:-$dir/server.log}
hz=$(getconf CLK_TCK)
server_pid=
port=${PORT:-19190}
db=${DB:-$dir/b.db}
workloads=${WORKLOADS:-"healthz:-c 16|read:-c 16 --hot 100|occ:-c 64 --hot 100"}

cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
# A timed-out test is sent SIGTERM: exit, so that the EXIT trap stops the server.
trap 'exit 143' TERM INT

# utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# The same for every process of the database server (PostgreSQL runs as its own user; its
# backends come and go, so ended ones are missed: a lower bound). 0 on SQLite.
db_ticks() {
  [[ $db == postgres* ]] || { echo 0; return; }
  local pids
  pids=$(pgrep -u postgres | sed 's#.*#/proc/&/stat#')
  # shellcheck disable=SC2086  # one path per word
  [[ -n $pids ]] && cat $pids 2>/dev/null | awk '{ t += $14 + $15 } END { print t + 0 }' || echo 0
}
# Busy time of the whole machine, in clock ticks: everything in /proc/stat's cpu line but idle
# and iowait.
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# On two cores, anything else running (a compiler, typically) takes CPU from the server or the
# tool and the figures with it: wait, boundedly, for the machine to be quiet before each run.
wait_for_quiet() {
  for _ in $(seq 1 600); do
    local before after
    before=$(busy_ticks)
    sleep 1
    after=$(busy_ticks)
    (( after - before <= hz / 10 )) && return 0
  done
  echo "the machine never became quiet; measuring anyway" >&2
}

# One run of the tool; prints its result line with the server's CPU and everyone else's.
measure_once() {
  local name=$1 flags=$2 round=$3
  wait_for_quiet
  local server_before busy_before db_before server_after busy_after db_after
  server_before=$(cpu_ticks "$server_pid")
  busy_before=$(busy_ticks)
  db_before=$(db_ticks)
  # shellcheck disable=SC2086  # flags are words on purpose
  LOCKSTEP_TOKEN=$token "$bench" --url "http://127.0.0.1:$port" --workload "$name" \
    -d "$seconds" $flags --json 2>/dev/null >"$dir/run.json" || echo "run failed: $?" >&2
  server_after=$(cpu_ticks "$server_pid")
  busy_after=$(busy_ticks)
  db_after=$(db_ticks)
  jq -c --arg name "$name" --arg flags "$flags" --arg round "$round" --argjson hz "$hz" \
     --argjson server "$(( server_after - server_before ))" \
     --argjson busy "$(( busy_after - busy_before ))" \
     --argjson db "$(( db_after - db_before ))" \
     '{name: $name, flags: $flags, round: $round, rps: .requestsPerSec, ops: .opsPerSec,
       conflict: .conflictRate, p50: .latencyMs.request.p50, p99: .latencyMs.request.p99,
       p999: .latencyMs.request.p999, op_p99: .latencyMs.op.p99,
       tool_cpu: .cpu.percentOfOneCore,
       server_cpu: ($server / $hz / .elapsedS * 100),
       db_cpu: ($db / $hz / .elapsedS * 100),
       other_cpu: (($busy - $server - $db) / $hz / .elapsedS * 100 - .cpu.percentOfOneCore),
       check: (if .verification == null and ((.checks // []) | length) == 0 then null
               else ((.verification.pass // true) and ((.checks // []) | map(.pass) | all)) end),
       merged: .mergeRate, shed: .shedRate, errors: .unexpectedStatuses}
     | .disturbed = (.other_cpu > 15)' "$dir/run.json"
}

# `--create` where the server has it (older builds create the database unasked).
token=$("$lockstepd" user add bench --create --db "$db" 2>/dev/null || "$lockstepd" user add bench --db "$db")
server_flags=(--threads 2)
# Benchmarks run without the per-principal rate limit (API.md §7), on servers that have one.
if "$lockstepd" --help 2>/dev/null | grep -q -- '--rate-limit'; then server_flags+=(--rate-limit 0); fi
# A fixed port, so that the server's stderr can go straight to /dev/null (a pipe through another
# process would add that process's CPU to the figures).
"$lockstepd" serve --listen "127.0.0.1:$port" --db "$db" "${server_flags[@]}" ${SERVER_FLAGS:-} \
  2>"$log" &
server_pid=$!
for _ in $(seq 1 200); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  kill -0 "$server_pid" || { echo "lockstepd did not start" >&2; exit 1; }
  sleep 0.05
done

results=$dir/results.jsonl
IFS='|' read -r -a specs <<<"$workloads"
for round in $(seq 1 "$runs"); do
  for spec in "${specs[@]}"; do
    # A run that something else disturbed (over 15 % of a core) is measured again, twice at most.
    for _ in 1 2 3; do
      line=$(measure_once "${spec%%:*}" "${spec#*:}" "$round")
      echo "$line"
      jq -e '.disturbed' <<<"$line" >/dev/null || break
      echo "  (disturbed: measured again)"
    done
    echo "$line" >>"$results"
  done
done

echo "medians over the undisturbed runs:"
jq -s -c 'map(select(.disturbed | not)) | group_by(.name + " " + .flags)[] | sort_by(.rps) as $r | ($r | length) as $n | $r[($n / 2 | floor)] as $m
  | {name: $m.name, flags: $m.flags, rps: ($m.rps | round),
     ops: ([ $r[].ops ] | sort | .[($n / 2 | floor)] | round),
     p99: ([ $r[].p99 ] | sort | .[($n / 2 | floor)]),
     tool_cpu: ([ $r[].tool_cpu ] | sort | .[($n / 2 | floor)] | round),
     server_cpu: ([ $r[].server_cpu ] | sort | .[($n / 2 | floor)] | round),
     db_cpu: ([ $r[].db_cpu ] | sort | .[($n / 2 | floor)] | round),
     other_cpu: ([ $r[].other_cpu ] | sort | .[($n / 2 | floor)] | round),
     conflict: ([ $r[].conflict ] | sort | .[($n / 2 | floor)]),
     merged: ([ $r[].merged ] | sort | .[($n / 2 | floor)]),
     runs: $n, checks: [ $r[].check ]}' "$results"
if [[ $log != /dev/null ]]; then
  echo "server log: $(wc -c <"$log") bytes, $(wc -l <"$log") lines"
fi
