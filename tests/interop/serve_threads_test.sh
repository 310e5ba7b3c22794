#!/usr/bin/env bash
# finwait serve --threads 2: two stacks, each on a thread and a queue of one
# multi-queue TUN, against the Linux kernel and curl, inside a network
# namespace made here with 198.18.0.0/15 addresses, removed afterwards.
# Every connection must be served whole by the one stack that owns it,
# whichever queue the kernel put its packets on; the control socket sees
# and changes both stacks as one. Skips without root unless
# FINWAIT_REQUIRE_TUN=1.
set -uo pipefail
finwait=${1:?usage: serve_threads_test.sh FINWAIT}
source "$(dirname "$0")/namespace.sh"
interop_namespace fwthr curl python3 tshark xargs

for bad in 0 257 two -1 99999999999999999999; do
  ip netns exec "$ns" "$finwait" serve --tun fw9 --name "$ns" --addr 198.18.9.2/24 --http 80 --threads "$bad" \
    > /dev/null 2> "$scratch/bad.err"
  status=$?
  check "--threads $bad is refused (exit 2), naming the option, creating nothing" \
    bash -c "test $status -eq 2 && grep -q -- '--threads' '$scratch/bad.err' && ! ip netns exec $ns ip link show fw9 > /dev/null 2>&1"
done

ip netns exec "$ns" "$finwait" serve --tun fw0 --name "$ns" --addr 198.18.6.2/24 --http 80 --echo 7 --threads 2 \
  --events --pcap "$scratch/threads.pcap" > "$scratch/serve.out" 2> "$scratch/serve.err" &
server=$!
pids+=("$server")
for _ in $(seq 1 100); do grep -q "ready on fw0" "$scratch/serve.out" 2> /dev/null && break; sleep 0.1; done
check "serve --threads 2 says so when ready" grep -q "; 2 threads, a stack per queue of a multi-queue TUN;" "$scratch/serve.out"
[[ $failures -eq 0 ]] || { cat "$scratch/serve.err"; exit 1; }
check "  ...on a multi-queue TUN (IFF_MULTI_QUEUE in tun_flags)" \
  bash -c "(( \$(ip netns exec $ns cat /sys/class/net/fw0/tun_flags) & 0x100 ))"

# 200 connections, 8 at a time: each answered whole, by whichever stack owns it.
in_ns bash -c "seq 1 200 | xargs -P 8 -I{} curl -sS -m 20 -o /dev/null -w '%{http_code} %{size_download} {}\n' \
  -H 'Connection: close' 'http://198.18.6.2/bytes/{}'" > "$scratch/many" 2> "$scratch/many.err"
check "200 parallel HTTP connections, every one answered 200 with its N bytes" \
  test "$(awk '$1 == 200 && $2 == $3' "$scratch/many" | wc -l)" -eq 200
in_ns curl -sS -m 120 -o "$scratch/body" "http://198.18.6.2/bytes/30000000"
check "30 MB over one connection, the right bytes" \
  test "$(sha256sum < "$scratch/body" | cut -d' ' -f1)" = "$(python3 -c 'import hashlib
block = bytes(97 + i % 26 for i in range(26)) * 40000; h = hashlib.sha256(); n = 30000000
while n > 0: h.update(block[:min(n, len(block))]); n -= len(block)
print(h.hexdigest())')"
head -c 20000000 /dev/urandom > "$scratch/echo.in"
in_ns bash -c "exec 3<>/dev/tcp/198.18.6.2/7; (cat '$scratch/echo.in' >&3) & timeout 60 head -c 20000000 <&3 > '$scratch/echo.out'; wait"
check "echo returns 20 MB byte for byte" cmp -s "$scratch/echo.in" "$scratch/echo.out"

"$finwait" netstat --stack "$ns" -a > "$scratch/netstat"
check "netstat -a shows each listener once for the two stacks" \
  test "$(grep -cE '^tcp +0 +0 0.0.0.0:80 +0.0.0.0:\* +LISTEN$' "$scratch/netstat")" -eq 1
"$finwait" no --stack "$ns" -o tcp_fin_timeout=2 > "$scratch/set" 2>&1
check "no --stack -o changes the tunable" grep -qx "tcp_finwait2 = 4" "$scratch/set"

# The seed story on both stacks: 16 clients get their answer and go silent
# (the host address goes, so the kernel answers nothing); every one of
# finwait's FIN_WAIT_2s ends at the new 2 s, on whichever stack it was.
in_ns bash -c 'for i in $(seq 1 16); do
  (exec 3<>/dev/tcp/198.18.6.2/80; printf "GET /bytes/10 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" >&3; sleep 3) &
done; sleep 0.5; ip addr del 198.18.6.1/24 dev fw0; wait' 2> /dev/null &
clients=$!
sleep 1
"$finwait" netstat --stack "$ns" -o > "$scratch/timers"
check "netstat -o lists all 16 FIN_WAIT_2s, each with its finwait2 timer under 2 s" \
  test "$(grep -cE 'FIN_WAIT_2 +timer:\(finwait2,(1\.[0-9]{3}ms|[0-9]{1,3}ms),0\)$' "$scratch/timers")" -eq 16
sleep 2.5
"$finwait" netstat --stack "$ns" -s > "$scratch/counters"
check "  ...and netstat -s counts 16 FIN_WAIT_2 timeouts over both stacks" \
  grep -qE "^FinwaitFinWait2Timeouts +16$" "$scratch/counters"
wait "$clients"

kill -TERM "$server"
wait "$server"
status=$?
check "SIGTERM stops both stacks cleanly" test "$status" -eq 0
for thread in 1 2; do
  accepted=$(sed -nE "s/^finwait serve: thread $thread of 2: ([0-9]+) connections accepted.*/\1/p" "$scratch/serve.out")
  check "thread $thread accepted a share of the connections (${accepted:-none})" test "${accepted:-0}" -gt 20
done
check "  ...the stop lines count the packets handed between threads" grep -q "packets handed to another thread" "$scratch/serve.out"
capture_clean "$scratch/threads.pcap"
[[ $failures -eq 0 ]]
