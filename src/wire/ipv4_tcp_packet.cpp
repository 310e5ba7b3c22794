#include "wire/ipv4_tcp_packet.h"

#include "base/big_endian.h"
#include "base/check.h"
#include "wire/checksum.h"

namespace finwait::wire {

Result<Ipv4TcpPacket, ParseError> parse_ipv4_tcp(std::span<const std::uint8_t> bytes, ChecksumPolicy policy) {
  auto ip = Ipv4View::parse(bytes);
  if (!ip) return fail(ip.error());
  return parse_ipv4_tcp(*ip, policy);
}

Result<Ipv4TcpPacket, ParseError> parse_ipv4_tcp(const Ipv4View& ip, ChecksumPolicy policy) {
  if (policy != ChecksumPolicy::ignore && !ip.header_checksum_ok()) {
    return fail(ParseError::bad_ip_checksum);
  }
  Ipv4TcpPacket packet{ip.to_value(), {}};
  if (packet.ip.is_fragment()) return fail(ParseError::fragmented);
  if (packet.ip.protocol != k_ip_protocol_tcp) return fail(ParseError::not_tcp);
  if (auto error = parse_tcp_into(ip.payload(), packet.tcp)) return fail(*error);
  if (policy == ChecksumPolicy::verify && tcp_checksum(ip.src(), ip.dst(), ip.payload()) != 0) {
    return fail(ParseError::bad_checksum);
  }
  packet.tcp.ecn = ecn_of_tos(packet.ip.type_of_service);
  return packet;
}

ChecksumStatus check_checksums(std::span<const std::uint8_t> bytes) {
  ChecksumStatus status;
  auto ip = Ipv4View::parse(bytes);
  if (!ip) return status;
  status.ip_ok = ip->header_checksum_ok();
  status.tcp_ok = tcp_checksum(ip->src(), ip->dst(), ip->payload()) == 0;
  return status;
}

std::size_t emit_ipv4_tcp(const Ipv4TcpPacket& packet, std::span<std::uint8_t> out) {
  const std::size_t size = ipv4_tcp_size(packet);
  FINWAIT_CHECK(out.size() >= size);
  Ipv4Header ip = packet.ip;
  ip.type_of_service = tos_with_ecn(ip.type_of_service, packet.tcp.ecn);
  const std::size_t ip_header_size = emit_ipv4(ip, size - packet.ip.header_size(), out);
  const auto segment = out.subspan(ip_header_size, size - ip_header_size);
  emit_tcp(packet.tcp, segment);
  store_be16(&segment[16], tcp_checksum(packet.ip.src, packet.ip.dst, segment));
  return size;
}

}  // namespace finwait::wire
