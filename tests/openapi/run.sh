#!/usr/bin/env bash
# Lints docs/openapi.json, offline, with Redocly CLI (pinned in tests/openapi/package-lock.json and
# installed here by `npm ci` when missing or stale): the OpenAPI 3.1 structure and Redocly's
# recommended rules, warnings counted as errors (redocly.yaml; reviewed exceptions in
# .redocly.lint-ignore.yaml). Takes a few seconds once installed. Needs Node.js 20.19 or later.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

die() {
  echo "tests/openapi/run.sh: $*" >&2
  exit 1
}

command -v node >/dev/null 2>&1 || die "node is not installed (Node.js 20.19 or later)"
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
  die "node $(node --version) is too old: @redocly/cli needs Node.js 20.19 or later"

cd "$here"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "tests/openapi/run.sh: installing @redocly/cli (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

# No telemetry, no update check: the lint itself needs no network.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
exec node node_modules/@redocly/cli/bin/cli.js lint --config redocly.yaml --format=stylish "$repo/docs/openapi.json"
