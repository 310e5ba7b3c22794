// The IPv4 layer of a stack, outbound: every frame the stack sends is laid
// out here, back to back in one buffer (no allocation per segment), and shown
// to the observers.
#include <algorithm>

#include "stack/stack.h"

namespace finwait::stack {

void Stack::emit_packet(const wire::Ipv4Header& ip, std::span<const std::uint8_t> transport,
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
  for (StackObserver* o : observers_)
    o->on_packet(Direction::out, std::span(out_bytes_).subspan(start, size), now);
}

}  // namespace finwait::stack
