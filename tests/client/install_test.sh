#!/bin/sh
# find_package(lockstep) from an installed prefix: installs the `client` component of a build,
# builds the one-file project in install_consumer/ against it (CMAKE_PREFIX_PATH), and runs the
# program against a real lockstepd.
#   install_test.sh BUILD_DIR CMAKE LOCKSTEPD CXX_COMPILER
set -eu
build=$1 cmake=$2 lockstepd=$3 cxx=$4
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lockstep-install-XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "install_test: $*" >&2; [ -f "$tmp/log" ] && cat "$tmp/log" >&2; exit 1; }

"$cmake" --install "$build" --component client --prefix "$tmp/prefix" >/dev/null
[ -f "$tmp/prefix/include/lockstep/client.h" ] || fail "no headers installed"
[ ! -e "$tmp/prefix/include/lockstep/http_client.h" ] || fail "the private http_client.h was installed"
[ -x "$tmp/prefix/bin/lockstep" ] || fail "no lockstep CLI installed"

launcher=
command -v ccache >/dev/null && launcher=-DCMAKE_CXX_COMPILER_LAUNCHER=ccache
"$cmake" -S "$here/install_consumer" -B "$tmp/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$tmp/prefix" $launcher >"$tmp/configure.log" 2>&1 ||
  { cat "$tmp/configure.log" >&2; fail "configure failed"; }
"$cmake" --build "$tmp/build" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; fail "build failed"; }
app=$tmp/build/lockstep_consumer
"$app" --help | grep -q '^usage: lockstep_consumer' || fail "--help"

token=$("$lockstepd" user add consumer --create --db "$tmp/lockstep.db")
"$lockstepd" serve --listen 127.0.0.1:0 --db "$tmp/lockstep.db" --threads 1 2>"$tmp/log" &
pid=$!
# Readiness: the server's "listening" line (polled, at most 30 s).
tries=0
until grep -q '"msg":"listening"' "$tmp/log"; do
  tries=$((tries + 1))
  [ "$tries" -le 300 ] || fail "lockstepd did not start listening"
  kill -0 "$pid" 2>/dev/null || fail "lockstepd exited"
  sleep 0.1
done
address=$(grep '"msg":"listening"' "$tmp/log" | sed -n 's/.*"address":"\([^"]*\)".*/\1/p' | head -n 1)
[ -n "$address" ] || fail "no address in the listening line"
out=$("$app" "http://$address" "$token") || fail "the consumer failed against the server"
case $out in ok\ *) ;; *) fail "unexpected output: $out" ;; esac
echo "install_test: built against $tmp/prefix and ran: $out"
