// The IPv4 layer, inbound: validation with counted drops, demultiplexing to
// the transport, ICMP echo and destination unreachable.
#include <vector>

#include "base/big_endian.h"
#include "ip/ipv4_layer.h"
#include "wire/icmp.h"

namespace finwait::ip {

void Ipv4Layer::on_packet(std::span<const std::uint8_t> packet, Instant now, bool checksum_trusted) {
  transport_.on_packet_seen(false, packet, now);
  auto ip = wire::Ipv4View::parse(packet);
  if (!ip) {
    ++counters_.bad_segments[static_cast<std::size_t>(ip.error())];
    return;
  }
  if (ip->dst() != address_) {
    ++counters_.not_for_us;
    return;
  }
  if (ip->protocol() == wire::k_ip_protocol_icmp) {
    if (!ip->header_checksum_ok()) {
      ++counters_.bad_segments[static_cast<std::size_t>(wire::ParseError::bad_ip_checksum)];
      return;
    }
    on_icmp(ip->payload(), ip->to_value(), now);
    return;
  }
  if (ip->protocol() != wire::k_ip_protocol_tcp) {
    ++counters_.unknown_protocol;
    return;
  }
  auto tcp = wire::parse_ipv4_tcp(*ip, checksum_trusted ? wire::ChecksumPolicy::trust_tcp : wire::ChecksumPolicy::verify);
  if (!tcp) {
    ++counters_.bad_segments[static_cast<std::size_t>(tcp.error())];
    ++counters_.in_errs;
    return;
  }
  ++counters_.in_segs;
  transport_.on_tcp(*tcp, packet, now);
}

void Ipv4Layer::on_icmp(std::span<const std::uint8_t> bytes, const wire::Ipv4Header& ip, Instant now) {
  auto icmp = wire::parse_icmp(bytes);
  if (!icmp || !icmp->checksum_ok) {
    ++counters_.bad_segments[static_cast<std::size_t>(icmp ? wire::ParseError::bad_checksum : icmp.error())];
    return;
  }
  if (icmp->type == wire::k_icmp_echo_request) {
    // RFC 792: echo the data back.
    wire::Ipv4Header reply;
    reply.src = address_;
    reply.dst = ip.src;
    reply.protocol = wire::k_ip_protocol_icmp;
    reply.identification = next_id_++;
    std::vector<std::uint8_t> body(8 + icmp->body.size());
    wire::IcmpMessage answer = *icmp;
    answer.type = wire::k_icmp_echo_reply;
    answer.code = 0;
    wire::emit_icmp(answer, body);
    emit(reply, body, nullptr, now, 0);
    ++counters_.icmp_echo_replies;
    return;
  }
  if (icmp->type == wire::k_icmp_destination_unreachable) {
    // RFC 1122 4.2.3.9: a soft error, for TCP to remember.
    ++counters_.icmp_unreachables;
    // The quoted packet is cut after 8 bytes of TCP (RFC 792): read its header
    // by hand, a full parse would call it truncated.
    const auto quoted = icmp->body;
    if (quoted.size() < 20 || (quoted[0] >> 4) != 4) return;
    const std::size_t header = std::size_t{quoted[0] & 0x0fu} * 4;
    if (header < 20 || quoted.size() < header + 8 || quoted[9] != wire::k_ip_protocol_tcp) return;
    // RFC 1191 4: a "fragmentation needed" carries the next-hop MTU in the
    // low 16 bits of the unused field.
    const std::uint16_t mtu =
        icmp->code == wire::k_icmp_fragmentation_needed ? static_cast<std::uint16_t>(icmp->rest) : 0;
    const QuotedTcp flow{wire::Ipv4Address(load_be32(&quoted[12])), wire::Ipv4Address(load_be32(&quoted[16])),
                         load_be16(&quoted[header]), load_be16(&quoted[header + 2]),
                         wire::SeqNum(load_be32(&quoted[header + 4])), mtu};
    transport_.on_tcp_unreachable(flow, icmp->code, now);
  }
}

}  // namespace finwait::ip
