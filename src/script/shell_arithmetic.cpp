// A recursive-descent reading of POSIX shell arithmetic, limited to what
// sysctl lines use: integers, + - * / %, unary minus, parentheses.
#include "script/shell_arithmetic.h"

#include <cctype>
#include <cstdint>
#include <limits>
#include <optional>

#include <fmt/format.h>

namespace finwait::script {
namespace {

class Arithmetic {
 public:
  explicit Arithmetic(std::string_view text) : text_(text) {}

  std::optional<std::int64_t> evaluate() {
    const auto value = sum();
    skip_blanks();
    if (!value || at_ != text_.size()) return std::nullopt;
    return value;
  }

 private:
  void skip_blanks() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t')) ++at_;
  }
  bool take(char c) {
    skip_blanks();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }

  std::optional<std::int64_t> sum() {
    auto left = product();
    while (left) {
      if (take('+')) {
        const auto right = product();
        if (!right || __builtin_add_overflow(*left, *right, &*left)) return std::nullopt;
      } else if (take('-')) {
        const auto right = product();
        if (!right || __builtin_sub_overflow(*left, *right, &*left)) return std::nullopt;
      } else {
        break;
      }
    }
    return left;
  }

  std::optional<std::int64_t> product() {
    auto left = unary();
    while (left) {
      const bool times = take('*');
      const bool divide = !times && take('/');
      const bool remainder = !times && !divide && take('%');
      if (!times && !divide && !remainder) break;
      const auto right = unary();
      if (!right) return std::nullopt;
      if (times) {
        if (__builtin_mul_overflow(*left, *right, &*left)) return std::nullopt;
      } else {
        if (*right == 0 || (*left == std::numeric_limits<std::int64_t>::min() && *right == -1)) return std::nullopt;
        left = divide ? *left / *right : *left % *right;
      }
    }
    return left;
  }

  std::optional<std::int64_t> unary() {
    if (take('-')) {
      const auto value = unary();
      if (!value || *value == std::numeric_limits<std::int64_t>::min()) return std::nullopt;
      return -*value;
    }
    if (take('+')) return unary();
    if (take('(')) {
      const auto value = sum();
      if (!value || !take(')')) return std::nullopt;
      return value;
    }
    skip_blanks();
    std::int64_t value = 0;
    const std::size_t start = at_;
    while (at_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[at_])) != 0) {
      if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, text_[at_] - '0', &value))
        return std::nullopt;
      ++at_;
    }
    if (at_ == start) return std::nullopt;
    return value;
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

}  // namespace

Result<std::string, std::string> expand_arithmetic(const std::string& text) {
  std::string out;
  std::size_t at = 0;
  while (true) {
    const std::size_t open = text.find("$((", at);
    if (open == std::string::npos) break;
    // The expression ends at the "))" that closes its own parentheses.
    int depth = 0;
    std::size_t close = std::string::npos;
    for (std::size_t i = open + 3; i + 1 < text.size(); ++i) {
      if (text[i] == '(') ++depth;
      if (text[i] == ')') {
        if (depth == 0 && text[i + 1] == ')') {
          close = i;
          break;
        }
        --depth;
      }
    }
    if (close == std::string::npos) return fail(fmt::format("'{}' has no closing '))'", text.substr(open)));
    const std::string expression = text.substr(open + 3, close - open - 3);
    const auto value = Arithmetic(expression).evaluate();
    if (!value) {
      return fail(fmt::format("$(({})) is not integer arithmetic finwait can evaluate (+ - * / % and "
                              "parentheses, no overflow, no division by zero)",
                              expression));
    }
    out += text.substr(at, open - at);
    out += std::to_string(*value);
    at = close + 2;
  }
  out += text.substr(at);
  return out;
}

}  // namespace finwait::script
