#!/usr/bin/env bash
# Every teardown order between finwait (tests/interop/teardown_peer) and the
# Linux kernel, in a network namespace made here on 198.18.0.0/15: finwait
# closes first, the kernel closes first, both at once, half-close with data
# still flowing either way, SO_LINGER 0 and close with unread data (both
# RST: the kernel sees ECONNRESET). finwait's states come from its own
# printout, the kernel's from `ss` and from what its socket calls return.
# Skips without root unless FINWAIT_REQUIRE_TUN=1.
set -uo pipefail
peer=${1:?usage: teardown_test.sh TEARDOWN_PEER}
source "$(dirname "$0")/namespace.sh"
interop_namespace fwteardown python3 ss tshark

# run MODE CLIENT_PYTHON: teardown_peer in MODE on 198.18.6.2:7, then the
# kernel's side; their outputs land in $scratch/MODE.peer and $scratch/MODE.kernel.
run() {
  local mode=$1 client=$2
  ip netns exec "$ns" "$peer" fw0 198.18.6.2 7 "$mode" "$scratch/$mode.pcap" > "$scratch/$mode.peer" 2>&1 &
  local peer_pid=$!
  pids+=("$peer_pid")
  for _ in $(seq 1 50); do grep -q ready "$scratch/$mode.peer" 2> /dev/null && break; sleep 0.1; done
  in_ns python3 -c "
import socket, subprocess, time
def kernel_state():  # the kernel's state of this connection, as ss shows it
    out = subprocess.run(['ss', '-Htan', 'src', '198.18.6.1:%d' % port, 'dst', '198.18.6.2:7'],
                         capture_output=True, text=True).stdout.split()
    return out[0] if out else 'gone'
def read_to_end(s):
    n = 0
    while True:
        b = s.recv(65536)
        if not b: return n
        n += len(b)
s = socket.create_connection(('198.18.6.2', 7), timeout=20)
port = s.getsockname()[1]
$client
" > "$scratch/$mode.kernel" 2>&1
  wait "$peer_pid"
  echo "-- $mode: finwait"; cat "$scratch/$mode.peer"
  echo "-- $mode: kernel"; cat "$scratch/$mode.kernel"
}
saw() { grep -q -- "$2" "$scratch/$1.peer"; }          # saw MODE TEXT: in finwait's printout
kernel_said() { grep -q -- "$2" "$scratch/$1.kernel"; }  # kernel_said MODE TEXT

# 1. finwait closes first: the kernel sits in CLOSE-WAIT until it closes too.
run active '
print("read", read_to_end(s), "then EOF")
time.sleep(0.2); print("kernel", kernel_state())
s.close(); time.sleep(0.2); print("after close", kernel_state())'
check "finwait closes first: FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT" \
  bash -c "grep -q 'FIN-WAIT-1 -> FIN-WAIT-2' '$scratch/active.peer' && grep -q 'FIN-WAIT-2 -> TIME-WAIT' '$scratch/active.peer'"
check "  ...the kernel reads its 6 bytes and EOF, and waits in CLOSE-WAIT" kernel_said active "kernel CLOSE-WAIT"
check "  ...and is gone after its own close (LAST-ACK acknowledged)" kernel_said active "after close gone"

# 2. The kernel closes first: finwait passes CLOSE-WAIT and LAST-ACK, the kernel TIME-WAIT.
run passive '
s.sendall(b"data"); s.close(); time.sleep(0.3); print("after close", kernel_state())'
check "the kernel closes first: finwait CLOSE-WAIT -> LAST-ACK -> CLOSED" \
  bash -c "grep -q 'ESTABLISHED -> CLOSE-WAIT' '$scratch/passive.peer' && grep -q 'LAST-ACK -> CLOSED' '$scratch/passive.peer'"
check "  ...having read the 4 bytes before the FIN" saw passive "received 4 then FIN"
check "  ...and the kernel waits in TIME-WAIT" kernel_said passive "after close TIME-WAIT"

# 3. Both at once: the kernel closes on "go", finwait 50 ms after it while
# the kernel's FIN still waits unread in the TUN queue: the FINs cross.
run simultaneous '
s.recv(10); s.close(); time.sleep(0.02); print("before finwait closes", kernel_state())
time.sleep(0.5); print("after close", kernel_state())'
check "both close at once: finwait FIN-WAIT-1 -> CLOSING -> TIME-WAIT" \
  bash -c "grep -q 'FIN-WAIT-1 -> CLOSING' '$scratch/simultaneous.peer' && grep -q 'CLOSING -> TIME-WAIT' '$scratch/simultaneous.peer'"
check "  ...the kernel was in FIN-WAIT-1 when finwait's FIN came" kernel_said simultaneous "before finwait closes FIN-WAIT-1"
check "  ...and, through CLOSING too, waits in TIME-WAIT" kernel_said simultaneous "after close TIME-WAIT"

# 4. Half-close, data flowing the other way: the kernel shuts down its side,
# finwait sends 10 MB 300 ms after that FIN, then closes.
run send-after-fin '
s.sendall(b"request"); s.shutdown(socket.SHUT_WR)
time.sleep(0.1); print("while reading", kernel_state())
print("read", read_to_end(s), "then EOF")'
check "half-close: finwait in CLOSE-WAIT sends after the kernel's FIN" saw send-after-fin "received 7 then FIN; sending 10000000"
check "  ...the kernel, in FIN-WAIT-2, reads all 10 MB and EOF" \
  bash -c "grep -q 'while reading FIN-WAIT-2' '$scratch/send-after-fin.kernel' && grep -q 'read 10000000 then EOF' '$scratch/send-after-fin.kernel'"
check "  ...and finwait ends through LAST-ACK" saw send-after-fin "LAST-ACK -> CLOSED"

# 5. The other way round: finwait shuts down its side, the kernel sends 10 MB after.
run shutdown '
print("read", read_to_end(s), "then EOF")
s.sendall(b"y" * 10000000); s.close(); time.sleep(0.3); print("after close", kernel_state())'
check "half-close: finwait in FIN-WAIT-2 reads 10 MB after its own FIN" saw shutdown "received 10000000 then FIN"
check "  ...then goes to TIME-WAIT" saw shutdown "FIN-WAIT-2 -> TIME-WAIT"
check "  ...and the kernel ends through LAST-ACK" kernel_said shutdown "after close gone"

# 6. SO_LINGER {1, 0}: close() aborts with RST.
run linger0 '
s.sendall(b"x")
try:
    s.recv(10); print("no reset")
except ConnectionResetError:
    print("ECONNRESET")'
check "SO_LINGER 0: finwait goes ESTABLISHED -> CLOSED (linger_abort)" saw linger0 "ESTABLISHED -> CLOSED (linger_abort)"
check "  ...and the kernel's recv() fails with ECONNRESET" kernel_said linger0 "^ECONNRESET"

# 7. Close with unread data: RST instead of FIN (RFC 9293 3.10.4, RFC 2525 2.17).
run unread '
s.sendall(b"unread data"); time.sleep(0.3)
try:
    s.recv(10); print("no reset")
except ConnectionResetError:
    print("ECONNRESET")'
check "unread data at close: finwait goes ESTABLISHED -> CLOSED (unread_data_abort)" saw unread "ESTABLISHED -> CLOSED (unread_data_abort)"
check "  ...and the kernel's recv() fails with ECONNRESET" kernel_said unread "^ECONNRESET"
for mode in active passive simultaneous send-after-fin shutdown linger0 unread; do
  capture_clean "$scratch/$mode.pcap"
done
[[ $failures -eq 0 ]]
