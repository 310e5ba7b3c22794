#!/usr/bin/env bash
# `cmake --install` of the release build into a scratch prefix, then the
# README's example built outside the tree against it, twice: with CMake
# (find_package(finwait)) and with pkg-config. Each must build and run.
set -euo pipefail
source_dir=${1:?usage: install_test.sh SOURCE_DIR}
build="$source_dir/build/release"
[[ -f "$build/CMakeCache.txt" ]] || { echo "FAIL: $build is not configured (make test configures it)"; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmake --build "$build" --target finwait finwait_cli > "$scratch/build.log" 2>&1 || { tail "$scratch/build.log"; exit 1; }
cmake --install "$build" --prefix "$scratch/prefix" > "$scratch/install.log"
test -x "$scratch/prefix/bin/finwait"
"$scratch/prefix/bin/finwait" --version
mkdir -p "$scratch/consumer"
cp "$source_dir/examples/echo_server.cpp" "$source_dir/examples/poll_echo_server.cpp" "$scratch/consumer/"
cat > "$scratch/consumer/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(consumer LANGUAGES CXX)
find_package(finwait REQUIRED)
add_executable(echo_server echo_server.cpp)
target_link_libraries(echo_server PRIVATE finwait::finwait)
add_executable(poll_echo_server poll_echo_server.cpp)
target_link_libraries(poll_echo_server PRIVATE finwait::finwait)
CMAKE
cmake -S "$scratch/consumer" -B "$scratch/consumer/build" -G Ninja -DCMAKE_PREFIX_PATH="$scratch/prefix" > "$scratch/consumer.log"
cmake --build "$scratch/consumer/build" >> "$scratch/consumer.log" 2>&1 || { tail -20 "$scratch/consumer.log"; exit 1; }
status=0
"$scratch/consumer/build/echo_server" > /dev/null 2>&1 || status=$?
[[ $status -eq 2 ]] || { echo "FAIL: the CMake-built example did not run (exit $status)"; exit 1; }
status=0
"$scratch/consumer/build/poll_echo_server" > /dev/null 2>&1 || status=$?
[[ $status -eq 2 ]] || { echo "FAIL: the CMake-built poll example did not run (exit $status)"; exit 1; }
echo "ok find_package(finwait): both examples build and run"
export PKG_CONFIG_PATH="$scratch/prefix/lib/pkgconfig"
# shellcheck disable=SC2046
g++ -o "$scratch/echo_pkgconfig" "$scratch/consumer/echo_server.cpp" $(pkg-config --cflags --libs --static finwait)
status=0
"$scratch/echo_pkgconfig" > /dev/null 2>&1 || status=$?
[[ $status -eq 2 ]] || { echo "FAIL: the pkg-config-built example did not run (exit $status)"; exit 1; }
echo "ok pkg-config finwait: the example builds and runs"
