#!/usr/bin/env bash
# Several lockstepd nodes on one PostgreSQL database behind nginx (docs/operations.md, "Behind
# nginx") against one node, same total connections: the multi-node figures of
# docs/performance.md. Starts a private PostgreSQL (as measure_pg.sh does) and, per round, for each
# setup in turn on a fresh database: one node direct, one node behind nginx, NODES nodes behind
# nginx. Prints one line per run, then the medians per setup.
#
# Usage: measure_pg_nodes.sh ROUNDS SECONDS LOCKSTEPD LOCKSTEP_BENCH
# Env:   NODES (3); NODE_FLAGS, more flags for every node (e.g. --threads 1); WORKLOADS as for measure.sh (default below); PG_PORT (55433); PG_BIN.
set -euo pipefail

rounds=$1
seconds=$2
lockstepd=$3
bench=$4
nodes=${NODES:-3}
pg_port=${PG_PORT:-55433}
workloads=${WORKLOADS:-"occ:-c 64 --hot 100|read:-c 16 --hot 100"}
proxy_port=19280

# shellcheck source=tools/bench/bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"

dir=$(mktemp -d)
chmod 755 "$dir"  # nginx workers run as another user
pids=()
stop_nodes() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
  if [[ -f $dir/nginx.pid ]]; then
    kill -QUIT "$(cat "$dir/nginx.pid")" 2>/dev/null || true
    for _ in $(seq 1 100); do [[ -f $dir/nginx.pid ]] || break; sleep 0.05; done
  fi
}
cleanup() {
  stop_nodes
  stop_private_postgres "$dir"
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

start_private_postgres "$dir" "$pg_port"
db="postgresql://postgres@127.0.0.1:$pg_port/bench"

# The configuration of docs/operations.md, for ports 19281.. and one nginx worker per core.
write_nginx_conf() {
  local count=$1 servers=""
  for i in $(seq 1 "$count"); do servers+="    server 127.0.0.1:$((19280 + i)) max_fails=2 fail_timeout=5s;"$'\n'; done
  cat >"$dir/nginx.conf" <<EOF
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/nginx_body;
  proxy_temp_path $dir/nginx_proxy;
  upstream lockstep {
    least_conn;
$servers    keepalive 64;
  }
  server {
    listen 127.0.0.1:$proxy_port;
    client_max_body_size 1m;
    location / {
      proxy_pass http://lockstep;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_next_upstream error timeout http_503;
      proxy_next_upstream_tries 3;
      proxy_read_timeout 75s;
    }
  }
}
EOF
}

# Starts `count` nodes (and nginx when `proxied`) on a fresh database; prints the URL to load.
start_setup() {
  local count=$1 proxied=$2
  psql_admin "$pg_port" "DROP DATABASE IF EXISTS bench"
  psql_admin "$pg_port" "CREATE DATABASE bench"
  token=$("$lockstepd" user add bench --create --db "$db")
  for i in $(seq 1 "$count"); do
    # shellcheck disable=SC2086  # flags are words on purpose
    "$lockstepd" serve --listen "127.0.0.1:$((19280 + i))" --db "$db" --threads 2 --rate-limit 0 ${NODE_FLAGS:-} 2>/dev/null &
    pids+=($!)
    wait_for "http://127.0.0.1:$((19280 + i))"
  done
  if [[ $proxied == yes ]]; then
    write_nginx_conf "$count"
    nginx -c "$dir/nginx.conf"
    wait_for "http://127.0.0.1:$proxy_port"
    url="http://127.0.0.1:$proxy_port"
  else
    url="http://127.0.0.1:19281"
  fi
}

results=$dir/results.jsonl
setups=("1 no" "1 yes" "$nodes yes")
IFS='|' read -r -a specs <<<"$workloads"
for round in $(seq 1 "$rounds"); do
  for setup in "${setups[@]}"; do
    read -r count proxied <<<"$setup"
    label="$count node(s)"
    [[ $proxied == yes ]] && label+=" behind nginx"
    start_setup "$count" "$proxied"
    for spec in "${specs[@]}"; do
      # shellcheck disable=SC2086  # flags are words on purpose
      LOCKSTEP_TOKEN=$token "$bench" --url "$url" --workload "${spec%%:*}" -d "$seconds" ${spec#*:} --json \
        2>/dev/null | jq -c --arg setup "$label" --arg name "${spec%%:*}" --arg round "$round" \
        '{setup: $setup, name: $name, round: $round, ops: .opsPerSec, op_p99: .latencyMs.op.p99,
          check: (if .verification == null then null else .verification.pass end),
          errors: .unexpectedStatuses}' | tee -a "$results"
    done
    stop_nodes
  done
done

echo "medians:"
jq -s -c 'group_by(.setup + " " + .name)[] | length as $n | (($n - 1) / 2 | floor) as $k
  | {setup: .[0].setup, name: .[0].name, runs: $n, ops: ([ .[].ops ] | sort | .[$k] | round),
     op_p99: ([ .[].op_p99 ] | sort | .[$k]), checks: [ .[].check ]}' "$results"
