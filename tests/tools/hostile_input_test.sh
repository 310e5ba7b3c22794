#!/usr/bin/env bash
# Hostile input, class by class (files, output files, numbers, messages,
# script arguments, pcap records): every bad input gets one message and exit
# status 2, touches nothing, and never crashes, hangs or passes silently.
set -uo pipefail
finwait=${1:?usage: hostile_input_test.sh FINWAIT SOURCE_DIR}
source_dir=${2:?}
scratch=$(mktemp -d)
trap 'chmod -R u+rwx "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT
failures=0
check() { if "${@:2}"; then echo "ok $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi; }

# refused NAME WORD... -- COMMAND: exit 2 within 20 s, one line on stderr
# containing every WORD, nothing on stdout.
refused() {
  local name=$1
  shift
  local words=()
  while [[ $1 != -- ]]; do words+=("$1"); shift; done
  shift
  timeout 20 "$@" > "$scratch/out" 2> "$scratch/err" < /dev/null
  local status=$?
  local ok=true
  [[ $status -eq 2 ]] || { echo "  exit $status"; ok=false; }
  [[ $(wc -l < "$scratch/err") -ge 1 ]] || { echo "  no message"; ok=false; }
  [[ $(wc -c < "$scratch/err") -lt 2000 ]] || { echo "  a message of $(wc -c < "$scratch/err") bytes"; ok=false; }
  grep -q $'\x1b' "$scratch/err" && { echo "  raw control characters in the message"; ok=false; }
  for w in "${words[@]}"; do grep -qF -- "$w" "$scratch/err" || { echo "  message lacks '$w': $(head -c 300 "$scratch/err")"; ok=false; }; done
  check "$name" $ok
}

good="$source_dir/tests/scripts/passive-open.pkt"
printf '    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n' > "$scratch/one.pkt"

echo "== files"
mkdir -p "$scratch/locked" && cp "$good" "$scratch/locked/x.pkt" && cp "$good" "$scratch/unreadable.pkt"
chmod 000 "$scratch/unreadable.pkt" "$scratch/locked"
if [[ $(id -u) -ne 0 ]]; then
  refused "an unreadable script" unreadable.pkt -- "$finwait" script "$scratch/unreadable.pkt"
  refused "an unreadable folder" locked -- "$finwait" script "$scratch/locked"
else
  echo "note: as root every file is readable; the unreadable cases run as nobody"
  if command -v setpriv > /dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2> /dev/null; then
    chmod o+rx "$scratch"
    refused "an unreadable script" unreadable.pkt -- setpriv --reuid=65534 --regid=65534 --clear-groups "$finwait" script "$scratch/unreadable.pkt"
    refused "an unreadable folder" locked -- setpriv --reuid=65534 --regid=65534 --clear-groups "$finwait" script "$scratch/locked"
  fi
fi
mkfifo "$scratch/fifo.pkt" "$scratch/fifo.toml"
refused "a FIFO script does not hang" "a FIFO" -- "$finwait" script "$scratch/fifo.pkt"
refused "a FIFO scenario does not hang" "a FIFO" -- "$finwait" sim run "$scratch/fifo.toml"
refused "a device as a script" "a device" -- "$finwait" script /dev/zero
mkfifo "$scratch/fifo.pcap"
refused "a FIFO capture does not hang" "a FIFO" -- "$finwait" pcap print "$scratch/fifo.pcap"
refused "a folder as a scenario" "a directory" -- "$finwait" sim run "$scratch"
refused "a missing script" "No such file" -- "$finwait" script "$scratch/none.pkt"
: > "$scratch/empty.pkt"
refused "an empty script is not a pass" "empty.pkt:1:1:" "no events" -- "$finwait" script "$scratch/empty.pkt"
printf '// just a comment\n/* and another */\n' > "$scratch/comments.pkt"
refused "a comment-only script is not a pass" "no events" -- "$finwait" script "$scratch/comments.pkt"
printf '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n/* never closed\n+0 close(3) = 0\n' > "$scratch/open-comment.pkt"
refused "an unterminated /*" "open-comment.pkt:2:1:" "unterminated /*" -- "$finwait" script "$scratch/open-comment.pkt"
: > "$scratch/empty.toml"
refused "an empty scenario" "no [[host]]" -- "$finwait" sim run "$scratch/empty.toml"
printf '# nothing\n' > "$scratch/comment.toml"
refused "a comment-only scenario" "no [[host]]" -- "$finwait" sim run "$scratch/comment.toml"
printf 'not a pcap at all' > "$scratch/bad.pcap"
refused "a file that is not a pcap" "not a pcap" -- "$finwait" pcap print "$scratch/bad.pcap"

echo "== output files"
echo old > "$scratch/keep.pcap"
refused "a refused story leaves --pcap untouched" "tcp_bogus" -- "$finwait" sim story --set tcp_bogus=1 --pcap "$scratch/keep.pcap"
check "  ...the old file is as it was" test "$(cat "$scratch/keep.pcap")" = old
refused "a refused scenario leaves --pcap untouched" "no [[host]]" -- "$finwait" sim run "$scratch/empty.toml" --pcap "$scratch/keep.pcap"
check "  ...the old file is as it was" test "$(cat "$scratch/keep.pcap")" = old
refused "--pcap onto a device" "not a regular file" -- "$finwait" sim story --pcap /dev/null
refused "--pcap onto a folder" "not a regular file" -- "$finwait" sim story --pcap "$scratch"
check "no temporary files are left behind" test -z "$(find "$scratch" -name '.*partial*')"
(ulimit -f 8; "$finwait" sim story --connections 2000 --until 1h --pcap "$scratch/keep.pcap" > /dev/null 2> "$scratch/err"); status=$?
check "a full disk (file size limit) is an error" test "$status" -ne 0
check "  ...with a message" grep -q "cannot write" "$scratch/err"
check "  ...and the old file is as it was" test "$(cat "$scratch/keep.pcap")" = old
"$finwait" sim story > /dev/full 2> "$scratch/err"; status=$?
check "a full standard output is an error" test "$status" -eq 1
check "  ...with a message" grep -q "cannot write to standard output" "$scratch/err"
"$finwait" sim story --connections 3000 --json 2> "$scratch/err" | head -c 10 > /dev/null; status=${PIPESTATUS[0]}
check "a closed pipe (EPIPE) is an error, not a signal" test "$status" -eq 1
check "  ...with a message" grep -q "Broken pipe" "$scratch/err"
"$finwait" sim story >&- 2> "$scratch/err"; status=$?
check "a closed standard output is refused" test "$status" -eq 2

echo "== numbers"
refused "--connections in hex" "'0x10'" -- "$finwait" sim story --connections 0x10
refused "--connections with an exponent" "'1e3'" -- "$finwait" sim story --connections 1e3
refused "--connections as a fraction" "'1.5'" -- "$finwait" sim story --connections 1.5
refused "--connections too many" "'99999999999999999999'" -- "$finwait" sim story --connections 99999999999999999999
refused "--seed negative" "'-1'" -- "$finwait" sim story --seed -1
refused "--until past ten years" "until '99999d'" -- "$finwait" sim story --until 99999d
refused "--until overflowing" "until" -- "$finwait" sim story --until 99999999999999999999s
refused "a huge tcp_fin_timeout is refused, not 1 s" "tcp_fin_timeout: 99999999999999999 is out of range" -- "$finwait" sim story --set tcp_fin_timeout=99999999999999999
refused "a negative tunable" "out of range" -- "$finwait" sim story --set tcp_finwait2=-5
refused "a boolean for a count" "tcp_keepcnt" -- "$finwait" sim story --set tcp_keepcnt=true
refused "NaN as a tolerance" "--tolerance_percent: 'nan'" -- "$finwait" script --tolerance_percent nan "$good"
refused "a negative tolerance" "--tolerance_usecs: '-5'" -- "$finwait" script --tolerance_usecs -5 "$good"
printf -- '--tolerance_usecs=1e9\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n' > "$scratch/tol.pkt"
refused "a header tolerance with an exponent" "tol.pkt:1:1:" "'1e9'" -- "$finwait" script "$scratch/tol.pkt"
printf '99999999999 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n' > "$scratch/late.pkt"
refused "a script time past the bound" "late.pkt:1:1:" "time too large" -- "$finwait" script "$scratch/late.pkt"

echo "== messages"
refused "an unknown subcommand names it and the choices" "frobnicate" "sim" -- "$finwait" frobnicate
refused "an unknown flag names it and the options" "--bogus" "finwait sim story:" "--pcap-sent" -- "$finwait" sim story --bogus
refused "an unknown tunable says the closest names" "did you mean tcp_finwait2" "finwait no -a" -- "$finwait" sim story --set tcp_finwait3=1
check "  ...and that listing exists" bash -c "\"$finwait\" no -a | grep -q \"^tcp_finwait2 = \""
long=$(head -c 100000 /dev/zero | tr '\0' 'x')
refused "100 kB of tunable name is not echoed" "no such tunable" -- "$finwait" sim story --set "${long}=1"
printf '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 \x1b[2Jclose(3) = 0\n' > "$scratch/escape.pkt"
refused "control characters are escaped" "escape.pkt:2:4:" '\x1b' -- "$finwait" script "$scratch/escape.pkt"
{ printf '0 '; head -c 1000000 /dev/zero | tr '\0' 'y'; printf '(3) = 0\n'; } > "$scratch/longname.pkt"
"$finwait" script "$scratch/longname.pkt" > /dev/null 2> "$scratch/err"
check "a megabyte of call name is not echoed" test "$(wc -c < "$scratch/err")" -lt 2000
printf -- '--frobnicate=1\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n' > "$scratch/opt.pkt"
refused "an unknown header option at its line and column" "opt.pkt:1:1:" "unsupported option --frobnicate" -- "$finwait" script "$scratch/opt.pkt"
printf -- '\n\n  --profile=bsd\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n' > "$scratch/profile.pkt"
refused "a bad header value at its line and column" "profile.pkt:3:3:" "unknown profile 'bsd'" -- "$finwait" script "$scratch/profile.pkt"

printf '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0(0) win 65535 <mss 1460, bogus 3>\n' > "$scratch/option.pkt"
refused "a bad packet option at its own column" "option.pkt:2:36:" "unknown TCP option 'bogus'" -- "$finwait" script "$scratch/option.pkt"
{ printf 'hosts'; head -c 100000 /dev/zero | tr '\0' 'k'; printf ' = 1\n'; } > "$scratch/longkey.toml"
refused "a long unknown key is not echoed whole" "unknown key" -- "$finwait" sim run "$scratch/longkey.toml"

refused "serve: a bad address" "--addr 'bogus'" -- "$finwait" serve --tun fw9 --addr bogus --http 80
refused "serve: a port out of range" "--http: '99999'" -- "$finwait" serve --tun fw9 --addr 198.18.9.2/24 --http 99999
refused "serve: nothing to serve" "nothing to serve" -- "$finwait" serve --tun fw9 --addr 198.18.9.2/24
refused "serve: a host address outside the subnet" "--host-addr" -- "$finwait" serve --tun fw9 --addr 198.18.9.2/24 --host-addr 198.18.10.1/24 --http 80
refused "serve: a bad tunable" "did you mean" -- "$finwait" serve --tun fw9 --addr 198.18.9.2/24 --http 80 --set tcp_finwait3=1
refused "netstat: a stack that is not running" "no such stack running" -- "$finwait" netstat --stack nothere$$
refused "netstat: a stack name that is no name" "a stack's name is letters" -- "$finwait" netstat --stack 'a b;c'
refused "no --stack: a stack that is not running" "no such stack running" -- "$finwait" no --stack nothere$$ -o tcp_finwait2
refused "serve: a control name that is no name" "a stack's name is letters" -- "$finwait" serve --tun fw9 --addr 198.18.9.2/24 --http 80 --name '../etc'
refused "serve: a loss over 100%" "--loss '150%': expected a probability" -- "$finwait" serve --tun fw9 --addr 198.18.9.2/24 --http 80 --loss 150%
refused "serve: a loss that is no number" "--loss 'lots'" -- "$finwait" serve --tun fw9 --addr 198.18.9.2/24 --http 80 --loss lots
refused "serve: a negative corruption" "--corrupt '-0.1'" -- "$finwait" serve --tun fw9 --addr 198.18.9.2/24 --http 80 --corrupt -0.1
refused "serve: a fault seed that is no number" "--fault-seed" -- "$finwait" serve --tun fw9 --addr 198.18.9.2/24 --http 80 --loss 1% --fault-seed x
refused "serve: no threads at all" "--threads: '0'" -- "$finwait" serve --tun fw9 --addr 198.18.9.2/24 --http 80 --threads 0
refused "serve: more threads than a TUN has queues" "within 1..256" -- "$finwait" serve --tun fw9 --addr 198.18.9.2/24 --http 80 --threads 1000

echo "== script calls with absurd arguments"
cat > "$scratch/absurd.pkt" <<'PKT'
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 99999999999999) = 0
   +0 < S 0:0(0) win 65535 <mss 1460>
   +0 > S. 0:0(0) ack 1 <mss 1460>
 +.01 < . 1:1(0) ack 1 win 65535
   +0 accept(3, ..., ...) = 4
   +0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
   +0 read(4, ..., 4294967296) = -1 EAGAIN (Resource temporarily unavailable)
   +0 read(4, ..., 9223372036854775807) = -1 EAGAIN (Resource temporarily unavailable)
   +0 read(4, ..., -1) = -1 EFAULT (Bad address)
   +0 write(4, ..., -5) = -1 EFAULT (Bad address)
   +0 setsockopt(4, SOL_SOCKET, SO_RCVBUF, [9223372036854775807], 4) = 0
   +0 setsockopt(4, SOL_TCP, TCP_USER_TIMEOUT, [99999999999999], 4) = 0
   +0 setsockopt(4, SOL_TCP, TCP_LINGER2, [99999999999999], 4) = 0
   +0 epoll_create(1) = 5
   +0 epoll_wait(5, ..., 99999999999, 0) = 0
