# Sourced by the interop tests: a network namespace of the test's own, and
# what happens when one cannot be made. After `interop_namespace PREFIX
# TOOL...`: $ns names it, $scratch is a scratch folder, `in_ns CMD` runs in
# it, `pids+=(PID)` are killed at exit, `check NAME CMD...` counts failures.
# Everything is removed at exit. A `finwait serve` here takes `--name "$ns"`:
# its control socket lives in /run/finwait, shared by every namespace, and
# the tests run side by side. Without root (or a tool), the test skips
# saying why, unless FINWAIT_REQUIRE_TUN=1 (CI), which makes that a failure.
scratch=$(mktemp -d)
ns=""
pids=()
failures=0
interop_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null; done
  [[ -n "$ns" ]] && ip netns del "$ns" 2> /dev/null
  rm -rf "$scratch"
}
trap interop_cleanup EXIT
cannot() {
  if [[ "${FINWAIT_REQUIRE_TUN:-0}" == 1 ]]; then
    echo "FAIL: $1 (FINWAIT_REQUIRE_TUN=1)"
    exit 1
  fi
  echo "SKIP: $1"
  exit 77
}
check() { if "${@:2}"; then echo "ok $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi; }
in_ns() { ip netns exec "$ns" "$@"; }
# wait_listening PORT...: until each TCP port listens in the namespace (10 s
# at most): a kernel server started in the background may take longer than a
# fixed pause when the machine is loaded, and its first client is refused.
wait_listening() {
  local port
  for port in "$@"; do
    for _ in $(seq 1 100); do
      [[ -n $(in_ns ss -Hltn "sport = :$port") ]] && break
      sleep 0.1
    done
  done
}
interop_namespace() {
  local prefix=$1
  shift
  [[ $(id -u) -eq 0 ]] || cannot "not root: a network namespace and a TUN device need CAP_NET_ADMIN"
  [[ -c /dev/net/tun ]] || cannot "no /dev/net/tun"
  for tool in ip "$@"; do command -v "$tool" > /dev/null || cannot "$tool is not installed"; done
  ip netns add "$prefix$$" 2> "$scratch/err" || cannot "ip netns add: $(cat "$scratch/err")"
  ns="$prefix$$"
  in_ns ip link set lo up
}
# capture_clean FILE: tshark, checksum validation on, reads the capture and
# finds no malformed packet and no bad checksum (a check, counted).
capture_clean() {
  local file=$1 packets bad
  packets=$(tshark -r "$file" -n 2> /dev/null | wc -l)
  bad=$(tshark -r "$file" -n -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
    -Y '_ws.malformed || tcp.checksum.status == 0 || ip.checksum.status == 0' 2> /dev/null | wc -l)
  check "tshark reads $(basename "$file") ($packets packets): nothing malformed, no bad checksum" \
    test "$packets" -gt 0 -a "$bad" -eq 0
}
# event_gap FILE FIRST_CAUSE SECOND_CAUSE: seconds between the first
# `finwait serve --events` line ending in (FIRST_CAUSE) and the first ending
# in (SECOND_CAUSE); nothing if either is missing.
event_gap() {
  python3 - "$@" <<'PY'
import re, sys
def seconds(text):
    m = re.match(r"\s*([0-9.]+)(ms|s)\s", text)
    return float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
lines = open(sys.argv[1]).read().splitlines()
try:
    first = next(seconds(l) for l in lines if l.endswith(f"({sys.argv[2]})"))
    second = next(seconds(l) for l in lines if l.endswith(f"({sys.argv[3]})"))
    print(f"{second - first:.3f}")
except StopIteration:
    pass
PY
}
