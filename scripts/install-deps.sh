#!/usr/bin/env bash
# Installs every Debian 12 package finwait needs to build, test, fuzz and
# benchmark. Fast when everything is there already: it asks dpkg first and
# runs apt-get only for what is missing.
set -euo pipefail

packages=(
  # toolchain
  g++ make cmake ninja-build git
  # libraries (DESIGN.md "Conventions")
  libfmt-dev libcli11-dev nlohmann-json3-dev libtomlplusplus-dev libpcap-dev
  # tests and benchmarks; pkg-config builds the installed example
  pkgconf
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  # bench/bulk's baseline: Debian's lwIP (a benchmark dependency only)
  liblwip-dev
  # finwait scan: netlink messages to the kernel's sock_diag
  libmnl-dev
  # fuzzing: clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # packet tools: tshark checks what we write, tcpdump captures fixtures
  tshark tcpdump
  # real programs that talk to finwait in the interop tests and benchmarks
  curl socat nginx-light ethtool
  # test scripts (pcap surgery, peak memory); the report's rendering test
  python3 chromium
  # network namespaces, veth and TUN for real-traffic tests
  iproute2
  # style
  clang-format clang-tidy
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
# As root apt-get runs as it is; otherwise through sudo, keeping the
# environment (-E) so that DEBIAN_FRONTEND reaches apt-get.
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  as_root=(sudo -E)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
