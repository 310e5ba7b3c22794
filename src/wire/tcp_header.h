// The TCP header (RFC 9293 3.1) in its two forms: TcpView, a checked window
// onto bytes, and TcpSegment, the value that the state machine and the tests
// use. Checksums belong to the packet (see ipv4_tcp_packet.h), not to the value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "base/result.h"
#include "wire/ecn.h"
#include "wire/parse_error.h"
#include "wire/seq_num.h"
#include "wire/tcp_flags.h"
#include "wire/tcp_options.h"

namespace finwait::wire {

inline constexpr std::size_t k_tcp_min_header_size = 20;
inline constexpr std::size_t k_tcp_max_header_size = 60;

struct TcpSegment {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  SeqNum seq;
  SeqNum ack;
  TcpFlags flags;
  // The four bits between data offset and CWR (reserved; bit 0 is RFC 3540's
  // NS, later AccECN's AE). Kept so that a header re-emits bit for bit.
  std::uint8_t reserved = 0;
  std::uint16_t window = 0;
  std::uint16_t urgent_pointer = 0;
  TcpOptions options;
  // Not in the TCP header: the ECN field of the IP header that carries the
  // segment (RFC 3168 5), which TCP sets and reads. Parsing a whole packet
  // fills it; emitting one writes it into the TOS octet.
  Ecn ecn = Ecn::not_ect;
  // Not owned: points into the packet it was parsed from, or at the data to send.
  std::span<const std::uint8_t> payload;

  // Header length with options padded to a 32-bit boundary.
  std::size_t header_size() const { return k_tcp_min_header_size + (options.size() + 3) / 4 * 4; }
  // Sequence space the segment occupies: payload plus one for SYN and for FIN.
  std::uint32_t sequence_length() const {
    return static_cast<std::uint32_t>(payload.size()) + (flags.syn_set() ? 1 : 0) + (flags.fin_set() ? 1 : 0);
  }

  // Compares every field and the payload bytes (not the payload's address).
  friend bool operator==(const TcpSegment& a, const TcpSegment& b);
};

// A TCP header over bytes, checked once in parse(): data offset within 5..15
// and within the buffer, options well formed. Accessors cannot read past it.
class TcpView {
 public:
  static Result<TcpView, ParseError> parse(std::span<const std::uint8_t> segment);

  std::uint16_t src_port() const;
  std::uint16_t dst_port() const;
  SeqNum seq() const;
  SeqNum ack() const;
  std::size_t header_size() const { return header_size_; }
  TcpFlags flags() const;
  std::uint16_t window() const;
  std::uint16_t checksum() const;
  std::uint16_t urgent_pointer() const;
  std::span<const std::uint8_t> option_bytes() const;
  std::span<const std::uint8_t> payload() const { return bytes_.subspan(header_size_); }
  std::span<const std::uint8_t> bytes() const { return bytes_; }

  TcpSegment to_value() const { return segment_; }

 private:
  TcpView(std::span<const std::uint8_t> bytes, const TcpSegment& segment)
      : bytes_(bytes), header_size_(bytes.size() - segment.payload.size()), segment_(segment) {}

  std::span<const std::uint8_t> bytes_;
  std::size_t header_size_;
  TcpSegment segment_;
};

// Writes header (checksum field zero) and payload into `out`, which must hold
// segment.header_size() + payload bytes; returns the bytes written. Options are
// padded with zero bytes (EOL) to a 32-bit boundary.
std::size_t emit_tcp(const TcpSegment& segment, std::span<std::uint8_t> out);

// Parses a TCP header and its payload straight into `out` (what
// TcpView::parse and to_value() give, without the copies between): the
// error, if any. The checksum is not checked here.
std::optional<ParseError> parse_tcp_into(std::span<const std::uint8_t> segment, TcpSegment& out);

}  // namespace finwait::wire
