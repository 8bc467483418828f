#!/usr/bin/env bash
# The web board served by a lockstepd copied out of the build tree into an empty folder (issue
# 20): the binary carries the board, so the copy answers / and an asset with what web/dist held
# when it was built, and --web-root still overrides it.
# Usage: copied_binary_test.sh LOCKSTEPD WEB_DIST
set -euo pipefail
lockstepd=$1 dist=$2
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
command -v curl >/dev/null || fail "curl is not installed (scripts/setup.sh installs it)"
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait
  rm -rf "$work"
}
trap cleanup EXIT
cp "$lockstepd" "$work/lockstepd"
cd "$work"

# Starts the copy with ARGS on a free port; sets $url once it logs "listening" (a blocking read of
# its log through a FIFO, not a sleep). The rest of the log is drained so that the server never
# blocks on a full pipe.
start() {
  rm -f log.fifo && mkfifo log.fifo
  ./lockstepd serve --listen 127.0.0.1:0 --threads 1 "$@" 2>log.fifo &
  pids+=($!)
  exec 3<log.fifo
  url=""
  while IFS= read -r -t 30 line <&3; do
    if [[ $line == *'"msg":"listening"'* && $line =~ \"address\":\"([0-9.:]+)\" ]]; then
      url="http://${BASH_REMATCH[1]}"
      break
    fi
  done
  [ -n "$url" ] || fail "the copied lockstepd did not start listening"
  cat <&3 >/dev/null &
  pids+=($!)
  exec 3<&-
}

# Nothing of the build machine's source tree is baked in (before issue 20, --web-root defaulted to
# its web/dist, so a copy on another machine answered 404 at /).
help=$(./lockstepd --help)
if grep -qF "$dist" <<<"$help"; then fail "lockstepd still names $dist"; fi

start --db "$work/board.db"
if [ -f "$dist/index.html" ]; then
  curl -sf "$url/" -o index.html || fail "GET / failed"
  cmp -s index.html "$dist/index.html" || fail "GET / is not web/dist/index.html"
  asset=$(cd "$dist" && find assets -type f -name '*.js' | head -n 1)
  [ -n "$asset" ] || fail "web/dist has no assets/*.js"
  headers=$(curl -sf -D - -o asset "$url/$asset") || fail "GET /$asset failed"
  cmp -s asset "$dist/$asset" || fail "GET /$asset is not web/dist/$asset"
  grep -qi '^content-type: text/javascript' <<<"$headers" || fail "/$asset: $headers"
  grep -qi '^cache-control: public, max-age=31536000, immutable' <<<"$headers" || fail "/$asset: $headers"
  grep -qi '^etag: "' <<<"$headers" || fail "/$asset has no ETag"
else
  curl -sf "$url/" | grep -q "was not built" || fail "without web/dist, / does not say how to build the board"
fi

# --web-root overrides what is built in.
mkdir other
echo '<!doctype html><title>other board</title>' >other/index.html
start --db "$work/other.db" --web-root "$work/other"
curl -sf "$url/" | grep -q "other board" || fail "--web-root does not override the built-in board"
echo "copied_binary: 1 passed"
