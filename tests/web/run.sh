#!/usr/bin/env bash
# The web board's browser tests: builds the board (web/build.sh), installs playwright-core from
# tests/web/package-lock.json, and runs board.test.mjs with node's test runner against the real
# lockstepd in Debian's Chromium. Takes about a minute.
# Environment (all optional):
#   LOCKSTEPD          server binary   (default: build/release/bin/lockstepd)
#   LOCKSTEP_WEB_DIST  built board     (default: web/dist, built here first)
#   CHROMIUM           browser         (default: /usr/bin/chromium; Debian package chromium)
#   LOCKSTEP_SCREENSHOT_DIR  screenshots and metrics.json (default: tests/web/test-output)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

die() {
  echo "tests/web/run.sh: $*" >&2
  exit 1
}

export LOCKSTEPD="${LOCKSTEPD:-$repo/build/release/bin/lockstepd}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$LOCKSTEPD" ] || die "no lockstepd at $LOCKSTEPD: build it (cmake --build --preset release --target lockstepd) or set LOCKSTEPD"
command -v node >/dev/null 2>&1 || die "node is not installed (Node.js 20 or later; Debian 12's own nodejs is 18, too old for playwright-core)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  die "node $(node --version) is too old: playwright-core needs Node.js 20 or later"
[ -x "$CHROMIUM" ] || die "no Chromium at $CHROMIUM: apt-get install chromium (Debian 12), or set CHROMIUM"

if [ -z "${LOCKSTEP_WEB_DIST:-}" ]; then
  "$repo/web/build.sh"
  export LOCKSTEP_WEB_DIST="$repo/web/dist"
fi

cd "$here"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "tests/web/run.sh: installing playwright-core (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

exec node --test --test-concurrency=1 --test-timeout=150000 units.test.mjs board.test.mjs
