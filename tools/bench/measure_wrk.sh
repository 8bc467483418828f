#!/usr/bin/env bash
# The wrk figures of docs/performance.md: `GET /healthz` and `GET /v1/tasks/{id}` with a token,
# measured by wrk (Debian's package, an independent tool beside lockstep-bench), one thread, 64
# keep-alive connections, for each build in turn, ROUNDS times, so that the builds alternate.
# Each build serves a fresh SQLite file (--threads 2 --rate-limit 0) holding one task. With
# FLOOR=1, nginx serving a fixed 285-byte body is measured alongside: the floor of HTTP here.
#
# Usage: measure_wrk.sh ROUNDS SECONDS LOCKSTEPD_A [LOCKSTEPD_B ...]
set -euo pipefail

rounds=$1
seconds=$2
shift 2
builds=("$@")
labels=(A B C D E F)
# shellcheck source=tools/bench/bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"

dir=$(mktemp -d)
chmod 755 "$dir"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -f $dir/nginx.pid ]] && kill -QUIT "$(cat "$dir/nginx.pid")" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

declare -a urls tokens ids
for i in "${!builds[@]}"; do
  port=$((19380 + i))
  tokens[i]=$("${builds[$i]}" user add bench --create --db "$dir/$i.db" 2>/dev/null ||
    "${builds[$i]}" user add bench --db "$dir/$i.db")
  "${builds[$i]}" serve --listen "127.0.0.1:$port" --db "$dir/$i.db" --threads 2 --rate-limit 0 2>/dev/null &
  pids+=($!)
  urls[i]="http://127.0.0.1:$port"
  wait_for "${urls[$i]}"
  ids[i]=$(curl -sf -X POST -H "Authorization: Bearer ${tokens[$i]}" -H 'Content-Type: application/json' \
    -d '{"userId":"bench","taskTitle":"bench task","dueDate":"2030-01-01T00:00:00Z","warningOffset":10}' \
    "${urls[$i]}/v1/tasks" | jq -r .taskId)
done

if [[ ${FLOOR:-0} == 1 ]]; then
  head -c 285 /dev/zero | tr '\0' 'x' >"$dir/body"
  cat >"$dir/nginx.conf" <<EOF
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  server { listen 127.0.0.1:19390; location / { root $dir; try_files /body =404; } }
}
EOF
  nginx -c "$dir/nginx.conf"
fi

results=$dir/results.tsv
rps() { wrk -t1 -c64 -d"${seconds}s" "$@" | awk '/Requests\/sec/ { print $2 }'; }
for round in $(seq 1 "$rounds"); do
  if [[ ${FLOOR:-0} == 1 ]]; then
    printf 'nginx\tfixed-body\t%s\n' "$(rps http://127.0.0.1:19390/)" | tee -a "$results"
  fi
  for i in "${!builds[@]}"; do
    printf '%s\thealthz\t%s\n' "${labels[$i]}" "$(rps "${urls[$i]}/healthz")" | tee -a "$results"
    printf '%s\tget-task\t%s\n' "${labels[$i]}" "$(rps -H "Authorization: Bearer ${tokens[$i]}" \
      "${urls[$i]}/v1/tasks/${ids[$i]}")" | tee -a "$results"
  done
done

for i in "${!builds[@]}"; do echo "${labels[$i]}: ${builds[$i]}"; done
echo "medians (requests/s):"
sort -k1,1 -k2,2 -k3,3n "$results" | awk -F'\t' '
  { key = $1 "\t" $2; v[key, ++n[key]] = $3 }
  END { for (k in n) print k "\t" v[k, int((n[k] + 1) / 2)] }' | sort
