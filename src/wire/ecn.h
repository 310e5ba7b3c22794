// The ECN field of the IP header (RFC 3168 5): the two low bits of the TOS
// octet. TCP sets it on what it sends and reads it on what arrives, so it
// travels with the segment (TcpSegment::ecn) between ip/ and tcp/.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace finwait::wire {

enum class Ecn : std::uint8_t {
  not_ect = 0,  // Not-ECT: the sender does not do ECN
  ect1 = 1,     // ECN-Capable Transport, ECT(1)
  ect0 = 2,     // ECT(0), what RFC 3168 senders use
  ce = 3,       // Congestion Experienced, set by a router
};

constexpr Ecn ecn_of_tos(std::uint8_t type_of_service) { return static_cast<Ecn>(type_of_service & 0x03); }
constexpr std::uint8_t tos_with_ecn(std::uint8_t type_of_service, Ecn ecn) {
  return static_cast<std::uint8_t>((type_of_service & 0xfc) | static_cast<std::uint8_t>(ecn));
}

// packetdrill's names, as scripts write them in brackets: noecn, ect1, ect0, ce.
std::string_view ecn_name(Ecn ecn);
std::optional<Ecn> parse_ecn_name(std::string_view name);

}  // namespace finwait::wire
