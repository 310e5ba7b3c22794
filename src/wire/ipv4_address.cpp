#include "wire/ipv4_address.h"

#include <charconv>

namespace finwait::wire {

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  std::uint32_t value = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    unsigned part = 0;
    auto [next, ec] = std::from_chars(p, end, part);
    if (ec != std::errc{} || part > 255 || next - p > 3) return std::nullopt;
    value = (value << 8) | part;
    p = next;
  }
  if (p != end) return std::nullopt;
  return Ipv4Address(value);
}

std::string Ipv4Address::to_string() const {
  return fmt::format("{}.{}.{}.{}", value_ >> 24, (value_ >> 16) & 0xff, (value_ >> 8) & 0xff, value_ & 0xff);
}

}  // namespace finwait::wire
