// What the IPv4 layer hands up: the one interface between ip/ and the
// transport above it. The stack's TCP demultiplexer implements it.
#pragma once

#include <cstdint>
#include <span>

#include "time/instant.h"
#include "wire/ipv4_tcp_packet.h"
#include "wire/seq_num.h"

namespace finwait::ip {

// A TCP 4-tuple as a quoted packet names it, seen from this host.
struct QuotedTcp {
  wire::Ipv4Address local;
  wire::Ipv4Address remote;
  std::uint16_t local_port = 0;
  std::uint16_t remote_port = 0;
  wire::SeqNum seq;                  // the quoted segment's sequence number
  std::uint16_t next_hop_mtu = 0;    // code 4, fragmentation needed (RFC 1191 4)
};

class Transport {
 public:
  virtual ~Transport() = default;
  // A TCP segment for this host that parsed, checksums and all.
  virtual void on_tcp(const wire::Ipv4TcpPacket& packet, std::span<const std::uint8_t> bytes, Instant now) = 0;
  // ICMP destination unreachable quoting a segment this host sent
  // (RFC 1122 4.2.3.9: a soft error; `code` is ICMP's).
  virtual void on_tcp_unreachable(const QuotedTcp& flow, std::uint8_t code, Instant now) = 0;
  // Every packet in (before any check) and out, for observers and captures.
  virtual void on_packet_seen(bool outbound, std::span<const std::uint8_t> packet, Instant now) = 0;
};

}  // namespace finwait::ip
