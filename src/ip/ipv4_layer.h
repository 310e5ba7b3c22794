// The IPv4 layer of a stack (DESIGN.md "ip/"): validation of every packet in
// with counted drops, demultiplexing to the transport (ip/transport.h), ICMP
// (echo, and destination unreachable handed to TCP), and every IP header out,
// laid out back to back in one buffer (no allocation per packet). It knows
// wire/ and the Transport interface, nothing of TCP's state.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ip/ip_counters.h"
#include "ip/transport.h"
#include "wire/ipv4_header.h"
#include "wire/ipv4_tcp_packet.h"

namespace finwait::ip {

class Ipv4Layer {
 public:
  Ipv4Layer(wire::Ipv4Address address, IpCounters& counters, Transport& transport)
      : address_(address), counters_(counters), transport_(transport) {}
  Ipv4Layer(const Ipv4Layer&) = delete;
  Ipv4Layer& operator=(const Ipv4Layer&) = delete;

  wire::Ipv4Address address() const { return address_; }

  // One IPv4 packet in. `checksum_trusted`: the device vouches for the TCP
  // checksum (offload). Malformed packets are counted by reason and dropped.
  void on_packet(std::span<const std::uint8_t> packet, Instant now, bool checksum_trusted = false);

  // A TCP segment out from `src` to `dst`, with DF set and the next IP
  // identification. `segment_size`: the MSS, for a device that segments.
  void send_tcp(wire::Ipv4Address src, wire::Ipv4Address dst, const wire::TcpSegment& segment, Instant now,
                std::uint16_t segment_size = 0);

  // Packets to transmit, in order; valid until clear_outgoing().
  std::size_t outgoing_count() const { return out_frames_.size(); }
  std::span<const std::uint8_t> outgoing(std::size_t i) const {
    return {out_bytes_.data() + out_frames_[i].start, out_frames_[i].size};
  }
  // The segment size to cut packet i into when it exceeds the MTU (TSO).
  std::uint16_t outgoing_segment_size(std::size_t i) const { return out_frames_[i].segment_size; }
  void clear_outgoing() {
    out_used_ = 0;
    out_frames_.clear();
  }

 private:
  struct OutFrame {
    std::size_t start = 0;
    std::size_t size = 0;
    std::uint16_t segment_size = 0;
  };
  void on_icmp(std::span<const std::uint8_t> bytes, const wire::Ipv4Header& ip, Instant now);
  // Lays out one packet: a TCP segment, or `transport` bytes after the header.
  void emit(const wire::Ipv4Header& ip, std::span<const std::uint8_t> transport, const wire::TcpSegment* segment,
            Instant now, std::uint16_t segment_size);

  wire::Ipv4Address address_;
  IpCounters& counters_;
  Transport& transport_;
  std::uint16_t next_id_ = 1;
  // The frames' bytes, the first out_used_ of them: the buffer only grows, so
  // that laying out a packet does not first zero the bytes it then writes
  // (emit_ipv4 and emit_tcp write every byte of theirs).
  std::vector<std::uint8_t> out_bytes_;
  std::size_t out_used_ = 0;
  std::span<std::uint8_t> claim_out(std::size_t size);
  std::vector<OutFrame> out_frames_;
};

}  // namespace finwait::ip
