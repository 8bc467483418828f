#!/usr/bin/env bash
# The tools as reviewers (STYLE.md 11), run by scripts/test.sh:
#   1. clang-format: every tracked C++ file is formatted as .clang-format says (fix: `scripts/check_style.sh --fix`);
#   2. clang-tidy: the checks of .clang-tidy over the product's sources (src/, client/, tools/),
#      with the release build's compile_commands.json, every finding an error.
# Clang's thread-safety analysis is not here: it runs wherever Clang compiles the code (the fuzz
# build in scripts/test.sh), as -Werror=thread-safety.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t cxx < <(git ls-files '*.cc' '*.h')
if [[ ${1:-} == --fix ]]; then
  clang-format -i "${cxx[@]}"
  exit 0
fi
clang-format --dry-run --Werror "${cxx[@]}" || { echo "clang-format: run scripts/check_style.sh --fix" >&2; exit 1; }

db=build/release/compile_commands.json
[[ -f $db ]] || { echo "check_style.sh: $db is missing: build the release preset first" >&2; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# One file a process, as many at once as there are cores; each prints only its findings.
if ! git ls-files 'src/*.cc' 'client/*.cc' 'tools/*.cc' |
    xargs -P "$(nproc)" -n 1 clang-tidy -p build/release --quiet >"$log" 2>/dev/null; then
  grep -E -A3 'error:|warning:' "$log" >&2 || cat "$log" >&2
  echo "clang-tidy: the findings above (checks in .clang-tidy)" >&2
  exit 1
fi
echo "check_style: clang-format and clang-tidy found nothing"
