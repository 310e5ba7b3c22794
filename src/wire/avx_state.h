// Whether the upper halves of the AVX registers hold state. Code that uses
// 256-bit registers must clear them (vzeroupper) before it returns: on Intel
// CPUs the next SSE instruction otherwise pays a state transition, or runs
// with a false dependency on the upper halves, for as long as they stay dirty.
// XGETBV with ECX=1 (XINUSE) reports the state on any CPU that has it, so a
// test or benchmark can catch a missing vzeroupper where no timing would.
#pragma once

#include <optional>

namespace finwait::wire {

// True while the upper halves are in use, false once they are clear; nullopt
// where the CPU cannot tell (no XGETBV1) or is not x86-64.
std::optional<bool> avx_upper_state_in_use();

}  // namespace finwait::wire
