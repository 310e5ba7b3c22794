// An IPv4 address as a value: host-order integer inside, dotted quad outside.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace finwait::wire {

class Ipv4Address {
 public:
  constexpr Ipv4Address() = default;
  constexpr explicit Ipv4Address(std::uint32_t host_order) : value_(host_order) {}
  constexpr Ipv4Address(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d)
      : value_((std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) | (std::uint32_t{c} << 8) | d) {}

  // Parses a dotted quad ("198.18.0.1"); nothing else is accepted.
  static std::optional<Ipv4Address> parse(std::string_view text);

  constexpr std::uint32_t to_uint() const { return value_; }
  std::string to_string() const;

  constexpr auto operator<=>(const Ipv4Address&) const = default;

 private:
  std::uint32_t value_ = 0;
};

}  // namespace finwait::wire

template <>
struct fmt::formatter<finwait::wire::Ipv4Address> : fmt::formatter<std::string_view> {
  auto format(const finwait::wire::Ipv4Address& address, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(address.to_string(), ctx);
  }
};
