#include "wire/link_layer.h"

#include "base/big_endian.h"

namespace finwait::wire {
namespace {

constexpr std::size_t k_ethernet_header_size = 14;
constexpr std::size_t k_vlan_tag_size = 4;
constexpr std::uint16_t k_ethertype_vlan = 0x8100;
constexpr std::uint16_t k_ethertype_qinq = 0x88a8;
constexpr std::size_t k_sll_header_size = 16;
constexpr std::size_t k_sll2_header_size = 20;

}  // namespace

std::string_view to_string(LinkType type) {
  switch (type) {
    case LinkType::ethernet: return "Ethernet";
    case LinkType::linux_sll: return "Linux cooked v1";
    case LinkType::linux_sll2: return "Linux cooked v2";
    case LinkType::raw_ip: return "raw IP";
    case LinkType::ipv4: return "raw IPv4";
  }
  return "unknown";
}

Result<NetworkPacket, ParseError> strip_link_header(LinkType type, std::span<const std::uint8_t> frame) {
  switch (type) {
    case LinkType::ethernet: {
      if (frame.size() < k_ethernet_header_size) return fail(ParseError::bad_link_header);
      std::size_t offset = 12;
      std::uint16_t ethertype = load_be16(&frame[offset]);
      while (ethertype == k_ethertype_vlan || ethertype == k_ethertype_qinq) {
        offset += k_vlan_tag_size;
        if (frame.size() < offset + 2) return fail(ParseError::bad_link_header);
        ethertype = load_be16(&frame[offset]);
      }
      return NetworkPacket{ethertype, frame.subspan(offset + 2)};
    }
    case LinkType::linux_sll:
      // Packet type, ARPHRD, address length, 8 address bytes, protocol.
      if (frame.size() < k_sll_header_size) return fail(ParseError::bad_link_header);
      return NetworkPacket{load_be16(&frame[14]), frame.subspan(k_sll_header_size)};
    case LinkType::linux_sll2:
      // Protocol, reserved, interface index, ARPHRD, packet type, address length, address.
      if (frame.size() < k_sll2_header_size) return fail(ParseError::bad_link_header);
      return NetworkPacket{load_be16(&frame[0]), frame.subspan(k_sll2_header_size)};
    case LinkType::raw_ip:
      if (frame.empty()) return fail(ParseError::truncated);
      if ((frame[0] >> 4) == 6) return NetworkPacket{k_ethertype_ipv6, frame};
      return NetworkPacket{k_ethertype_ipv4, frame};
    case LinkType::ipv4: return NetworkPacket{k_ethertype_ipv4, frame};
  }
  return fail(ParseError::bad_link_header);
}

}  // namespace finwait::wire
