#!/usr/bin/env bash
# The seed story for real: `finwait probe finwait2` against a kernel server
# in a network namespace made here (198.18.0.0/15 addresses), whose
# tcp_fin_timeout is set short. The probe connects, asks, reads, ACKs the
# server's FIN and vanishes; `ss` shows the server's FIN_WAIT_2, which must
# end at the kernel's tcp_fin_timeout. Skips without root unless
# FINWAIT_REQUIRE_TUN=1.
set -uo pipefail
finwait=${1:?usage: probe_test.sh FINWAIT}
source "$(dirname "$0")/namespace.sh"
interop_namespace fwprobe ss python3 tshark
in_ns sysctl -q -w net.ipv4.tcp_fin_timeout=3

# A kernel server that answers and closes first, as the seed's web server does.
# Not through in_ns: $! must be python itself, to be killed at exit.
ip netns exec "$ns" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080)); s.listen()
while True:
    c, _ = s.accept(); c.recv(1000)
    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello"); c.close()
' &
pids+=($!)
wait_listening 8080
ip netns exec "$ns" "$finwait" probe finwait2 198.18.8.1:8080 --tun fw0 --addr 198.18.8.2/24 --watch 30 \
  --pcap "$scratch/probe.pcap" > "$scratch/probe.out" 2>&1
status=$?
cat "$scratch/probe.out"
check "the probe runs" test "$status" -eq 0
check "it reads the answer and ACKs the server's FIN" grep -q "received 43; the server closed and its FIN is ACKed" "$scratch/probe.out"
seconds=$(sed -n 's/.*FIN_WAIT_2 for \([0-9.]*\)s after its FIN.*/\1/p' "$scratch/probe.out")
check "the server's FIN_WAIT_2 ends at its tcp_fin_timeout of 3 s (saw ${seconds:-nothing} s)" \
  python3 -c "import sys; sys.exit(0 if 2.8 <= float('${seconds:-0}') <= 3.8 else 1)"

capture_clean "$scratch/probe.pcap"
[[ $failures -eq 0 ]]
