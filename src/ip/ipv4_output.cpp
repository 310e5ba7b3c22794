// The IPv4 layer, outbound: every packet the stack sends gets its IP header
// here and is laid out back to back in one buffer (no allocation per
// segment), then shown to the transport's observers.
#include <algorithm>

#include "ip/ipv4_layer.h"

namespace finwait::ip {

void Ipv4Layer::send_tcp(wire::Ipv4Address src, wire::Ipv4Address dst, const wire::TcpSegment& segment, Instant now,
                         std::uint16_t segment_size) {
  wire::Ipv4Header ip;
  ip.src = src;
  ip.dst = dst;
  ip.dont_fragment = true;
  ip.identification = next_id_++;
  emit(ip, {}, &segment, now, segment_size);
}

std::span<std::uint8_t> Ipv4Layer::claim_out(std::size_t size) {
  const std::size_t start = out_used_;
  if (out_bytes_.size() < start + size) out_bytes_.resize(std::max(out_bytes_.size() * 2, start + size));
  out_used_ = start + size;
  return std::span(out_bytes_).subspan(start, size);
}

void Ipv4Layer::emit(const wire::Ipv4Header& ip, std::span<const std::uint8_t> transport,
                     const wire::TcpSegment* segment, Instant now, std::uint16_t segment_size) {
  const std::size_t start = out_used_;
  std::size_t size = 0;
  if (segment != nullptr) {
    wire::Ipv4TcpPacket packet{ip, *segment};
    size = wire::ipv4_tcp_size(packet);
    wire::emit_ipv4_tcp(packet, claim_out(size));
    ++counters_.out_segs;
    if (segment->flags.rst_set()) ++counters_.out_rsts;
  } else {
    size = ip.header_size() + transport.size();
    const std::size_t header = wire::emit_ipv4(ip, transport.size(), claim_out(size));
    std::copy(transport.begin(), transport.end(),
              out_bytes_.begin() + static_cast<std::ptrdiff_t>(start + header));
  }
  out_frames_.push_back(OutFrame{start, size, segment_size});
  transport_.on_packet_seen(true, std::span(out_bytes_).subspan(start, size), now);
}

}  // namespace finwait::ip
