#include "wire/segment_format.h"

#include <ostream>

#include <fmt/format.h>

namespace finwait::wire {

std::string format_segment(const TcpSegment& segment, SequenceBases bases) {
  const std::uint32_t start = segment.seq.raw() - bases.seq_base.raw();
  const auto length = static_cast<std::uint32_t>(segment.payload.size());
  std::string out;
  // packetdrill's bracketed ECN field, shown only when the segment is ECN-capable.
  if (segment.ecn != Ecn::not_ect) out = fmt::format("[{}] ", ecn_name(segment.ecn));
  out += fmt::format("{} {}:{}({})", segment.flags.to_string(), start, start + length, length);
  // SCRIPTS.md 3: an ack field is shown whenever it carries meaning or is not zero.
  if (segment.flags.ack_set() || segment.ack.raw() != 0) {
    out += fmt::format(" ack {}", segment.ack.raw() - bases.ack_base.raw());
  }
  out += fmt::format(" win {}", segment.window);
  if (segment.flags.urg_set() || segment.urgent_pointer != 0) {
    out += fmt::format(" urg {}", segment.urgent_pointer);
  }
  if (segment.reserved != 0) out += fmt::format(" reserved 0x{:x}", segment.reserved);
  if (!segment.options.empty()) {
    // SACK blocks acknowledge the receiver's sequence space: relative to ack_base.
    out += fmt::format(" <{}>", segment.options.to_string(bases.ack_base));
  }
  return out;
}

std::string format_segment(const TcpSegment& segment) {
  return format_segment(segment, SequenceBases{});
}

std::string format_packet(const Ipv4TcpPacket& packet) {
  return fmt::format("{}:{} > {}:{} {}", packet.ip.src, packet.tcp.src_port, packet.ip.dst,
                     packet.tcp.dst_port, format_segment(packet.tcp));
}

std::ostream& operator<<(std::ostream& out, const TcpSegment& segment) {
  return out << format_segment(segment);
}

std::ostream& operator<<(std::ostream& out, const Ipv4TcpPacket& packet) {
  return out << format_packet(packet);
}

std::ostream& operator<<(std::ostream& out, const TcpOptions& options) {
  return out << '<' << options.to_string() << '>';
}

}  // namespace finwait::wire