PKT
# The peak memory of the run, in kB (the sanitizers' own share included).
read -r status kb < <(python3 "$source_dir/tests/tools/peak_memory.py" "$finwait" script "$scratch/absurd.pkt")
check "absurd lengths and counts: Linux's answers" test "$status" -eq 0
check "  ...without the allocations they ask for (${kb} kB)" test "$kb" -lt 400000
[[ $status -eq 0 ]] || "$finwait" script "$scratch/absurd.pkt" | head -5
{ printf '0 setsockopt(3, SOL_SOCKET, SO_LINGER, '; for i in $(seq 1 100000); do printf '{a='; done; printf '1'; for i in $(seq 1 100000); do printf '}'; done; printf ', 8) = 0\n'; } > "$scratch/deep.pkt"
refused "arguments nested 100000 deep" "deep.pkt:1:" "nested deeper" -- "$finwait" script "$scratch/deep.pkt"
printf 'a = %s1%s\n' "$(printf '[%.0s' $(seq 1 5000))" "$(printf ']%.0s' $(seq 1 5000))" > "$scratch/deep.toml"
refused "a scenario nested 5000 deep" "deep.toml:1:" "nested" -- "$finwait" sim run "$scratch/deep.toml"

echo "== pcap records"
"$finwait" sim story --pcap "$scratch/story.pcap" > /dev/null
head -c $(( $(stat -c %s "$scratch/story.pcap") - 7 )) "$scratch/story.pcap" > "$scratch/cut.pcap"
"$finwait" pcap print "$scratch/cut.pcap" > /dev/null 2> "$scratch/err"; status=$?
check "a truncated record is bad input (exit 2)" test "$status" -eq 2
check "  ...and said" grep -q "cut.pcap" "$scratch/err"
python3 - "$scratch/story.pcap" "$scratch/backwards.pcap" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], 'rb').read())
# Records after the 24-byte file header: make the second record 1.5 s before
# the first, and the third one 2^31 + 5 s after it.
offsets, at = [], 24
while at + 16 <= len(data):
    offsets.append(at)
    at += 16 + struct.unpack_from('<I', data, at + 8)[0]
struct.pack_into('<II', data, offsets[0], 10, 0)
struct.pack_into('<II', data, offsets[1], 8, 500_000_000)
struct.pack_into('<II', data, offsets[2], 10 + 2**31 + 5, 0)
open(sys.argv[2], 'wb').write(data)
PY
"$finwait" pcap print "$scratch/backwards.pcap" > "$scratch/times" 2>&1
check "a timestamp going backwards prints negative, as tshark does" grep -q '^-1\.500000 ' "$scratch/times"
check "a timestamp past 2^31 s prints whole" grep -q '^2147483653\.000000 ' "$scratch/times"

[[ $failures -eq 0 ]]
