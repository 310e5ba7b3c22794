#include "wire/tcp_header.h"

#include <algorithm>
#include <cstring>

#include "base/big_endian.h"
#include "base/check.h"

namespace finwait::wire {

bool operator==(const TcpSegment& a, const TcpSegment& b) {
  return a.src_port == b.src_port && a.dst_port == b.dst_port && a.seq == b.seq && a.ack == b.ack &&
         a.flags == b.flags && a.reserved == b.reserved && a.window == b.window &&
         a.urgent_pointer == b.urgent_pointer && a.options == b.options && a.ecn == b.ecn &&
         std::equal(a.payload.begin(), a.payload.end(), b.payload.begin(), b.payload.end());
}

Result<TcpView, ParseError> TcpView::parse(std::span<const std::uint8_t> segment) {
  TcpSegment parsed;
  if (auto error = parse_tcp_into(segment, parsed)) return fail(*error);
  return TcpView(segment, parsed);
}

std::optional<ParseError> parse_tcp_into(std::span<const std::uint8_t> segment, TcpSegment& out) {
  if (segment.size() < k_tcp_min_header_size) return ParseError::truncated;
  // RFC 9293 3.1: Data Offset counts 32-bit words; at least 5 (the fixed header).
  const std::size_t header_size = static_cast<std::size_t>(segment[12] >> 4) * 4;
  if (header_size < k_tcp_min_header_size || header_size > segment.size()) return ParseError::bad_data_offset;
  if (auto error = TcpOptions::parse_into(
          segment.subspan(k_tcp_min_header_size, header_size - k_tcp_min_header_size), out.options)) {
    return error;
  }
  out.src_port = load_be16(&segment[0]);
  out.dst_port = load_be16(&segment[2]);
  out.seq = SeqNum(load_be32(&segment[4]));
  out.ack = SeqNum(load_be32(&segment[8]));
  out.reserved = segment[12] & 0x0f;
  out.flags = TcpFlags(segment[13]);
  out.window = load_be16(&segment[14]);
  out.urgent_pointer = load_be16(&segment[18]);
  out.payload = segment.subspan(header_size);
  return std::nullopt;
}

std::uint16_t TcpView::src_port() const {
  return load_be16(&bytes_[0]);
}
std::uint16_t TcpView::dst_port() const {
  return load_be16(&bytes_[2]);
}
SeqNum TcpView::seq() const {
  return SeqNum(load_be32(&bytes_[4]));
}
SeqNum TcpView::ack() const {
  return SeqNum(load_be32(&bytes_[8]));
}
TcpFlags TcpView::flags() const {
  return TcpFlags(bytes_[13]);
}
std::uint16_t TcpView::window() const {
  return load_be16(&bytes_[14]);
}
std::uint16_t TcpView::checksum() const {
  return load_be16(&bytes_[16]);
}
std::uint16_t TcpView::urgent_pointer() const {
  return load_be16(&bytes_[18]);
}
std::span<const std::uint8_t> TcpView::option_bytes() const {
  return bytes_.subspan(k_tcp_min_header_size, header_size_ - k_tcp_min_header_size);
}

std::size_t emit_tcp(const TcpSegment& segment, std::span<std::uint8_t> out) {
  const std::size_t header_size = segment.header_size();
  const std::size_t total = header_size + segment.payload.size();
  FINWAIT_CHECK(out.size() >= total);
  std::uint8_t* p = out.data();
  store_be16(p + 0, segment.src_port);
  store_be16(p + 2, segment.dst_port);
  store_be32(p + 4, segment.seq.raw());
  store_be32(p + 8, segment.ack.raw());
  p[12] = static_cast<std::uint8_t>(((header_size / 4) << 4) | (segment.reserved & 0x0f));
  p[13] = segment.flags.bits();
  store_be16(p + 14, segment.window);
  store_be16(p + 16, 0);
  store_be16(p + 18, segment.urgent_pointer);
  const auto options = segment.options.bytes();
  std::copy(options.begin(), options.end(), p + k_tcp_min_header_size);
  std::fill(p + k_tcp_min_header_size + options.size(), p + header_size, std::uint8_t{0});
  if (!segment.payload.empty()) {
    std::memcpy(p + header_size, segment.payload.data(), segment.payload.size());
  }
  return total;
}

}  // namespace finwait::wire
