#include "base/decimal.h"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "base/quote.h"

namespace finwait {

std::optional<std::int64_t> parse_decimal_integer(std::string_view text) {
  const std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
  if (digits.empty()) return std::nullopt;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;  // overflow
  return value;
}

std::optional<double> parse_decimal_number(std::string_view text) {
  const std::string_view body = text.starts_with('-') ? text.substr(1) : text;
  bool digits = false;
  bool point = false;
  for (char c : body) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits = true;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digits || body.size() > 40) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<std::int64_t, std::string> decimal_in_range(std::string_view what, std::string_view text,
                                                   std::int64_t low, std::int64_t high) {
  auto value = parse_decimal_integer(text);
  if (value && *value >= low && *value <= high) return *value;
  return fail(fmt::format("{}: '{}' is not a whole number within {}..{}", what, quote_for_message(text), low,
                          high));
}

Result<double, std::string> number_in_range(std::string_view what, std::string_view text, double low,
                                            double high) {
  auto value = parse_decimal_number(text);
  if (value && *value >= low && *value <= high) return *value;
  return fail(fmt::format("{}: '{}' is not a number within {}..{}", what, quote_for_message(text), low, high));
}

}  // namespace finwait
