#!/usr/bin/env bash
# The tools as reviewers (STYLE.md 11), run by scripts/test.sh after the optimised build:
#   1. clang-format: every tracked C++ file is formatted as .clang-format says
#      (`scripts/check_style.sh --fix` formats them);
#   2. clang-tidy: the checks of .clang-tidy over the product's sources (src/, client/, tools/),
#      with the release build's compile_commands.json; every finding is an error.
# clang-tidy takes minutes on two cores, so a file whose preprocessed text, flags and checks are
# those of an earlier clean run is not checked again: the verdicts are kept, like ccache's objects,
# outside the clone (LOCKSTEP_TIDY_CACHE, default ~/.cache/lockstep-tidy).
# Clang's thread-safety analysis is not here: every Clang build runs it (-Werror=thread-safety; in
# scripts/test.sh, the fuzz build).
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
cache=${LOCKSTEP_TIDY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lockstep-tidy}
mkdir -p "$cache"
export db cache
export salt="$(clang-tidy --version | sha256sum)$(sha256sum <.clang-tidy)"

# One source file: its verdict from the cache, or clang-tidy's (kept when clean).
tidy_one() {
  local file=$1 dir cmd key
  dir=$(jq -r --arg f "$PWD/$file" 'first(.[] | select(.file == $f)) | .directory' "$db")
  cmd=$(jq -r --arg f "$PWD/$file" 'first(.[] | select(.file == $f)) | .command' "$db")
  [[ -n $cmd && $cmd != null ]] || { echo "$file: not in $db" >&2; return 1; }
  # The same command, preprocessing only, without line markers (so the checkout's path is not
  # part of the key).
  key=$( { echo "$salt"; echo "$cmd" | sed -E 's| -o [^ ]+| |; s|/.*ccache ||'; \
           (cd "$dir" && eval "$(echo "$cmd" | sed -E 's| -o [^ ]+| -o /dev/stdout|; s| -c | -E -P |')") ; } |
         sha256sum | cut -c1-40)
  [[ -f $cache/$key ]] && return 0
  if clang-tidy -p build/release --quiet "$file" 2>/dev/null; then
    touch "$cache/$key"
  else
    return 1
  fi
}
export -f tidy_one
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! git ls-files 'src/*.cc' 'client/*.cc' 'tools/*.cc' |
    xargs -P "$(nproc)" -I{} bash -c 'tidy_one "$1"' _ {} >"$log" 2>&1; then
  grep -E -A3 'error:|warning:' "$log" >&2 || cat "$log" >&2
  echo "clang-tidy: the findings above (checks in .clang-tidy)" >&2
  exit 1
fi
echo "check_style: clang-format and clang-tidy found nothing"
