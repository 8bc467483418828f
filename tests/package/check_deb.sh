#!/usr/bin/env bash
# Builds the .deb with CPack and checks it as an installer would see it: its contents, its
# maintainer script, and that the packaged lockstepd starts from the unpacked tree and serves.
set -euo pipefail
build_dir="$1"
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

(cd "$build_dir" && cpack -G DEB -B "$work/out" >/dev/null)
deb=$(ls "$work"/out/*.deb)
echo "package: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/lockstepd ./usr/lib/systemd/system/lockstepd.service ./etc/lockstep/lockstepd.toml \
         ./usr/share/doc/lockstep/operations.md ./usr/bin/lockstep \
         ./usr/share/bash-completion/completions/lockstep ./usr/share/zsh/vendor-completions/_lockstep \
         ./usr/share/fish/vendor_completions.d/lockstep.fish; do
  grep -q " $f\$" <<<"$contents" || { echo "missing from the package: $f"; exit 1; }
done
info=$(dpkg-deb -I "$deb")  # not piped into grep -q: an early exit would fail the pipe
grep -q "postinst" <<<"$info" || { echo "no postinst"; exit 1; }
grep -q "conffiles" <<<"$info" || { echo "the config file is not a conffile"; exit 1; }
echo "installed size: $(dpkg-deb -f "$deb" Installed-Size) KiB"

dpkg-deb -x "$deb" "$work/root"
# The completions are the packaged CLI's own (the same commands) and parse.
for shell_file in "bash /usr/share/bash-completion/completions/lockstep" "zsh /usr/share/zsh/vendor-completions/_lockstep" \
                  "fish /usr/share/fish/vendor_completions.d/lockstep.fish"; do
  set -- $shell_file
  cmp -s "$work/root$2" <("$work/root/usr/bin/lockstep" completion "$1") || { echo "stale $1 completion: $2"; exit 1; }
done
bash -n "$work/root/usr/share/bash-completion/completions/lockstep"
grep -q "task" "$work/root/usr/share/zsh/vendor-completions/_lockstep"
help=$("$work/root/usr/bin/lockstepd" --help)
grep -q -- "--listen" <<<"$help"
"$work/root/usr/bin/lockstepd" serve --listen 127.0.0.1:0 --db "$work/p.db" 2>"$work/log" &
server=$!
for _ in $(seq 100); do
  grep -q '"msg":"listening"' "$work/log" 2>/dev/null && break
  sleep 0.1
done
port=$(grep -o '"address":"127.0.0.1:[0-9]*"' "$work/log" | grep -o '[0-9]*"$' | tr -d '"')
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null
grep -q "token is shown only this once" "$work/log" || { echo "no first-start token message"; exit 1; }
page=$(curl -sf "http://127.0.0.1:$port/")  # the board, built into lockstepd
grep -qi "<html" <<<"$page" || { echo "the packaged board is not served"; exit 1; }
echo "1 passed, 0 failed"
