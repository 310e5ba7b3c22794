#!/usr/bin/env bash
# One answer per state: every script runs twice, with waiting connections
# parked in the compact table whenever they can be and with parking off.
# Every segment the stack sends, at every instant, must be the same.
set -euo pipefail
finwait=${1:?usage: parking_equivalence_test.sh FINWAIT DIR...}
shift
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
dirs=()
for dir in "$@"; do
  if [[ -d "$dir" ]]; then
    dirs+=("$dir")
  elif [[ -n "${CI:-}" ]]; then
    echo "FAIL: $dir is missing"
    exit 1
  else
    echo "note: $dir is not here; comparing without it"
  fi
done
status=0
for mode in always never; do
  "$finwait" script --verbose --parking="$mode" "${dirs[@]}" > "$scratch/$mode.txt" || true
  "$finwait" script --json --parking="$mode" "${dirs[@]}" > "$scratch/$mode.json" || true
done
parked_always=$(grep -o '"parked":[0-9]*' "$scratch/always.json" | awk -F: '{s += $2} END {print s + 0}')
parked_never=$(grep -o '"parked":[0-9]*' "$scratch/never.json" | awk -F: '{s += $2} END {print s + 0}')
echo "parked: $parked_always connections with parking always, $parked_never with parking never"
if [[ "$parked_always" -eq 0 || "$parked_never" -ne 0 ]]; then
  echo "FAIL: the two runs did not differ in parking"
  status=1
fi
segments=$(grep -c ' > ' "$scratch/always.txt" || true)
if diff -u "$scratch/never.txt" "$scratch/always.txt" > "$scratch/diff"; then
  echo "ok: $segments segments identical, parked or not"
else
  echo "FAIL: the wire differs with parking (--- never, +++ always):"
  head -n 60 "$scratch/diff"
  status=1
fi
exit "$status"
