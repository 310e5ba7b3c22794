#!/usr/bin/env bash
# `sim story --report` rendered by a real browser: headless Chromium (Debian's
# chromium; as root it needs --no-sandbox) takes a screenshot, which must not
# be blank, and dumps the DOM, which must hold the arrows, the state bars and
# the stacked chart. Skips, saying why, if chromium is not installed (CI
# installs it).
set -uo pipefail
finwait=${1:?usage: report_render_test.sh FINWAIT}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0
check() { if "${@:2}"; then echo "ok $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi; }
if ! command -v chromium > /dev/null; then
  [[ "${CI:-}" == true ]] && { echo "FAIL: chromium is not installed (scripts/install-deps.sh installs it)"; exit 1; }
  echo "SKIP: chromium is not installed"
  exit 77
fi
sandbox=()
[[ $(id -u) -eq 0 ]] && sandbox=(--no-sandbox)
"$finwait" sim story --profile aix --connections 50 --until 15m --report "$scratch/story.html" > /dev/null
browser() { timeout 60 chromium --headless=new "${sandbox[@]}" --disable-gpu --user-data-dir="$scratch/profile" "$@" 2> /dev/null; }
browser --screenshot="$scratch/shot.png" --window-size=1000,1500 "file://$scratch/story.html" > /dev/null
check "chromium takes a screenshot" test -s "$scratch/shot.png"
check "  ...which is not blank" python3 - "$scratch/shot.png" << 'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, width, height = 8, b"", 0, 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height = struct.unpack(">II", body[:8])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
# Rows start with a filter byte; count rows that differ from the first one.
stride = len(raw) // height
rows = {raw[r * stride + 1:(r + 1) * stride] for r in range(0, height, 10)}
assert width == 1000 and len(rows) > 20, (width, len(rows))
PY
browser --dump-dom "file://$scratch/story.html" > "$scratch/dom.html"
check "the DOM holds the sequence diagram's arrows" bash -c "test \$(grep -o 'class=\"segment\"' '$scratch/dom.html' | wc -l) -ge 9"
check "  ...the state bars, FIN_WAIT_2 among them" grep -q 'class="bar" data-state="FIN_WAIT_2"' "$scratch/dom.html"
check "  ...and the stacked chart" grep -q 'class="stack" data-state="FIN_WAIT_2"' "$scratch/dom.html"
[[ $failures -eq 0 ]]
