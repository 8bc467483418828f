#!/usr/bin/env bash
# Builds the web board into web/dist, which lockstepd serves at / (--web-root).
# Installs the npm packages from package-lock.json (npm ci) when node_modules is missing or older
# than the lock file, and skips the build when dist is newer than every source, so a repeated run
# takes well under a second. Usage: web/build.sh [--force]
set -euo pipefail
cd "$(dirname "$0")"

force=0
[ "${1:-}" = "--force" ] && force=1

die() {
  echo "web/build.sh: $*" >&2
  exit 1
}

command -v node >/dev/null 2>&1 || die "node is not installed: install Node.js 18 or later (Debian 12: apt-get install nodejs npm)."
command -v npm >/dev/null 2>&1 || die "npm is not installed (Debian 12: apt-get install npm)."
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
  die "node $(node --version) is too old: the board's build (Vite 6) needs Node.js 18 or later."

sources=(index.html package.json package-lock.json tsconfig.json vite.config.ts build.sh src)

# Packages: only when the lock file changed since the last install (npm writes this file).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
  [ package.json -nt node_modules/.package-lock.json ]; then
  if [ -f package-lock.json ]; then
    echo "web/build.sh: installing packages (npm ci)" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
  else
    echo "web/build.sh: no package-lock.json yet: npm install" >&2
    npm install --no-audit --no-fund --loglevel=error >&2
  fi
fi

if [ "$force" -eq 0 ] && [ -f dist/index.html ]; then
  newer=$(find "${sources[@]}" -newer dist/index.html -print -quit 2>/dev/null || true)
  if [ -z "$newer" ]; then
    echo "web/build.sh: web/dist is up to date" >&2
    exit 0
  fi
fi

echo "web/build.sh: building web/dist" >&2
npm run --silent build >&2
[ -f dist/index.html ] || die "the build wrote no dist/index.html"
touch dist/index.html
