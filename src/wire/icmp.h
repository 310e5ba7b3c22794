// ICMP for IPv4 (RFC 792): the two messages a TCP stack needs, echo (so hosts
// can be pinged) and destination unreachable (a soft error for TCP, RFC 1122
// 4.2.3.9).
#pragma once

#include <cstdint>
#include <span>

#include "base/result.h"
#include "wire/parse_error.h"

namespace finwait::wire {

inline constexpr std::uint8_t k_icmp_echo_reply = 0;
inline constexpr std::uint8_t k_icmp_destination_unreachable = 3;
inline constexpr std::uint8_t k_icmp_echo_request = 8;
// Destination unreachable codes (RFC 792, RFC 1191).
inline constexpr std::uint8_t k_icmp_fragmentation_needed = 4;

struct IcmpMessage {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint32_t rest = 0;              // identifier and sequence for echo; unused for unreachable
  std::span<const std::uint8_t> body;  // echo data, or the offending packet's header
  bool checksum_ok = false;
};

Result<IcmpMessage, ParseError> parse_icmp(std::span<const std::uint8_t> bytes);
// Writes header and body with the checksum into `out` (8 + body bytes); returns the size.
std::size_t emit_icmp(const IcmpMessage& message, std::span<std::uint8_t> out);

}  // namespace finwait::wire
