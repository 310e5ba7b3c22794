#include "time/duration_text.h"

#include <charconv>
#include <cstdint>
#include <limits>

namespace finwait {

std::optional<Duration> parse_duration(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    std::int64_t ns;
  };
  // Longest suffixes first, so "ms" is not read as "m" + "s".
  static constexpr Unit k_units[] = {
      {"us", 1'000},         {"ms", 1'000'000},        {"s", 1'000'000'000},
      {"m", 60'000'000'000}, {"h", 3'600'000'000'000}, {"d", 86'400'000'000'000}};
  for (const Unit& unit : k_units) {
    if (text.size() <= unit.suffix.size() || !text.ends_with(unit.suffix)) continue;
    const std::string_view number = text.substr(0, text.size() - unit.suffix.size());
    std::int64_t amount = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), amount);
    if (ec != std::errc{} || end != number.data() + number.size()) continue;
    if (amount < 0 || amount > std::numeric_limits<std::int64_t>::max() / unit.ns) return std::nullopt;
    return Duration::from_nanoseconds(amount * unit.ns);
  }
  return std::nullopt;
}

}  // namespace finwait
