#!/usr/bin/env bash
# finwait serve on a TUN device against the Linux kernel and real programs
# (curl, bash's /dev/tcp), inside a network namespace made here with
# 198.18.0.0/15 addresses, removed afterwards. Nothing leaves the namespace.
#
# Needs root (a namespace and a TUN device). Without it the test skips with
# the reason, unless FINWAIT_REQUIRE_TUN=1 (CI), which makes that a failure.
set -uo pipefail
finwait=${1:?usage: serve_test.sh FINWAIT}
source "$(dirname "$0")/namespace.sh"
interop_namespace fwserve curl python3 tshark
server_pid=""

start_serve() {  # start_serve ARG...: finwait serve in the namespace, until its ready line
  # Not through in_ns: $! must be finwait itself (ip netns exec execs it).
  ip netns exec "$ns" "$finwait" serve --tun fw0 --name "$ns" --addr 198.18.7.2/24 "$@" > "$scratch/serve.out" 2> "$scratch/serve.err" &
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 1 100); do grep -q "ready on fw0" "$scratch/serve.out" 2> /dev/null && break; sleep 0.1; done
}
stop_serve() {
  kill -TERM "$server_pid"
  wait "$server_pid"
  status=$?
  server_pid=""
}

expected_sha() {  # the body of GET /bytes/N: byte i is 'a' + i % 26
  python3 -c 'import hashlib, sys
n = int(sys.argv[1]); block = bytes(97 + i % 26 for i in range(26)) * 40000; h = hashlib.sha256()
while n > 0:
    h.update(block[:min(n, len(block))]); n -= len(block)
print(h.hexdigest())' "$1"
}

# Twice: with the vnet-header offloads (the kernel's GSO packets taken whole,
# large segments handed to it) and with the plain device.
for mode in offloads --no-offloads; do
  flag=""
  [[ $mode == offloads ]] || flag=$mode
  start_serve --http 80 --echo 7 --discard 9 $flag
  check "[$mode] serve prints one line when ready" grep -q "^finwait serve: ready on fw0: finwait 198.18.7.2/24, host 198.18.7.1/24" "$scratch/serve.out"
  [[ $failures -eq 0 ]] || { cat "$scratch/serve.err"; exit 1; }
  if [[ $mode == offloads ]]; then
    check "[$mode]   ...naming the offloads" grep -q "mtu 1500, offloads csum tso4;" "$scratch/serve.out"
  else
    check "[$mode]   ...saying there are none" grep -q "mtu 1500, no offloads;" "$scratch/serve.out"
  fi
  check "[$mode] the kernel's side has the host address" bash -c "ip netns exec $ns ip -4 addr show fw0 | grep -q 'inet 198.18.7.1/24'"
  for size in 1000 100000000; do
    in_ns curl -sS -m 120 -o "$scratch/body" "http://198.18.7.2/bytes/$size" 2> "$scratch/curl.err"
    check "[$mode] curl fetches $size bytes" test "$(stat -c %s "$scratch/body" 2> /dev/null)" = "$size"
    check "[$mode]   ...and they are the right bytes (sha256)" test "$(sha256sum < "$scratch/body" | cut -d' ' -f1)" = "$(expected_sha "$size")"
  done
  # 100 MB each way at once: the kernel sends, finwait echoes.
  head -c 100000000 /dev/urandom > "$scratch/echo.in"
  in_ns bash -c "exec 3<>/dev/tcp/198.18.7.2/7; (cat '$scratch/echo.in' >&3) & timeout 60 head -c 100000000 <&3 > '$scratch/echo.out'; wait"
  check "[$mode] echo returns 100 MB byte for byte" cmp -s "$scratch/echo.in" "$scratch/echo.out"
  [[ $mode == offloads ]] || break
  stop_serve
  check "[$mode] SIGTERM stops serve cleanly" test "$status" -eq 0
