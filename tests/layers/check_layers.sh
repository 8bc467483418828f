#!/usr/bin/env bash
# Usage: check_layers.sh CXX LAYERS_TSV "PROBE..." SRC_DIR (from tests/layers/CMakeLists.txt).
# For each layer: its allowed probe headers, included together, preprocess with the layer target's
# include paths and definitions; every other probe header, included alone, fails because it is
# not found (not for any other reason, so a broken flag cannot pass as a refusal). Preprocessing
# is all it takes: which header an #include reaches is the preprocessor's decision, and the real
# build compiles every header in full (-E keeps the test to a few seconds).
set -euo pipefail
cxx=$1 tsv=$2 all_headers=$3 src_dir=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failures=0 checks=0
while IFS=$'\t' read -r layer headers includes defines; do
  flags=(-std=c++20 -E -o /dev/null)
  IFS=';' read -r -a dirs <<<"$includes"
  for d in "${dirs[@]}"; do [ -n "$d" ] && flags+=("-I$d"); done
  IFS=';' read -r -a defs <<<"$defines"
  for d in "${defs[@]}"; do [ -n "$d" ] && flags+=("-D$d"); done

  src="$work/$layer.cc"
  : >"$src"
  for h in $headers; do echo "#include \"$h\"" >>"$src"; done
  checks=$((checks + 1))
  if ! "$cxx" "${flags[@]}" "$src" 2>"$work/err"; then
    echo "FAIL: $layer cannot include what it may ($headers):" >&2
    head -n 20 "$work/err" >&2
    failures=$((failures + 1))
  fi

  for h in $all_headers; do
    case " $headers " in *" $h "*) continue ;; esac
    src="$work/$layer-wrong.cc"
    echo "#include \"$h\"" >"$src"
    checks=$((checks + 1))
    if "$cxx" "${flags[@]}" "$src" 2>"$work/err"; then
      echo "FAIL: $layer includes $h, a header of a layer it must not use, and it is found" >&2
      failures=$((failures + 1))
    elif ! grep -q -e "$h: No such file" -e "'$h' file not found" "$work/err"; then
      echo "FAIL: $layer including $h fails, but not because $h is out of its reach:" >&2
      head -n 20 "$work/err" >&2
      failures=$((failures + 1))
    fi
  done
done <"$tsv"

# The way around the include roots: a path relative to the including file ("../http/api.h",
# or "sqlite/db.h" from src/store), which the compiler resolves next to that file before any
# include path. So every quoted include in src/ names a layer's folder first.
checks=$((checks + 1))
if grep -rnE --include='*.h' --include='*.cc' --include='*.in' '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$src_dir" |
   grep -vE '#[[:space:]]*include[[:space:]]*"(core|domain|store|service|http|server)/' >&2; then
  echo "FAIL: an #include above is relative to its file; name the layer's folder (\"store/store.h\")" >&2
  failures=$((failures + 1))
fi

[ "$checks" -gt 0 ] || { echo "FAIL: no layer in $tsv" >&2; exit 1; }
if [ "$failures" -gt 0 ]; then
  echo "check_layers: $failures of $checks checks failed" >&2
  exit 1
fi
echo "check_layers: $checks checks passed (each layer reaches its own and lower headers, and no other)"
