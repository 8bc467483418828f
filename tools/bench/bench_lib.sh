# Shared by the measure_*.sh scripts (sourced, not run).

# A private PostgreSQL in "$1"/data on loopback port "$2", started as the postgres user (it refuses
# root), with its default durability; stop_private_postgres DIR stops it. PG_BIN: the server's
# bin directory (default: the newest /usr/lib/postgresql/*/bin).
as_postgres() { runuser -u postgres -- "$@"; }
pg_bin() { echo "${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}"; }
start_private_postgres() {
  local dir=$1 port=$2
  chown postgres "$dir"
  as_postgres "$(pg_bin)/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log"
  as_postgres "$(pg_bin)/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
}
stop_private_postgres() { as_postgres "$(pg_bin)/pg_ctl" -D "$1/data" -m fast stop >/dev/null 2>&1 || true; }
# Runs one SQL command as the superuser on the private server's port "$1".
psql_admin() { as_postgres psql -h 127.0.0.1 -p "$1" -U postgres -qAt -c "$2" postgres >/dev/null 2>&1; }

# Waits (at most 10 s) for a lockstepd or nginx at URL "$1" to answer /healthz.
wait_for() {
  for _ in $(seq 1 200); do
    curl -sf "$1/healthz" >/dev/null && return 0
    sleep 0.05
  done
  echo "nothing answers at $1" >&2
  exit 1
}
