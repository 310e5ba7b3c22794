#!/usr/bin/env bash
# An example echo server (examples/echo_server.cpp, poll_echo_server.cpp) against bash's /dev/tcp in
# a namespace of its own: 1 MB out and back, byte for byte.
set -uo pipefail
example=${1:?usage: echo_example_test.sh ECHO_SERVER}
source "$(dirname "$0")/namespace.sh"
interop_namespace fwecho
ip netns exec "$ns" "$example" fw0 198.18.5.2 7 > "$scratch/out" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do grep -q ready "$scratch/out" && break; sleep 0.1; done
head -c 1000000 /dev/urandom > "$scratch/in"
ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/198.18.5.2/7; (cat '$scratch/in' >&3) & timeout 20 head -c 1000000 <&3 > '$scratch/back'; wait"
if cmp -s "$scratch/in" "$scratch/back"; then
  echo "ok the example echoes 1 MB byte for byte"
else
  echo "FAIL the example did not echo 1 MB ($(stat -c %s "$scratch/back") bytes back)"
  cat "$scratch/out"
  exit 1
fi
