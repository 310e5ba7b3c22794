#!/usr/bin/env bash
# STYLE.md rule 3-4: the TCP engine is pure. Nothing under src/tcp/ may read a
# clock, include a socket or thread header, or sleep. Fails listing offenders.
set -euo pipefail
dir=${1:?usage: purity_check.sh SRC_TCP_DIR}
forbidden='#include <(chrono|thread|mutex|atomic|condition_variable|future|ctime|time\.h|sys/time\.h|sys/socket\.h|netinet/[a-z_]+\.h|arpa/inet\.h|unistd\.h|pthread\.h|poll\.h|sys/epoll\.h)>|std::chrono|clock_gettime|gettimeofday|[^_a-z]time\(|std::this_thread|sleep\(|usleep\('
if grep -nE "$forbidden" "$dir"/*.h "$dir"/*.cpp; then
  echo "FAIL: src/tcp must not read a clock, use sockets or threads (lines above)"
  exit 1
fi
echo "ok: $(ls "$dir"/*.h "$dir"/*.cpp | wc -l) files under src/tcp read no clock and touch no socket or thread"
