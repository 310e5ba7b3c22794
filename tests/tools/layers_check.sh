#!/usr/bin/env bash
# DESIGN.md "Layers": each folder under src/ includes only the layers below
# it. Fails naming every include that reaches up or sideways.
set -euo pipefail
src=${1:?usage: layers_check.sh SRC_DIR}
# base/ and time/ are one foundation (the tunables carry durations).
declare -A allowed=(
  [base]="base time"
  [time]="base time"
  [wire]="base time wire"
  [netdev]="base time wire netdev"
  [ip]="base time wire ip"
  [tcp]="base time wire tcp"
  [stack]="base time wire ip tcp stack"
  [api]="base time wire netdev ip tcp stack api"
  [script]="base time wire netdev ip tcp stack api script"
  [sim]="base time wire netdev ip tcp stack api sim"
  [host]="base time host"
)
failures=0
for layer in "${!allowed[@]}"; do
  [[ -d "$src/$layer" ]] || continue
  while IFS=: read -r file line include; do
    target=$(sed -n 's/.*#include "\([a-z_]*\)\/.*/\1/p' <<< "$include")
    if [[ " ${allowed[$layer]} " != *" $target "* ]]; then
      echo "FAIL: $file:$line: $layer/ includes $target/ ($include)"
      failures=$((failures + 1))
    fi
  done < <(grep -nH '#include "[a-z_]*/' "$src/$layer"/*.h "$src/$layer"/*.cpp 2> /dev/null || true)
done
[[ $failures -eq 0 ]] || exit 1
echo "ok: every layer under src/ includes only the layers below it (${#allowed[@]} layers)"
