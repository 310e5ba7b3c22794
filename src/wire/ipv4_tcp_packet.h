// A whole IPv4 packet carrying TCP: what the stack receives and sends.
#pragma once

#include <cstddef>
#include <span>

#include "base/result.h"
#include "wire/ipv4_header.h"
#include "wire/parse_error.h"
#include "wire/tcp_header.h"

namespace finwait::wire {

struct Ipv4TcpPacket {
  Ipv4Header ip;
  TcpSegment tcp;
  bool operator==(const Ipv4TcpPacket&) const = default;
};

enum class ChecksumPolicy {
  verify,  // a wrong IP or TCP checksum is an error (the stack's input path)
  ignore,  // parse regardless (tools that show what a capture holds)
  trust_tcp,  // verify the IP header's; the device vouches for the TCP one (offload)
};

// Checks, in order: the IPv4 header, that it is not a fragment, that it
// carries TCP, the TCP header and options, then the checksums (per policy).
Result<Ipv4TcpPacket, ParseError> parse_ipv4_tcp(std::span<const std::uint8_t> bytes,
                                                 ChecksumPolicy policy = ChecksumPolicy::verify);
// The same for a packet whose IP header the caller has parsed already (the
// IP layer, which looked at it to demultiplex): not parsed twice.
Result<Ipv4TcpPacket, ParseError> parse_ipv4_tcp(const Ipv4View& ip, ChecksumPolicy policy);

// Both checksums of a packet already known to parse.
struct ChecksumStatus {
  bool ip_ok = false;
  bool tcp_ok = false;
};
ChecksumStatus check_checksums(std::span<const std::uint8_t> bytes);

inline std::size_t ipv4_tcp_size(const Ipv4TcpPacket& packet) {
  return packet.ip.header_size() + packet.tcp.header_size() + packet.tcp.payload.size();
}

// Writes the packet with both checksums computed into `out`, which must hold
// ipv4_tcp_size(packet) bytes; returns the bytes written. The IP protocol field
// is written as given (normally 6).
std::size_t emit_ipv4_tcp(const Ipv4TcpPacket& packet, std::span<std::uint8_t> out);

}  // namespace finwait::wire
