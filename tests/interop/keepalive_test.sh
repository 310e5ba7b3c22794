#!/usr/bin/env bash
# Keepalive against the real kernel (the seed's second remedy): finwait serve
# with SO_KEEPALIVE and short settings (idle 2 s, interval 1 s, 3 probes).
# A live kernel peer answers every probe and keeps its connection; a dead one
# (its address removed, so probes reach nobody) is dropped at idle + 3 x
# interval = 5 s with cause keepalive_timeout.
set -uo pipefail
finwait=${1:?usage: keepalive_test.sh FINWAIT}
source "$(dirname "$0")/namespace.sh"
interop_namespace fwkeep ss tshark

ip netns exec "$ns" "$finwait" serve --tun fw0 --name "$ns" --addr 198.18.6.2/24 --echo 7 --keepalive --events \
  --set tcp_keepidle=2s --set tcp_keepintvl=1s --set tcp_keepcnt=3 --pcap "$scratch/keep.pcap" \
  > "$scratch/serve.out" 2> "$scratch/serve.err" &
server=$!
pids+=("$server")
for _ in $(seq 1 100); do grep -q "ready on fw0" "$scratch/serve.out" 2> /dev/null && break; sleep 0.1; done

# A live peer: an idle connection held for 6 s, three probes' worth.
in_ns bash -c "exec 3<>/dev/tcp/198.18.6.2/7; sleep 6; echo still-here >&3; read -t 3 line <&3; echo \"\$line\"" > "$scratch/live.out"
check "a live peer answers the probes and keeps the connection" grep -qx still-here "$scratch/live.out"
kill -TERM "$server"
wait "$server"
probes=$("$finwait" pcap print "$scratch/keep.pcap" | grep -c '198.18.6.2:7 > 198.18.6.1:[0-9]* \. ')
check "  ...probes were sent and answered ($probes ACKs from finwait)" test "$probes" -ge 3
capture_clean "$scratch/keep.pcap"

# A dead peer: connected, then its address vanishes from fw0.
ip netns exec "$ns" "$finwait" serve --tun fw0 --name "$ns" --addr 198.18.6.2/24 --echo 7 --keepalive --events \
  --set tcp_keepidle=2s --set tcp_keepintvl=1s --set tcp_keepcnt=3 > "$scratch/serve.out" 2> "$scratch/serve.err" &
server=$!
pids+=("$server")
for _ in $(seq 1 100); do grep -q "ready on fw0" "$scratch/serve.out" 2> /dev/null && break; sleep 0.1; done
in_ns bash -c "exec 3<>/dev/tcp/198.18.6.2/7; sleep 10" &
pids+=($!)
sleep 0.5
in_ns ip addr del 198.18.6.1/24 dev fw0
for _ in $(seq 1 80); do grep -q "keepalive_timeout" "$scratch/serve.out" && break; sleep 0.1; done
cat "$scratch/serve.out"
line=$(grep "ESTABLISHED -> CLOSED  (keepalive_timeout)" "$scratch/serve.out")
check "a dead peer is dropped with cause keepalive_timeout" test -n "$line"
gap=$(event_gap "$scratch/serve.out" ack_received keepalive_timeout)
check "  ...at idle + 3 x interval = 5 s after it went quiet (${gap:-?} s)" \
  python3 -c "import sys; sys.exit(0 if 4.8 <= float('${gap:-0}') <= 5.6 else 1)"
[[ $failures -eq 0 ]]
