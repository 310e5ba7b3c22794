#!/usr/bin/env bash
# The seed story against the real kernel, finwait as the server: a kernel
# client asks with Connection: close, finwait answers and closes, the kernel
# ACKs finwait's FIN, and then the client is blackholed (its address removed,
# so its own FIN reaches nobody). finwait's orphan FIN_WAIT_2 must end at
# tcp_fin_timeout (set to 3 s here) with cause finwait2_timeout.
set -uo pipefail
finwait=${1:?usage: finwait2_test.sh FINWAIT}
source "$(dirname "$0")/namespace.sh"
interop_namespace fwfin2 python3 tshark

# The bound comes from the persisted file, as an operator would leave it:
# `finwait no -p` writes it, `finwait serve` reads it at start.
"$finwait" no -p -o tcp_fin_timeout=3 --file "$scratch/tunables.toml" > /dev/null
ip netns exec "$ns" "$finwait" serve --tun fw0 --addr 198.18.4.2/24 --http 80 --events --name "$ns" \
  --tunables "$scratch/tunables.toml" --pcap "$scratch/finwait2.pcap" > "$scratch/serve.out" 2> "$scratch/serve.err" &
server=$!
pids+=("$server")
for _ in $(seq 1 100); do grep -q "ready on fw0" "$scratch/serve.out" 2> /dev/null && break; sleep 0.1; done
in_ns bash -c "exec 3<>/dev/tcp/198.18.4.2/80
printf 'GET /bytes/100 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
timeout 5 cat <&3 > '$scratch/answer'   # to finwait's FIN
sleep 0.2                               # the kernel ACKs it
ip addr del 198.18.4.1/24 dev fw0       # ... and is gone
exec 3>&-"
for _ in $(seq 1 60); do grep -q "finwait2_timeout" "$scratch/serve.out" && break; sleep 0.1; done
cat "$scratch/serve.out"
check "serve says it read the persisted tunables" grep -q "tunables from $scratch/tunables.toml (1)" "$scratch/serve.out"
check "the answer arrived" grep -q "Content-Length: 100" "$scratch/answer"
check "finwait closed first and the kernel ACKed its FIN" grep -q "FIN-WAIT-1 -> FIN-WAIT-2  (fin_acked)" "$scratch/serve.out"
gap=$(event_gap "$scratch/serve.out" fin_acked finwait2_timeout)
check "the orphan FIN_WAIT_2 ends at tcp_fin_timeout = 3 s (${gap:-never} s)" \
  python3 -c "import sys; sys.exit(0 if 2.9 <= float('${gap:-0}') <= 3.5 else 1)"
kill -TERM "$server"
wait "$server"
capture_clean "$scratch/finwait2.pcap"
[[ $failures -eq 0 ]]
