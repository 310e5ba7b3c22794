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

void Ipv4Layer::emit(const wire::Ipv4Header& ip, std::span<const std::uint8_t> transport,
                     const wire::TcpSegment* segment, Instant now, std::uint16_t segment_size) {
  const std::size_t start = out_bytes_.size();
  std::size_t size = 0;
  if (segment != nullptr) {
    wire::Ipv4TcpPacket packet{ip, *segment};
    size = wire::ipv4_tcp_size(packet);
    out_bytes_.resize(start + size);
    wire::emit_ipv4_tcp(packet, std::span(out_bytes_).subspan(start, size));
    ++counters_.out_segs;
    if (segment->flags.rst_set()) ++counters_.out_rsts;
  } else {
    size = ip.header_size() + transport.size();
    out_bytes_.resize(start + size);
    const std::size_t header =
        wire::emit_ipv4(ip, transport.size(), std::span(out_bytes_).subspan(start, size));
    std::copy(transport.begin(), transport.end(),
              out_bytes_.begin() + static_cast<std::ptrdiff_t>(start + header));
  }
  out_frames_.push_back(OutFrame{start, size, segment_size});
  transport_.on_packet_seen(true, std::span(out_bytes_).subspan(start, size), now);
}

}  // namespace finwait::ip
