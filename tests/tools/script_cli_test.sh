#!/usr/bin/env bash
# `finwait script`: a syntax error is FILE:LINE:COLUMN: message with exit 2 and
# nothing run; a construct outside the dialect fails the script, naming it;
# the closing line counts.
set -euo pipefail
finwait=${1:?usage: script_cli_test.sh FINWAIT SOURCE_DIR}
data="${2:?}/tests/tools/data"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0
check() { if "${@:2}"; then echo "ok $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi; }

set +e
"$finwait" script "$data/syntax_error.pkt" "$data/unsupported_call.pkt" > "$scratch/out" 2> "$scratch/err"; status=$?
set -e
check "syntax error exits 2" test "$status" = 2
check "syntax error names FILE:LINE:COLUMN" grep -q "syntax_error.pkt:3:25: expected '= RESULT'" "$scratch/err"
check "nothing runs after a syntax error" test ! -s "$scratch/out"

set +e
"$finwait" script "$data/unsupported_call.pkt" > "$scratch/out" 2>&1; status=$?
set -e
check "an unsupported call fails the script" test "$status" = 1
check "the failure names the call" grep -q "FAIL .*unsupported_call.pkt:2: unsupported call frobnicate()" "$scratch/out"
check "the closing line counts" grep -qx "0 passed, 1 failed" "$scratch/out"

set +e
"$finwait" script "$data/python_block.pkt" > "$scratch/out" 2>&1; status=$?
set -e
check "a python block fails its script, not the run" test "$status" = 1
check "the failure names the construct" grep -qF "python_block.pkt:2: %{ }% blocks beyond assert statements ('print(\"hello\")' is not an assert statement" "$scratch/out"

set +e
"$finwait" script --profile bsd "$data/unsupported_call.pkt" > /dev/null 2>&1; status=$?
set -e
check "an unknown profile exits 2" test "$status" = 2

# packetdrill's command line: -D substitutes words, the addresses are checked,
# and without --strict_segments consecutive segments may add up to one line.
set +e
"$finwait" script --ip_version=ipv4 --local_ip=192.168.0.1 --remote_ip=192.0.2.1/24 --gateway_ip=192.168.0.1 \
  --netmask_ip=255.255.0.0 -D WINDOW=32792 "$data/joined_segments.pkt" > "$scratch/out" 2>&1; status=$?
set -e
check "-D NAME=VALUE is substituted, segments add up" test "$status" = 0
set +e
"$finwait" script -D WINDOW=32792 --strict_segments "$data/joined_segments.pkt" > "$scratch/out" 2>&1; status=$?
set -e
check "--strict_segments matches one segment per line" test "$status" = 1
check "--strict_segments says what was sent" grep -q "length 500 instead of 1000" "$scratch/out"
set +e
"$finwait" script "$data/joined_segments.pkt" > "$scratch/out" 2>&1; status=$?
set -e
check "an undefined word is a syntax error" test "$status" = 2
for bad in "-D =3" "--local_ip=300.1.1.1" "--remote_ip=example" "--mtu=10" "--bind_port=70000" "--ip_version=ipv6"; do
  set +e
  # shellcheck disable=SC2086
  "$finwait" script -D WINDOW=32792 $bad "$data/joined_segments.pkt" > "$scratch/out" 2>&1; status=$?
  set -e
  check "$bad exits 2" test "$status" = 2
  check "$bad is named" grep -q -- "${bad%%=*}" "$scratch/out"
done

[[ $failures -eq 0 ]]
