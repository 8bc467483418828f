# Sourced by hostile.sh and hostile_writes.sh: a temporary directory holding the database, a
# lockstepd serving it (start_server), both gone when the script exits, and median.
# Needs $lockstepd and $port; sets $dir and $server_pid.
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

# `lockstepd serve` on $dir/h.db with --threads 2 and ARGS; returns once /healthz answers.
start_server() {
  "$lockstepd" serve --listen "127.0.0.1:$port" --db "$dir/h.db" --threads 2 "$@" 2>"$dir/server.log" &
  server_pid=$!
  for _ in $(seq 1 200); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    sleep 0.05
  done
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
