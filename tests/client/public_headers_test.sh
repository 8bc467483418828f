#!/bin/sh
# The client's public headers need no Boost: compiles public_headers/main.cc with only
# client/include on the include path, then lists every header the compiler read (-M) and fails if
# one is Boost's. Boost being installed in a system folder (where -I cannot remove it) is why the
# list is checked rather than the include path alone.
#   public_headers_test.sh CXX_COMPILER CLIENT_INCLUDE_DIR
set -eu
cxx=$1 include=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lockstep-headers-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$cxx" -std=c++20 -Wall -Wextra -Werror -fsyntax-only -I "$include" "$here/public_headers/main.cc"
"$cxx" -std=c++20 -M -I "$include" "$here/public_headers/main.cc" >"$tmp/deps"
if grep -i 'boost' "$tmp/deps" >&2; then
  echo "public_headers_test: the headers above are Boost's, read through <lockstep/client.h>" >&2
  exit 1
fi
echo "public_headers_test: $(tr ' ' '\n' <"$tmp/deps" | grep -c '\.h') headers read, none of them Boost's"
