#!/usr/bin/env bash
# Builds lockstepd and the web board and starts it on the embedded SQLite default (./lockstep.db).
# Extra arguments go to `lockstepd serve`, e.g. scripts/run.sh --listen 127.0.0.1:9090
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
web/build.sh  # first: lockstepd embeds the board at build time
cmake --preset release >/dev/null
cmake --build --preset release --target lockstepd
exec build/release/bin/lockstepd serve "$@"