done
in_ns curl -sS -v -m 20 -o /dev/null -o /dev/null http://198.18.7.2/bytes/10 http://198.18.7.2/bytes/20 2> "$scratch/keepalive.err"
check "HTTP/1.1 keep-alive: two requests on one connection" grep -q "Re-using existing connection" "$scratch/keepalive.err"
in_ns curl -sS -m 20 -D "$scratch/headers" -o /dev/null -H "Connection: close" http://198.18.7.2/bytes/10
check "Connection: close is answered in kind" grep -qi "^Connection: close" "$scratch/headers"
in_ns curl -sS -m 20 -o /dev/null -w '%{http_code}' http://198.18.7.2/nothing > "$scratch/code"
check "another path is 404" test "$(cat "$scratch/code")" = 404
in_ns bash -c "exec 3<>/dev/tcp/198.18.7.2/9; head -c 1000000 /dev/zero >&3; exec 3>&-"
check "discard takes 1 MB" test $? -eq 0

# The server closed first on Connection: close: the kernel side waits in
# TIME-WAIT, finwait's side went FIN-WAIT-2 -> TIME-WAIT (or was reset on close).
check "kernel clients that closed first wait in TIME-WAIT" bash -c "ip netns exec $ns ss -tan state time-wait | grep -q 198.18.7.2:80"

stop_serve
check "SIGTERM stops serve cleanly" test "$status" -eq 0
check "  ...saying so" grep -q "^finwait serve: stopped" "$scratch/serve.out"

# A bad link of finwait's own making (netdev::FaultInjector): 2 % of the
# packets each way lost, 2 % duplicated, 2 % corrupted. Nothing is lost or
# altered end to end: retransmission and the checksums see to it.
start_serve --http 80 --echo 7 --loss 2% --duplicate 2% --corrupt 2% --fault-seed 7
in_ns curl -sS -m 120 -o "$scratch/body" "http://198.18.7.2/bytes/2000000" 2> "$scratch/curl.err"
check "[faults] curl fetches 2 MB over a lossy, duplicating, corrupting link, byte for byte" \
  test "$(sha256sum < "$scratch/body" | cut -d' ' -f1)" = "$(expected_sha 2000000)"
head -c 1000000 /dev/urandom > "$scratch/echo.in"
in_ns bash -c "exec 3<>/dev/tcp/198.18.7.2/7; (cat '$scratch/echo.in' >&3) & timeout 60 head -c 1000000 <&3 > '$scratch/echo.out'; wait"
check "[faults] echo returns 1 MB byte for byte" cmp -s "$scratch/echo.in" "$scratch/echo.out"
stop_serve

# What went over the wire, in a short run of its own (tshark takes its time
# over 100 MB): every packet well formed, every checksum right.
start_serve --http 80 --echo 7 --pcap "$scratch/serve.pcap"
in_ns curl -sS -m 20 -o /dev/null -o /dev/null http://198.18.7.2/bytes/1000000 http://198.18.7.2/bytes/3000
head -c 1000000 /dev/urandom > "$scratch/echo.in"
in_ns bash -c "exec 3<>/dev/tcp/198.18.7.2/7; (cat '$scratch/echo.in' >&3) & timeout 20 head -c 1000000 <&3 > /dev/null; wait"
in_ns bash -c "exec 3<>/dev/tcp/198.18.7.2/7; echo hello >&3; read -t 5 line <&3; exec 3>&-"
stop_serve
check "a second run stops cleanly too, writing its capture" test "$status" -eq 0 -a -s "$scratch/serve.pcap"
capture_clean "$scratch/serve.pcap"
large=$(tshark -r "$scratch/serve.pcap" -n -Y 'ip.len > 1500' 2> /dev/null | wc -l)
check "  ...and holds segments larger than the MTU both ways (TSO out, GSO in: $large)" \
  bash -c "tshark -r '$scratch/serve.pcap' -n -Y 'ip.len > 1500 && ip.src == 198.18.7.2' 2> /dev/null | grep -q . &&
           tshark -r '$scratch/serve.pcap' -n -Y 'ip.len > 1500 && ip.dst == 198.18.7.2' 2> /dev/null | grep -q ."
[[ $failures -eq 0 ]]
