#!/usr/bin/env bash
# Real-traffic benchmark: bulk throughput between the kernel and finwait on
# TUN, both directions, with and without the vnet-header offloads; in the same
# run the kernel against itself over a veth pair between two namespaces (with
# its offloads and with them off), and connections per second from a kernel
# client loop to finwait's HTTP responder and to nginx; then two client
# loops against one finwait stack and against `serve --threads 2`. Every figure is the
# median of RUNS runs; ratios are against the veth figures of this run.
#
# Needs root. Everything happens in namespaces made here, on 198.18.0.0/15,
# removed at exit.
#
#   bench/tun_bench.sh FINWAIT KERNEL_PEER [BYTES] [RUNS] [CPS_SECONDS]
set -euo pipefail
finwait=${1:?usage: tun_bench.sh FINWAIT KERNEL_PEER [BYTES] [RUNS] [CPS_SECONDS]}
peer=${2:?usage: tun_bench.sh FINWAIT KERNEL_PEER [BYTES] [RUNS] [CPS_SECONDS]}
bytes=${3:-2000000000}
runs=${4:-5}
cps_seconds=${5:-3}
[[ $(id -u) -eq 0 ]] || { echo "tun_bench: needs root (namespaces, TUN, veth)" >&2; exit 2; }
for tool in ip ethtool nginx; do
  command -v "$tool" > /dev/null || { echo "tun_bench: $tool is not installed (scripts/install-deps.sh)" >&2; exit 2; }
done

scratch=$(mktemp -d)
tun_ns=fwbench-tun$$
veth_a=fwbench-a$$
veth_b=fwbench-b$$
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  for n in "$tun_ns" "$veth_a" "$veth_b"; do ip netns del "$n" 2> /dev/null || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT
for n in "$tun_ns" "$veth_a" "$veth_b"; do
  ip netns add "$n"
  ip -n "$n" link set lo up
done
ip link add va netns "$veth_a" type veth peer name vb netns "$veth_b"
ip -n "$veth_a" addr add 198.18.9.1/24 dev va
ip -n "$veth_b" addr add 198.18.9.2/24 dev vb
ip -n "$veth_a" link set va up
ip -n "$veth_b" link set vb up

median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
gbits() { sed -n 's/.*: \([0-9.]*\) Gbit\/s$/\1/p'; }

# throughput CLIENT_NS SERVER_NS HOST MODE: the median Gbit/s of RUNS runs.
# MODE send: the client sends to a sink; get: the client fetches from a server.
throughput() {
  local client=$1 server=$2 host=$3 mode=$4
  for _ in $(seq 1 "$runs"); do
    if [[ -n "$server" ]]; then
      if [[ $mode == send ]]; then
        ip netns exec "$server" "$peer" sink 9 > "$scratch/server.out" &
      else
        ip netns exec "$server" "$peer" serve 80 > "$scratch/server.out" &
      fi
      local server_pid=$!
      for _ in $(seq 1 50); do grep -q listening "$scratch/server.out" 2> /dev/null && break; sleep 0.05; done
    fi
    if [[ $mode == send ]]; then
      ip netns exec "$client" "$peer" send "$host" 9 "$bytes"
    else
      ip netns exec "$client" "$peer" get "$host" 80 "$bytes"
    fi | gbits
    if [[ -n "$server" ]]; then wait "$server_pid"; fi
  done | median
}

start_finwait() {  # start_finwait ARG...: finwait serve in the TUN namespace, until ready
  ip netns exec "$tun_ns" "$finwait" serve --tun fwb0 --name "$tun_ns" --addr 198.18.8.2/24 --http 80 --discard 9 "$@" \
    > "$scratch/serve.out" 2>&1 &
  finwait_pid=$!
  pids+=("$finwait_pid")
  for _ in $(seq 1 100); do grep -q "ready on" "$scratch/serve.out" 2> /dev/null && break; sleep 0.05; done
  grep -q "ready on" "$scratch/serve.out" || { cat "$scratch/serve.out" >&2; exit 1; }
}
stop_finwait() { kill -TERM "$finwait_pid"; wait "$finwait_pid" || true; }

