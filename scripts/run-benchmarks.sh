#!/usr/bin/env bash
# Runs every benchmark in DIR. Each prints Google Benchmark's table, then its
# ratios against the baselines it measured in the same run.
set -euo pipefail
dir=${1:?usage: run-benchmarks.sh BUILD_DIR}
for bench in "$dir"/*_bench; do
  [[ -x "$bench" ]] || continue
  echo "== $(basename "$bench")"
  "$bench" --benchmark_min_time=0.2
done
