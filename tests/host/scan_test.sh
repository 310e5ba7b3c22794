#!/usr/bin/env bash
# finwait scan against real kernel sockets (label `host`): a network namespace
# of the test's own, sockets in each state the seed's operator meets
# (tests/host/stuck_sockets.cpp, on 198.18.5.1 on its loopback), then what
# scan says of each: owner, timer, verdict; an orphan FIN_WAIT_2 counted down
# and gone under a short tcp_fin_timeout; --kill removing what the kernel can.
set -uo pipefail
finwait=${1:?usage: scan_test.sh FINWAIT STUCK_SOCKETS}
helper=${2:?usage: scan_test.sh FINWAIT STUCK_SOCKETS}
source "$(dirname "$0")/../interop/namespace.sh"
[[ $(id -u) -eq 0 ]] || cannot "not root: a network namespace needs CAP_SYS_ADMIN"
command -v ip > /dev/null || cannot "ip is not installed"
ip netns add "fwscan$$" 2> "$scratch/err" || cannot "ip netns add: $(cat "$scratch/err")"
ns="fwscan$$"
in_ns ip link set lo up
in_ns ip addr add 198.18.5.1/32 dev lo
in_ns sysctl -q -w net.ipv4.tcp_fin_timeout=3
# ip netns exec execs the helper: $! is its pid (the one scan must name).
ip netns exec "$ns" "$helper" 198.18.5.1 7000 "$scratch/ready" > "$scratch/helper.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -s "$scratch/ready" ]] && break; sleep 0.05; done
check "the helper made its sockets" test -s "$scratch/ready"
helper_pid=$(cat "$scratch/ready" 2> /dev/null)
pids+=("$helper_pid")

"$finwait" scan --netns "$ns" --json > "$scratch/scan.json" 2> "$scratch/scan.err"
check "scan --netns --json exits 0" test $? -eq 0
# line REMOTE_OR_LOCAL_PORT STATE FIELD...: one JSON line has them all.
line() {
  local port=$1 state=$2 l
  l=$(grep -E "\"conn\":\"198\.18\.5\.1:[0-9]+-198\.18\.5\.1:$port\"|\"conn\":\"198\.18\.5\.1:$port-" "$scratch/scan.json" |
    grep "\"state\":\"$state\"")
  shift 2
  for field in "$@"; do l=$(grep -F -- "$field" <<< "$l"); done
  [[ -n "$l" ]]
}
check "orphan FIN_WAIT_2 (client closed): bounded by tcp_fin_timeout, its timer counting down" \
  line 7001 FIN_WAIT_2 '"owner":"orphan"' '"verdict":"bounded"' 'tcp_fin_timeout (3 s)' '"timer":"timewait"'
check "CLOSE_WAIT held by the helper: unbounded, owner and pid named" \
  line 7001 CLOSE_WAIT '"owner":"process"' "\"pid\":$helper_pid" '"command":"stuck_sockets"' '"verdict":"unbounded"'
check "owned FIN_WAIT_2 after SHUT_WR, no keepalive: unbounded, no timer" \
  line 7002 FIN_WAIT_2 '"owner":"process"' '"verdict":"unbounded"' '"timer":"off"'
check "owned FIN_WAIT_2 with SO_KEEPALIVE: bounded by keepalive, its timer running" \
  line 7003 FIN_WAIT_2 '"owner":"process"' '"verdict":"bounded"' '"timer":"keepalive"' 'keepalive, if the peer is gone'
check "CLOSE_WAIT in a backlog: not yet accepted, by the listening process" \
  line 7004 CLOSE_WAIT '"owner":"not_yet_accepted"' "\"pid\":$helper_pid" '"verdict":"unbounded"' 'accept()'
check "TIME_WAIT: bounded by its fixed 60 s" \
  line 7005 TIME_WAIT '"owner":"orphan"' '"verdict":"bounded"' 'fixed 60 s'

"$finwait" scan --netns "$ns" > "$scratch/scan.txt"
check "the table puts the verdict first: UNBOUNDED groups with why and fix" \
  grep -q "^UNBOUNDED  198.18.5.1:7002  CLOSE_WAIT x1" "$scratch/scan.txt"
check "the table shows the host's settings in both spellings" \
  grep -q "tcp_fin_timeout 3 s (AIX tcp_finwait2 = 6 half-seconds)" "$scratch/scan.txt"

# --watch: the orphans go when tcp_fin_timeout (3 s) ends.
"$finwait" scan --netns "$ns" --state FIN_WAIT_2 --port 7004 --watch 1s --samples 6 --json > "$scratch/watch.json"
check "--watch sees the orphan FIN_WAIT_2 for a while" grep -q '"seen_s":[1-9]' "$scratch/watch.json"
check "--watch says when it went" grep -q '"from":"FIN_WAIT_2","gone":true' "$scratch/watch.json"
"$finwait" scan --netns "$ns" --state FIN_WAIT_2 --json > "$scratch/after.json"
check "the orphans are gone after tcp_fin_timeout; the owned FIN_WAIT_2 stay" \
  bash -c "! grep -q '\"owner\":\"orphan\"' '$scratch/after.json' && grep -q '7002' '$scratch/after.json'"

# --kill: asked, nothing done without an answer; with --yes, done by the kernel.
echo n | "$finwait" scan --netns "$ns" --state FIN_WAIT_2 --port 7002 --kill > "$scratch/declined.txt"
check "--kill declined kills nothing (exit 1)" test $? -eq 1
"$finwait" scan --netns "$ns" --state FIN_WAIT_2 --port 7002 --kill --yes > "$scratch/kill.txt"
kill_status=$?
if grep -q "EOPNOTSUPP" "$scratch/kill.txt"; then
  check "a kernel without CONFIG_INET_DIAG_DESTROY: said so, exit 1" test $kill_status -eq 1
else
  check "--kill --yes: the kernel killed it, the peer gets a RST" grep -q "killed; the peer gets a RST" "$scratch/kill.txt"
  "$finwait" scan --netns "$ns" --state FIN_WAIT_2 --port 7002 --json > "$scratch/killed.json"
  check "the killed FIN_WAIT_2 is gone" bash -c "! grep -q FIN_WAIT_2 '$scratch/killed.json'"
fi

# Bad input: one message naming it, exit 2.
for bad in "--state ESTABLISHED" "--port 0" "--port 80x" "--watch 0s" "--older-than soon" "--netns no-such-ns-$$" \
           "--samples 3" "--yes"; do
  # shellcheck disable=SC2086
  "$finwait" scan $bad > /dev/null 2> "$scratch/bad.err"
  status=$?
  check "scan $bad: exit 2 with one message" test $status -eq 2 -a "$(wc -l < "$scratch/bad.err")" -eq 1
done

[[ $failures -eq 0 ]] || { echo "$failures failed"; exit 1; }
echo "all passed"
