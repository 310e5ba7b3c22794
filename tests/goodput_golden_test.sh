#!/usr/bin/env bash
# The goodput table under loss (bench/goodput_table.cpp) against its golden
# file: virtual time makes it exact, so any change to how the sender reacts
# to loss shows as a diff. After a deliberate change, regenerate it with
#   build/release/tests/goodput_table > bench/goodput.golden
set -euo pipefail
table=${1:?usage: goodput_golden_test.sh GOODPUT_TABLE GOLDEN}
golden=${2:?}
if [[ ! -x $table ]]; then
  echo "FAIL: $table is not built (make test builds the release goodput_table first)"
  exit 1
fi
if diff -u "$golden" <("$table"); then
  echo "ok: the goodput table matches $golden"
else
  echo "FAIL: the goodput table changed (diff above)"
  exit 1
fi
