#!/usr/bin/env bash
# Runs every libFuzzer target in DIR for SECONDS each. New inputs go to a
# scratch corpus under build/, so the committed seeds in fuzz/corpus stay as
# they are. Any crash, leak or sanitizer report fails the run.
set -euo pipefail
dir=${1:?usage: run-fuzzers.sh BUILD_DIR SECONDS}
seconds=${2:?usage: run-fuzzers.sh BUILD_DIR SECONDS}
root=$(cd "$(dirname "$0")/.." && pwd)

count=0
for fuzzer in "$dir"/*_fuzzer; do
  [[ -x "$fuzzer" ]] || continue
  name=$(basename "$fuzzer" _fuzzer)
  scratch="$dir/corpus-$name"
  mkdir -p "$scratch"
  echo "fuzz: $name for ${seconds}s"
  "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$dir/crash-$name-" \
    "$scratch" "$root/fuzz/corpus/$name" 2>"$dir/$name.log" || {
    tail -n 60 "$dir/$name.log"
    echo "fuzz: $name FAILED (log: $dir/$name.log)"
    exit 1
  }
  grep -E '^stat::number_of_executed_units' "$dir/$name.log" | sed "s/^/fuzz: $name /"
  count=$((count + 1))
done
[[ $count -gt 0 ]] || { echo "fuzz: no fuzz targets in $dir"; exit 1; }
echo "fuzz: $count targets ran clean"
