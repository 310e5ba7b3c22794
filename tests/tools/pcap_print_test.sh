#!/usr/bin/env bash
# `finwait pcap print`: the same exchange from three link types prints the
# same lines; a damaged packet is marked; bad input exits 2 with a message.
set -euo pipefail
finwait=${1:?usage: pcap_print_test.sh FINWAIT SOURCE_DIR}
source_dir=${2:?usage: pcap_print_test.sh FINWAIT SOURCE_DIR}
data="$source_dir/tests/wire/data"
expected="$source_dir/tests/tools/data/kernel_veth_ethernet.expected"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0
check() {  # check NAME COMMAND...: run, report
  if "${@:2}"; then echo "ok $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi
}

for capture in kernel_veth_ethernet kernel_any_sll kernel_any_sll2; do
  "$finwait" pcap print "$data/$capture.pcap" > "$scratch/$capture.out"
  # Timestamps differ by microseconds between the three captures: compare the rest.
  check "$capture decodes as expected" diff <(cut -d' ' -f2- "$scratch/$capture.out") <(cut -d' ' -f2- "$expected")
done

# Damage one TCP payload byte of the data segment (packet 4) in a copy: the
# line must carry [bad_checksum]. Ethernet pcap: 24-byte file header, then
# 16-byte record headers; packet 4's payload ends its record.
cp "$data/kernel_veth_ethernet.pcap" "$scratch/damaged.pcap"
offset=$(( 24 + (16 + 74) + (16 + 74) + (16 + 66) + 16 + 14 + 20 + 32 ))
printf 'X' | dd of="$scratch/damaged.pcap" bs=1 seek="$offset" conv=notrunc status=none
"$finwait" pcap print "$scratch/damaged.pcap" > "$scratch/damaged.out"
check "damaged packet is marked" grep -q 'P. 2460891011:2460891017(6).*\[bad_checksum\]$' "$scratch/damaged.out"
check "only the damaged packet is marked" test "$(grep -c 'bad_checksum' "$scratch/damaged.out")" = 1

echo "not a capture" > "$scratch/text.pcap"
set +e
"$finwait" pcap print "$scratch/text.pcap" > /dev/null 2> "$scratch/err"; status=$?
set -e
check "text file exits 2" test "$status" = 2
check "text file is named as not a pcap" grep -q "text.pcap: not a pcap file" "$scratch/err"

set +e
"$finwait" pcap print "$scratch/missing.pcap" > /dev/null 2>&1; status=$?
set -e
check "missing file exits 2" test "$status" = 2

[[ $failures -eq 0 ]]
