#!/usr/bin/env bash
# `finwait no`: every flag, the persisted file it writes (and what a bad one
# says), and its refusals: exit 2, one message, nothing written.
set -uo pipefail
finwait=${1:?usage: no_cli_test.sh FINWAIT}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0
check() { if "${@:2}"; then echo "ok $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi; }
file="$scratch/tunables.toml"
no() { "$finwait" no --file "$file" "$@"; }

check "-a lists every tunable as name = value" bash -c "\"$finwait\" no -a --file '$file' | grep -qx 'tcp_finwait2 = 1200'"
check "-o NAME shows one (aix by default)" bash -c "\"$finwait\" no -o tcp_finwait2 --file '$file' | grep -qx 'tcp_finwait2 = 1200'"
check "--profile linux: its defaults" bash -c "\"$finwait\" no -o tcp_finwait2 --profile linux --file '$file' | grep -qx 'tcp_finwait2 = 120'"
check "-h NAME: unit, range, defaults, Linux name, type" bash -c "\"$finwait\" no -h tcp_finwait2 | grep -q 'Linux name: tcp_fin_timeout'"
check "-L: the table's columns" bash -c "\"$finwait\" no -L --file '$file' | head -1 | grep -qE '^NAME +CUR +DEF +BOOT +MIN +MAX +UNIT +TYPE$'"

no -p -o tcp_finwait2=600s > "$scratch/out" 2>&1
check "-p -o NAME=VALUE takes a unit suffix and persists it" grep -qE "^tcp_finwait2 = 1200  #" "$file"
check "  ...saying where, and that no running stack changed" grep -q "persisted in $file" "$scratch/out"
no -r -o tcp_fin_timeout=30 > /dev/null
check "-r -o by the Linux name, in its unit (seconds): stored by the AIX name" grep -qE "^tcp_finwait2 = 60  #" "$file"
check "CUR and BOOT read the file" bash -c "\"$finwait\" no -L tcp_finwait2 --file '$file' | grep -qE '^tcp_finwait2 +60 +1200 +60 '"
check "-x: comma-separated" bash -c "\"$finwait\" no -x -o tcp_finwait2 --file '$file' | grep -qx 'tcp_finwait2,60,1200,60,0,2147483647,half-seconds,D'"
no -p -o tcp_keepidle=1h > /dev/null
no -p -d tcp_finwait2 > /dev/null
check "-p -d NAME takes it out of the file" bash -c "! grep -q tcp_finwait2 '$file' && grep -q tcp_keepidle '$file'"
no -p -D > /dev/null
check "-p -D empties it" bash -c "! grep -qE '^tcp_' '$file'"

no -p -o tcp_finwait2=1200 > /dev/null
no -p -o tcp_rto_max=1s > /dev/null
cp "$file" "$scratch/before"
refused() {  # refused NAME EXPECTED -- COMMAND...: exit 2, the message, the file untouched
  local name=$1 expected=$2
  shift 3
  "$@" > "$scratch/out" 2> "$scratch/err"
  local status=$?
  check "$name: exit 2" test "$status" -eq 2
  check "  ...saying '$expected'" grep -qF -- "$expected" "$scratch/err"
  check "  ...and the file untouched" cmp -s "$scratch/before" "$file"
}
refused "an unknown tunable" "did you mean tcp_finwait2" -- no -p -o tcp_finwait3=5
refused "a value out of range" "out of range 0..2147483647 half-seconds" -- no -p -o tcp_finwait2=-5
refused "a value that is no number" "tcp_finwait2" -- no -p -o tcp_finwait2=soon
refused "a value that contradicts the file's" "tcp_rto_initial = 2000 (2s) is above tcp_rto_max" -- no -p -o tcp_rto_initial=2s
refused "a change now, with no running stack" "needs a running stack" -- no -o tcp_finwait2=600
refused "-p without a change" "-p and -r go with a change" -- no -p -a
refused "-p and -r together" "choose one" -- no -p -r -o tcp_finwait2=600
refused "an unknown profile" "unknown profile 'bsd'" -- no -a --profile bsd
refused "an unknown tunable to show" "no such tunable" -- no -o tcp_nothing
printf '[tunables]\ntcp_finwait2 = "soon"\n' > "$scratch/bad.toml"
refused "a broken file says where" "bad.toml:2:16: tcp_finwait2: expected a whole number" -- "$finwait" no -a --file "$scratch/bad.toml"
printf 'tcp_finwait2 = 5\n' > "$scratch/flat.toml"
refused "a value outside [tunables]" "flat.toml:1:16: unknown key 'tcp_finwait2'" -- "$finwait" no -a --file "$scratch/flat.toml"
printf '[tunables\n' > "$scratch/syntax.toml"
refused "a TOML syntax error" "syntax.toml:1:" -- "$finwait" no -a --file "$scratch/syntax.toml"
refused "a directory as the file" "$scratch" -- "$finwait" no -p -o tcp_finwait2=600 --file "$scratch"
[[ $failures -eq 0 ]]
