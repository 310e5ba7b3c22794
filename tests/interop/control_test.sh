#!/usr/bin/env bash
# A running stack's control socket: `finwait netstat --stack` and
# `finwait no --stack` against `finwait serve` in a namespace made here
# (198.18.0.0/15). The socket is mode 0600; a live change takes effect on the
# next timer (the seed story's FIN_WAIT_2, watched with netstat -o); only the
# stack's own user may change it (SO_PEERCRED), a malformed request changes
# nothing. Skips without root unless FINWAIT_REQUIRE_TUN=1.
set -uo pipefail
finwait=${1:?usage: control_test.sh FINWAIT}
source "$(dirname "$0")/namespace.sh"
interop_namespace fwctl python3 setpriv
stack=fwctl$$

ip netns exec "$ns" "$finwait" serve --tun fw0 --addr 198.18.3.2/24 --http 80 --events --name "$stack" \
  > "$scratch/serve.out" 2> "$scratch/serve.err" &
server=$!
pids+=("$server")
for _ in $(seq 1 100); do grep -q "ready on fw0" "$scratch/serve.out" 2> /dev/null && break; sleep 0.1; done
socket=/run/finwait/$stack.sock
check "serve names its control socket" grep -q "control $socket" "$scratch/serve.out"
check "  ...which is mode 0600" test "$(stat -c %a "$socket" 2> /dev/null)" = 600

"$finwait" netstat --stack "$stack" -a > "$scratch/netstat" 2>&1
check "netstat -a lists the listener" grep -qE "^tcp +0 +0 0.0.0.0:80 +0.0.0.0:\* +LISTEN$" "$scratch/netstat"
check "no --stack -o shows the running value (linux: 120 half-seconds)" \
  bash -c "\"$finwait\" no --stack '$stack' -o tcp_finwait2 | grep -qx 'tcp_finwait2 = 120'"
"$finwait" no --stack "$stack" -o tcp_fin_timeout=2 > "$scratch/set" 2>&1
check "no --stack -o NAME=VALUE changes it now" grep -qx "tcp_finwait2 = 4" "$scratch/set"
check "  ...and -L shows it as CUR" bash -c "\"$finwait\" no --stack '$stack' -L tcp_finwait2 | grep -qE '^tcp_finwait2 +4 +120 '"
"$finwait" no --stack "$stack" -o tcp_finwait2=-1 > /dev/null 2> "$scratch/err"
check "an out-of-range value is refused (exit 1), the stack keeps its value" \
  bash -c "grep -q 'out of range' '$scratch/err' && \"$finwait\" no --stack '$stack' -o tcp_finwait2 | grep -qx 'tcp_finwait2 = 4'"
python3 - "$socket" > "$scratch/malformed" << 'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"{not json\n"); print(s.recv(1000).decode())
PY
check "a malformed request gets an error reply" grep -q '"ok":false' "$scratch/malformed"

# The live change on the next timer: the seed story with the kernel as the client.
in_ns bash -c "exec 3<>/dev/tcp/198.18.3.2/80
printf 'GET /bytes/10 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
timeout 5 cat <&3 > /dev/null; sleep 0.2; ip addr del 198.18.3.1/24 dev fw0; exec 3>&-"
sleep 0.5
"$finwait" netstat --stack "$stack" -o > "$scratch/timers"
cat "$scratch/timers"
check "netstat -o shows the FIN_WAIT_2 with its finwait2 timer under 2 s" \
  grep -qE "FIN_WAIT_2 +timer:\(finwait2,1\.[0-9]{3}ms,0\)$" "$scratch/timers"
for _ in $(seq 1 40); do grep -q "finwait2_timeout" "$scratch/serve.out" && break; sleep 0.1; done
gap=$(event_gap "$scratch/serve.out" fin_acked finwait2_timeout)
check "  ...and it ends at the new tcp_fin_timeout = 2 s (${gap:-never} s)" \
  python3 -c "import sys; sys.exit(0 if 1.9 <= float('${gap:-0}') <= 2.5 else 1)"
"$finwait" netstat --stack "$stack" -s > "$scratch/counters"
check "netstat -s counts it under finwait's name" grep -qE "^FinwaitFinWait2Timeouts +1$" "$scratch/counters"
"$finwait" netstat --stack "$stack" --json > "$scratch/json"
check "netstat --json is one object with the counters" \
  python3 -c "import json; d = json.load(open('$scratch/json')); assert d['counters']['TcpPassiveOpens'] == 1"

"$finwait" no --stack "$stack" -p -o tcp_keepidle=600 --file "$scratch/tunables.toml" > /dev/null
check "no --stack -p changes the stack and persists the value" grep -qE "^tcp_keepidle = 600 " "$scratch/tunables.toml"
"$finwait" no --stack "$stack" -d tcp_finwait2 > "$scratch/reset"
check "no --stack -d NAME: back to the stack's profile's default (linux: 120)" grep -qx "tcp_finwait2 = 120" "$scratch/reset"

# Another user cannot reach root's socket at all (mode 0600).
setpriv --reuid=nobody --regid=nogroup --clear-groups "$finwait" no --stack "$socket" -o tcp_finwait2=10 \
  > /dev/null 2> "$scratch/nobody.err"
check "another user is refused: permission denied, exit 2" grep -q "permission denied" "$scratch/nobody.err"
kill -TERM "$server"
wait "$server"

# The persisted value survives a restart: serve reads the file at start.
ip netns exec "$ns" "$finwait" serve --tun fw0 --addr 198.18.3.2/24 --http 80 --name "$stack" \
  --tunables "$scratch/tunables.toml" > "$scratch/serve2.out" 2> "$scratch/serve2.err" &
server=$!
pids+=("$server")
for _ in $(seq 1 100); do grep -q "ready on fw0" "$scratch/serve2.out" 2> /dev/null && break; sleep 0.1; done
check "after a restart the stack runs with the persisted value" \
  bash -c "\"$finwait\" no --stack '$stack' -o tcp_keepidle | grep -qx 'tcp_keepidle = 600'"
kill -TERM "$server"
wait "$server"

# A stack run by another user (nobody, with CAP_NET_ADMIN and CAP_DAC_OVERRIDE
# for its TUN device):
# root reaches its socket but may not change it (SO_PEERCRED).
mkdir -p "$scratch/nobody-run"
chown nobody "$scratch/nobody-run"
chmod 755 "$scratch"
ip netns exec "$ns" env XDG_RUNTIME_DIR="$scratch/nobody-run" setpriv --reuid=nobody --regid=nogroup --clear-groups \
  --inh-caps=+net_admin,+dac_override --ambient-caps=+net_admin,+dac_override "$finwait" serve --tun fw1 --addr 198.18.2.2/24 --http 80 \
  --name other > "$scratch/other.out" 2>&1 &
other=$!
pids+=("$other")
for _ in $(seq 1 100); do grep -q "ready on fw1" "$scratch/other.out" 2> /dev/null && break; sleep 0.1; done
cat "$scratch/other.out"
"$finwait" no --stack "$scratch/nobody-run/finwait/other.sock" -o tcp_finwait2=10 > /dev/null 2> "$scratch/peer.err"
check "root may not change another user's stack (SO_PEERCRED)" grep -q "only the stack's own user" "$scratch/peer.err"
check "  ...but may look" bash -c "\"$finwait\" no --stack '$scratch/nobody-run/finwait/other.sock' -o tcp_finwait2 | grep -qx 'tcp_finwait2 = 120'"
kill -TERM "$other"
wait "$other"
[[ $failures -eq 0 ]]
