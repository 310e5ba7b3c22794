// FINWAIT_CHECK: an assertion that stays on in release builds. Used for
// invariants whose violation would corrupt a connection or read out of bounds;
// plain assert() is for cheap debug-only checks.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace finwait::detail {

[[noreturn]] inline void check_failed(const char* expression, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: FINWAIT_CHECK failed: %s\n", file, line, expression);
  std::abort();
}

}  // namespace finwait::detail

#define FINWAIT_CHECK(expression) \
  ((expression) ? static_cast<void>(0) : ::finwait::detail::check_failed(#expression, __FILE__, __LINE__))