cps() {  # cps NS HOST: connections per second, median of RUNS runs
  for _ in $(seq 1 "$runs"); do
    ip netns exec "$1" "$peer" cps "$2" 80 "$cps_seconds" | sed -n 's/.*: \([0-9.]*\) per second$/\1/p'
  done | median
}
cps_two_loops() {  # cps_two_loops NS HOST: the same with two client loops at once, summed
  for _ in $(seq 1 "$runs"); do
    for _ in 1 2; do ip netns exec "$1" "$peer" cps "$2" 80 "$cps_seconds" & done |
      sed -n 's/.*: \([0-9.]*\) per second$/\1/p' | awk '{ sum += $1 } END { print sum }'
  done | median
}

echo "tun_bench: $bytes bytes per transfer, median of $runs runs, $(nproc) cores, $(uname -r)"
veth_in=$(throughput "$veth_a" "$veth_b" 198.18.9.2 send)
veth_out=$(throughput "$veth_a" "$veth_b" 198.18.9.2 get)
for dev in va vb; do
  n=$veth_a
  [[ $dev == vb ]] && n=$veth_b
  ip netns exec "$n" ethtool -K "$dev" tso off gso off gro off tx off rx off > /dev/null 2>&1 || true
done
veth_plain_in=$(throughput "$veth_a" "$veth_b" 198.18.9.2 send)
veth_plain_out=$(throughput "$veth_a" "$veth_b" 198.18.9.2 get)

start_finwait
fw_in=$(throughput "$tun_ns" "" 198.18.8.2 send)
fw_out=$(throughput "$tun_ns" "" 198.18.8.2 get)
fw_cps=$(cps "$tun_ns" 198.18.8.2)
fw_cps_two=$(cps_two_loops "$tun_ns" 198.18.8.2)
stop_finwait
start_finwait --threads 2
fw_cps_threads=$(cps_two_loops "$tun_ns" 198.18.8.2)
stop_finwait
start_finwait --no-offloads
fw_plain_in=$(throughput "$tun_ns" "" 198.18.8.2 send)
fw_plain_out=$(throughput "$tun_ns" "" 198.18.8.2 get)
stop_finwait

# nginx, one worker as one finwait stack has one thread, across the veth pair.
cat > "$scratch/nginx.conf" << EOF
daemon off;
master_process off;
worker_processes 1;
user root;
pid $scratch/nginx.pid;
error_log $scratch/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_timeout 0;
  server {
    listen 198.18.9.2:80 reuseport;
    location / { return 200 "a"; }
  }
}
EOF
ip netns exec "$veth_b" nginx -c "$scratch/nginx.conf" -p "$scratch" &
pids+=($!)
for _ in $(seq 1 50); do ip netns exec "$veth_a" bash -c "echo > /dev/tcp/198.18.9.2/80" 2> /dev/null && break; sleep 0.1; done
nginx_cps=$(cps "$veth_a" 198.18.9.2)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
# Each finwait figure against the veth figure of its kind: offloads on
# against the kernel's own offloads, off against offloads off.
printf '\n%-46s %8s %8s\n' "bulk throughput (Gbit/s)" "figure" "ratio"
row() { printf '%-46s %8s %8s\n' "$1" "$2" "$(ratio "$2" "$3")"; }
row "kernel -> kernel, veth (baseline)" "$veth_in" "$veth_in"
row "kernel -> finwait, TUN with offloads" "$fw_in" "$veth_in"
row "kernel -> kernel, veth offloads off (baseline)" "$veth_plain_in" "$veth_plain_in"
row "kernel -> finwait, TUN without offloads" "$fw_plain_in" "$veth_plain_in"
row "kernel <- kernel, veth (baseline)" "$veth_out" "$veth_out"
row "kernel <- finwait, TUN with offloads" "$fw_out" "$veth_out"
row "kernel <- kernel, veth offloads off (baseline)" "$veth_plain_out" "$veth_plain_out"
row "kernel <- finwait, TUN without offloads" "$fw_plain_out" "$veth_plain_out"
printf '\n%-46s %8s %8s\n' "connections per second (GET /bytes/1)" "figure" "ratio"
row "kernel client -> nginx, 1 worker (baseline)" "$nginx_cps" "$nginx_cps"
row "kernel client -> finwait serve --http" "$fw_cps" "$nginx_cps"
row "2 client loops -> finwait serve (baseline)" "$fw_cps_two" "$fw_cps_two"
row "2 client loops -> finwait serve --threads 2" "$fw_cps_threads" "$fw_cps_two"
