// Link-layer framing found in captures: what lies in front of the IP header.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "base/result.h"
#include "wire/parse_error.h"

namespace finwait::wire {

enum class LinkType : std::uint8_t {
  ethernet,    // LINKTYPE_ETHERNET (1), 802.1Q tags skipped
  linux_sll,   // LINKTYPE_LINUX_SLL (113): tcpdump -i any before libpcap 1.10
  linux_sll2,  // LINKTYPE_LINUX_SLL2 (276): tcpdump -i any today
  raw_ip,      // LINKTYPE_RAW (101): the IP header comes first, v4 or v6
  ipv4,        // LINKTYPE_IPV4 (228)
};

std::string_view to_string(LinkType type);

inline constexpr std::uint16_t k_ethertype_ipv4 = 0x0800;
inline constexpr std::uint16_t k_ethertype_ipv6 = 0x86dd;

struct NetworkPacket {
  std::uint16_t ethertype = 0;
  std::span<const std::uint8_t> bytes;
};

// The network-layer packet inside a frame. Truncated framing is
// bad_link_header; a frame that carries something other than IP is returned
// with its ethertype for the caller to show or skip.
Result<NetworkPacket, ParseError> strip_link_header(LinkType type, std::span<const std::uint8_t> frame);

}  // namespace finwait::wire
