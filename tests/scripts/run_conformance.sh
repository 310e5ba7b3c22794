#!/usr/bin/env bash
# Runs the scripts written by others for the Linux kernel (shared/conformance,
# beside this repository): the linux profile must pass them unmodified.
set -euo pipefail
finwait=${1:?usage: run_conformance.sh FINWAIT DIR}
dir=${2:?usage: run_conformance.sh FINWAIT DIR}
if [[ ! -d "$dir" ]]; then
  if [[ -n "${CI:-}" ]]; then
    echo "FAIL: $dir is missing (CI lays shared/ beside the clone)"
    exit 1
  fi
  echo "SKIP: $dir is not here: shared/ must sit beside the repository for this test"
  exit 77
fi
"$finwait" script "$dir"
