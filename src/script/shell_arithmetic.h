// $((expression)) in a back-quoted command, as the shell expands it before
// sysctl sees its value: `tcp_rmem="4096 131072 $((32*1024*1024))"`.
#pragma once

#include <string>

#include "base/result.h"

namespace finwait::script {

// Replaces each $((...)) in text by its value: 64-bit integers, + - * / %,
// unary minus and parentheses. Anything else (a variable, a division by
// zero, an overflow) is an error naming the expression.
Result<std::string, std::string> expand_arithmetic(const std::string& text);

}  // namespace finwait::script
