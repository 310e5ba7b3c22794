// Numbers as users type them, read strictly: decimal digits only, an
// optional leading '-', nothing else (no '+', spaces, hex, exponents, NaN or
// infinities). Out of range is a failure, never a wrapped or clamped value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace finwait {

std::optional<std::int64_t> parse_decimal_integer(std::string_view text);
// Digits with an optional fraction: "12", "12.5", ".5"; no exponent.
std::optional<double> parse_decimal_number(std::string_view text);

// For options: the value, or a message naming the option, the value as typed
// (quoted for a message) and the range allowed.
Result<std::int64_t, std::string> decimal_in_range(std::string_view what, std::string_view text,
                                                   std::int64_t low, std::int64_t high);
Result<double, std::string> number_in_range(std::string_view what, std::string_view text, double low,
                                            double high);

}  // namespace finwait
