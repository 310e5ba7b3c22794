#!/usr/bin/env bash
# Cost grows linearly: a script of 10^6 events runs, passes, and stays well
# under 500 MB (its events are read as it runs, not held all at once).
set -euo pipefail
finwait=${1:?usage: many_events_test.sh FINWAIT}
if [[ ! -x "$finwait" ]]; then
  echo "FAIL: $finwait is not built (make test builds the release command first)"
  exit 1
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
python3 - "$scratch/many.pkt" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("""    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 < S 0:0(0) win 65535 <mss 1460>
   +0 > S. 0:0(0) ack 1 <mss 1460>
 +.01 < . 1:1(0) ack 1 win 65535
   +0 accept(3, ..., ...) = 4
""")
    for _ in range(500_000):
        f.write("+.001 < . 1:1(0) ack 1 win 65535\n   +0 getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0\n")
    f.write("   +0 close(4) = 0\n   +0 > F. 1:1(0) ack 1\n")
PY
read -r status kb < <(python3 "$(dirname "$0")/../tools/peak_memory.py" "$finwait" script "$scratch/many.pkt")
echo "10^6 events: exit $status, peak $((kb / 1024)) MB"
[[ $status -eq 0 && $kb -lt 300000 ]]
