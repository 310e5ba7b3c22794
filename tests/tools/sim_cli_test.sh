#!/usr/bin/env bash
# `finwait sim`: the seed story's verdicts per profile, JSON fields, pcap
# output that `finwait pcap print` reads, scenario files, and bad input.
set -euo pipefail
finwait=${1:?usage: sim_cli_test.sh FINWAIT SOURCE_DIR}
source_dir=${2:?}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0
check() { if "${@:2}"; then echo "ok $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi; }

"$finwait" sim story --profile aix > "$scratch/aix"
check "aix closes at 600 s" grep -q "^verdict: aix: the server connection reached CLOSED at 10m00.090s (finwait2_timeout)$" "$scratch/aix"
"$finwait" sim story --profile aix --set tcp_finwait2=0 --keepalive > "$scratch/keepalive"
check "keepalive drops at 7800 s" grep -q "reached CLOSED at 2h10m00.090s (keepalive_timeout)$" "$scratch/keepalive"
"$finwait" sim story --profile linux > "$scratch/linux"
check "linux closes at 60 s" grep -q "reached CLOSED at 1m00.090s (finwait2_timeout)$" "$scratch/linux"
"$finwait" sim story --profile rfc793 --until 30d > "$scratch/rfc793"
check "rfc793 is still in FIN_WAIT_2" grep -q "still in FIN_WAIT_2 at 720h00m00s" "$scratch/rfc793"
"$finwait" sim story --connections 50 > "$scratch/many"
check "many connections all end" grep -q "all 50 server connections reached CLOSED" "$scratch/many"

# The final state as netstat shows it, timers in ss -o's style.
"$finwait" sim story --profile aix --until 5m --netstat > "$scratch/netstat"
check "a run cut short names the timer that will end the connection" \
  grep -q "still in FIN_WAIT_2 at 5m00s, its finwait2 timer due at 10m00.090s" "$scratch/netstat"
check "--netstat lists the listener" grep -qE "^tcp +0 +0 0.0.0.0:80 +0.0.0.0:\* +LISTEN" "$scratch/netstat"
check "--netstat lists the parked FIN_WAIT_2 with its timer" \
  grep -qE "^tcp +0 +0 198.18.0.2:80 +198.18.0.1:[0-9]+ +FIN_WAIT_2 +timer:\(finwait2,5min,0\)$" "$scratch/netstat"
check "--netstat counts with nstat's names" grep -qE "^  TcpPassiveOpens +1$" "$scratch/netstat"
check "--netstat says the crashed client is down" grep -q "the host is down (crashed)" "$scratch/netstat"
"$finwait" sim story --profile aix --until 10m --netstat > "$scratch/netstat-late"
check "  ...and 40 ms before the timer, the time left in ms" grep -qE "timer:\(finwait2,90ms,0\)$" "$scratch/netstat-late"
"$finwait" sim story --profile aix --until 5m --netstat --json > "$scratch/netstat.json"
check "--netstat --json: one object per host before the verdict" \
  python3 -c "
import json, sys
lines = [json.loads(l) for l in open('$scratch/netstat.json')]
views = [l['netstat'] for l in lines if 'netstat' in l]
server = next(v for v in views if v['host'] == 'server')
c = server['connections'][0]
assert c['state'] == 'FIN-WAIT-2' and c['parked'] and c['timer']['name'] == 'finwait2', c
assert abs(c['timer']['remaining_s'] - 300.09) < 0.001, c
assert server['counters']['TcpPassiveOpens'] == 1 and server['listeners'][0]['local'] == '0.0.0.0:80'
assert 'verdict' in lines[-1]
"
"$finwait" sim run "$source_dir/examples/seed-story.toml" --netstat > "$scratch/run-netstat"
check "sim run --netstat shows every host" bash -c "grep -c '^netstat -a -n -o on' '$scratch/run-netstat' | grep -qx 2"

# The story as a picture: one HTML file, inline SVG, nothing fetched.
"$finwait" sim story --profile aix --report "$scratch/story.html" > /dev/null
check "--report draws the story" python3 - "$scratch/story.html" << 'PY'
import re, sys
h = open(sys.argv[1]).read()
assert h.startswith("<!DOCTYPE html>") and "<script" not in h and "http" not in h.replace('xmlns="http://www.w3.org/2000/svg"', "")
assert h.count('class="segment"') >= 9, "an arrow per segment"
assert re.search(r'class="label"[^>]*>[^<]*F\. seq', h), "arrows labelled with flags and seq"
assert "… 9m59.850s …" in h, "the idle FIN_WAIT_2 drawn short, its length written"
assert 'data-state="FIN_WAIT_2"' in h and 'class="expiry"' in h, "state bars and the timer's end"
PY
"$finwait" sim story --profile aix --connections 50 --until 15m --report "$scratch/aix.html" > /dev/null
"$finwait" sim story --profile rfc793 --connections 50 --until 15m --report "$scratch/rfc793.html" > /dev/null
check "--report with many connections: the FIN_WAIT_2 pile-up stays under rfc793, drains under aix" python3 - "$scratch/aix.html" "$scratch/rfc793.html" << 'PY'
import re, sys
def fin_wait_2_columns(path):
    h = open(path).read()
    return [float(x) for x in re.findall(r'class="stack" data-state="FIN_WAIT_2" x="([0-9.]+)"', h)]
aix, rfc793 = fin_wait_2_columns(sys.argv[1]), fin_wait_2_columns(sys.argv[2])
assert len(rfc793) >= 190, len(rfc793)          # to the end of the chart
assert 100 <= len(aix) < 195, len(aix)           # gone before the end: 600 s
PY
for scenario in "$source_dir"/examples/*.toml; do
  "$finwait" sim run "$scenario" --report "$scratch/run.html" > /dev/null
  check "sim run --report draws $(basename "$scenario")" grep -q 'class="segment"' "$scratch/run.html"
done
status=0
"$finwait" sim story --report "$scratch" > /dev/null 2> "$scratch/err" || status=$?
check "--report to a folder is refused (exit 2), naming it" bash -c "test $status -eq 2 && grep -q 'not a regular file' '$scratch/err'"

"$finwait" sim story --json --pcap "$scratch/story.pcap" > "$scratch/json"
check "json has the design's field names" grep -q '"cause":"finwait2_timeout","conn":"198.18.0.2:80-198.18.0.1:[0-9]*","from":"FIN_WAIT_2","host":"server","t_s":600.09,"to":"CLOSED"' "$scratch/json"
check "json ends with the verdict" bash -c "tail -n 1 '$scratch/json' | grep -q '^{\"verdict\":'"
"$finwait" pcap print "$scratch/story.pcap" > "$scratch/pcap"
check "the pcap holds the exchange" grep -q "198.18.0.2:80 > 198.18.0.1:[0-9]* F\\. " "$scratch/pcap"
check "no bad checksums on the wire" bash -c "! grep -q bad_ '$scratch/pcap'"

"$finwait" sim run "$source_dir/examples/seed-story.toml" > "$scratch/run"
check "sim run prints the timeline" grep -q "FIN-WAIT-2 -> CLOSED  (finwait2_timeout)" "$scratch/run"

# A paced run answers on its hosts' control sockets while it goes: the
# server's tcp_finwait2, changed after the first FIN_WAIT_2 began, bounds
# the second one (3 min later) at 20 s and leaves the first one's 600 s.
if [[ $(id -u) -ne 0 ]]; then export XDG_RUNTIME_DIR="$scratch/run"; mkdir -p "$XDG_RUNTIME_DIR"; fi
"$finwait" sim run "$source_dir/tests/tools/data/paced-two-clients.toml" --pace 120 --name "paced$$" > "$scratch/paced" 2>&1 &
paced_pid=$!
for _ in $(seq 100); do grep -q "^finwait sim run: .*control:" "$scratch/paced" && break; sleep 0.05; done
"$finwait" netstat --stack "paced$$.server" -a -o > "$scratch/paced-netstat"
check "a paced run's netstat shows the live FIN_WAIT_2 and its timer" \
  grep -qE "198.18.0.2:80 +198.18.0.1:[0-9]+ +FIN_WAIT_2 +timer:\(finwait2,[89]min" "$scratch/paced-netstat"
"$finwait" no --stack "paced$$.server" -o tcp_finwait2=20s > /dev/null
status=0
"$finwait" netstat --stack "paced$$.client" > /dev/null 2> "$scratch/paced-err" || status=$?
check "a crashed host's control socket says it is down" \
  bash -c "test $status -eq 1 && grep -q 'the host is down (crashed)' '$scratch/paced-err'"
wait "$paced_pid"
check "the change bounds the next FIN_WAIT_2 at 20 s" \
  grep -qE "^ +3m20.090s +server .*FIN-WAIT-2 -> CLOSED  \(finwait2_timeout\)" "$scratch/paced"
check "  ...and leaves the running timer alone" \
  grep -qE "^ +10m00.090s +server .*FIN-WAIT-2 -> CLOSED  \(finwait2_timeout\)" "$scratch/paced"
check "the control sockets are gone at the end" bash -c "! ls /run/finwait/paced$$.* '${XDG_RUNTIME_DIR:-/nonexistent}'/finwait/paced$$.* 2> /dev/null | grep -q ."

set +e
"$finwait" sim story --set tcp_finwait3=1 > /dev/null 2> "$scratch/err"; s1=$?
"$finwait" sim story --profile bsd > /dev/null 2>> "$scratch/err"; s2=$?
"$finwait" sim story --until forever > /dev/null 2>> "$scratch/err"; s3=$?
printf '[[host]]\nname = "a"\naddress = "1.2.3"\n' > "$scratch/bad.toml"
"$finwait" sim run "$scratch/bad.toml" > /dev/null 2>> "$scratch/err"; s4=$?
"$finwait" sim story --bogus > /dev/null 2>> "$scratch/err"; s5=$?
"$finwait" sim run "$source_dir/examples/seed-story.toml" --pace 0 > /dev/null 2>> "$scratch/err"; s6=$?
"$finwait" sim run "$source_dir/examples/seed-story.toml" --name x > /dev/null 2>> "$scratch/err"; s7=$?
"$finwait" sim run "$source_dir/examples/seed-story.toml" --pace 1 --name 'a/b c' > /dev/null 2>> "$scratch/err"; s8=$?
set -e
check "bad input exits 2" test "$s1$s2$s3$s4$s5$s6$s7$s8" = 22222222
check "--pace out of range is named" grep -q "^finwait sim run: --pace" "$scratch/err"
check "--name without --pace is refused" grep -q "give --pace RATE too" "$scratch/err"
check "a --name that is no stack name is refused" grep -q "a stack's name is letters" "$scratch/err"
check "an unknown tunable is named" grep -q "tcp_finwait3: no such tunable" "$scratch/err"
check "an unknown profile is named" grep -q "unknown profile 'bsd'" "$scratch/err"
check "a bad duration is named" grep -q "until 'forever'" "$scratch/err"
check "a bad scenario says where" grep -q "bad.toml:3:11: host\[0\].address: expected an IPv4 address" "$scratch/err"

[[ $failures -eq 0 ]]
