# Sourced by the interop tests: a network namespace of the test's own, and
# what happens when one cannot be made. After `interop_namespace PREFIX
# TOOL...`: $ns names it, $scratch is a scratch folder, `in_ns CMD` runs in
# it, `pids+=(PID)` are killed at exit, `check NAME CMD...` counts failures.
# Everything is removed at exit. Without root (or a tool), the test skips
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
