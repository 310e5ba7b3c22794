#!/usr/bin/env bash
# Runs one topic of shared/conformance/upstream (scripts others wrote for
# Linux 6.18) as packetdrill's run_all.py runs them: each from its own folder,
# with run_all's command line. The scripts listed in upstream_passing.txt must
# pass (a regression names its script); any other that passes is reported, so
# that the list can grow. Those in upstream_lenient.txt fail only by
# SCRIPTS.md's strictness (the stack sends what no '>' line reads, where
# packetdrill never looks): they must pass with --lenient. A crash fails
# whatever the lists say.
set -uo pipefail
finwait=${1:?usage: run_upstream.sh FINWAIT UPSTREAM_DIR TOPIC}
dir=${2:?usage: run_upstream.sh FINWAIT UPSTREAM_DIR TOPIC}
topic=${3:?usage: run_upstream.sh FINWAIT UPSTREAM_DIR TOPIC}
finwait=$(realpath "$finwait")
passing_list="$(realpath "$(dirname "$0")")/upstream_passing.txt"
lenient_list="$(realpath "$(dirname "$0")")/upstream_lenient.txt"
if [[ ! -d "$dir" ]]; then
  if [[ -n "${CI:-}" ]]; then
    echo "FAIL: $dir is missing (CI lays shared/ beside the clone)"
    exit 1
  fi
  echo "SKIP: $dir is not here: shared/ must sit beside the repository for this test"
  exit 77
fi
args=(--ip_version=ipv4 --local_ip=192.168.0.1 --gateway_ip=192.168.0.1 --netmask_ip=255.255.0.0
      --remote_ip=192.0.2.1 -D TFO_COOKIE=3021b9d889017eeb -D CODE=host_unreachable
      -D CMSG_LEVEL_IP=SOL_IP -D CMSG_TYPE_RECVERR=IP_RECVERR)

# A script's topic: the folder under gtests/net/tcp/; for a selftest, the
# longest such folder its name starts with (tcp_fast_recovery_x.pkt is
# fast_recovery), else the word after tcp_ (tcp_ooo_rcv_mss.pkt is ooo).
gtest_topics=$(cd "$dir" && ls gtests/net/tcp 2>/dev/null | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2)
topic_of() {
  local path=$1 name known
  if [[ $path == gtests/net/tcp/* ]]; then
    name=${path#gtests/net/tcp/}
    echo "${name%%/*}"
    return
  fi
  name=$(basename "$path" .pkt)
  name=${name#tcp_}
  for known in $gtest_topics; do
    if [[ $name == "${known}_"* || $name == "${known}-"* ]]; then
      echo "$known"
      return
    fi
  done
  name=${name%%_*}
  echo "${name%%-*}"
}

passed=0 total=0 regressions=0 crashes=0
cd "$dir" || exit 1
while IFS= read -r script; do
  script=${script#./}
  [[ $(topic_of "$script") == "$topic" ]] || continue
  total=$((total + 1))
  output=$(cd "$(dirname "$script")" && timeout 120 "$finwait" script "${args[@]}" "$(basename "$script")" 2>&1)
  rc=$?
  expected=no
  grep -qxF "$script" "$passing_list" && expected=yes
  if [[ $rc -ne 0 && $rc -lt 124 && $expected == no ]] && grep -qxF "$script" "$lenient_list"; then
    lenient=$(cd "$(dirname "$script")" && timeout 120 "$finwait" script "${args[@]}" --lenient "$(basename "$script")" 2>&1)
    lenient_rc=$?
    if [[ $lenient_rc -eq 0 ]]; then
      echo "lenient $script: passes with --lenient; strictly: $(echo "$output" | grep -v 'passed, .* failed$' | head -1)"
    elif [[ $lenient_rc -ge 124 ]]; then
      crashes=$((crashes + 1))
      echo "CRASH $script (status $lenient_rc, --lenient)"
    else
      regressions=$((regressions + 1))
      echo "REGRESSION $script (--lenient): $(echo "$lenient" | grep -v '^ok ' | grep -v 'passed, .* failed$' | head -3)"
    fi
    continue
  fi
  if [[ $rc -eq 0 ]]; then
    passed=$((passed + 1))
    if [[ $expected == yes ]]; then echo "ok $script"; else echo "ok $script (passes now: add it to upstream_passing.txt)"; fi
  else
    reason=$(echo "$output" | grep -v '^ok ' | grep -v 'passed, .* failed$' | head -3)
    if [[ $rc -ge 124 ]]; then
      crashes=$((crashes + 1))
      echo "CRASH $script (status $rc): $reason"
    elif [[ $expected == yes ]]; then
      regressions=$((regressions + 1))
      echo "REGRESSION $script: $reason"
    else
      echo "not yet $script: $(echo "$reason" | head -1)"
    fi
  fi
done < <(find . -name '*.pkt' | sort)
echo "$topic: $passed of $total pass ($regressions regressions, $crashes crashes)"
if [[ $total -eq 0 ]]; then
  echo "FAIL: no scripts in topic $topic"
  exit 1
fi
[[ $regressions -eq 0 && $crashes -eq 0 ]]
