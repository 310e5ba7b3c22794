// The options a script may give in its header or on the command line
// (SCRIPTS.md 1), checked where they are written: a name finwait does not
// know, or a value out of range, is refused with what is allowed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace finwait::script {

// The largest time a script may name, and the largest tolerance: far past
// any timer (tunables stop at 2^31 half-seconds), far inside what virtual
// time holds.
inline constexpr std::int64_t k_max_script_time_us = std::int64_t{4'000'000'000} * 1'000'000;
inline constexpr std::int64_t k_max_tolerance_us = std::int64_t{3600} * 1'000'000;

// What is wrong with --name=value, or nothing.
std::optional<std::string> check_option(const std::string& name, const std::string& value);

}  // namespace finwait::script
