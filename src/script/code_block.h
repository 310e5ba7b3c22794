// packetdrill's `%{ ... }%` blocks, in the part of Python the scripts written
// for Linux use: `assert EXPRESSION[, MESSAGE]` statements over integers and
// names (tcpi_* fields of TCP_INFO, and constants such as TCPI_OPT_SYN_DATA or
// TCP_CA_Open), with Python's operators, chained comparisons, and/or/not.
// No Python runs: anything else is refused by name.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace finwait::script {

// A name's value, or a message saying why there is none.
struct NameValue {
  std::optional<std::int64_t> value;
  std::string why_not;
};
using NameLookup = std::function<NameValue(std::string_view name)>;

// What in `code` is outside the subset, or nothing.
std::optional<std::string> check_code_block(std::string_view code);

// Runs every statement; the first assertion that fails, or a name without a
// value, is the message returned. Nothing: every assertion held.
std::optional<std::string> run_code_block(std::string_view code, const NameLookup& lookup);

// The constants packetdrill's Python environment defines beside the tcpi_*
// fields: Linux's TCP states (TCP_ESTABLISHED = 1 ...), congestion states
// (TCP_CA_Open = 0 ...) and tcpi_options bits (TCPI_OPT_TIMESTAMPS = 1 ...).
std::optional<std::int64_t> code_block_constant(std::string_view name);

}  // namespace finwait::script
