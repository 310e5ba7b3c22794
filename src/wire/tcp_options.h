// TCP options (RFC 9293 3.2, RFC 7323, RFC 2018) as a value.
//
// The value is the option bytes themselves, validated once by parse() or built
// by the add_* calls in the order given. Keeping the bytes (at most 40, no
// allocation) means any layout round-trips exactly: Linux's
// <mss 1460,nop,nop,sackOK,nop,wscale 8> and a hand-made
// <mss 1460,sackOK,eol,eol> stay distinct, which the script runner needs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>

#include "base/result.h"
#include "wire/parse_error.h"
#include "wire/seq_num.h"

namespace finwait::wire {

// Option kinds (IANA "TCP Option Kind Numbers"); plain numbers on the wire.
namespace tcp_option_kind {
enum Kind : std::uint8_t {
  eol = 0,             // RFC 9293 3.2
  nop = 1,             // RFC 9293 3.2
  mss = 2,             // RFC 9293 3.2
  window_scale = 3,    // RFC 7323 2
  sack_permitted = 4,  // RFC 2018 2
  sack = 5,            // RFC 2018 3
  timestamps = 8,      // RFC 7323 3
  md5 = 19,            // RFC 2385
  fast_open = 34,      // RFC 7413 4.1.1
  experimental = 254,  // RFC 6994; with magic 0xF989 the pre-RFC form of Fast Open
};
}  // namespace tcp_option_kind

struct SackBlock {
  SeqNum left;
  SeqNum right;
  constexpr bool operator==(const SackBlock&) const = default;
};

// RFC 7413 4.1.1: a Fast Open cookie of 4 to 16 bytes, or none (a request).
// `experimental`: carried in kind 254 with magic 0xF989 (RFC 6994), the form
// Linux sends back to a client that used it.
struct FastOpenCookie {
  static constexpr std::uint16_t k_experimental_magic = 0xF989;
  std::array<std::uint8_t, 16> bytes{};
  std::uint8_t size = 0;
  bool experimental = false;
  std::span<const std::uint8_t> value() const { return {bytes.data(), size}; }
  constexpr bool operator==(const FastOpenCookie&) const = default;
};

struct TcpTimestamps {
  std::uint32_t value = 0;       // TSval
  std::uint32_t echo_reply = 0;  // TSecr
  constexpr bool operator==(const TcpTimestamps&) const = default;
};

// At most four SACK blocks fit in 40 option bytes (RFC 2018 3).
struct SackBlocks {
  std::array<SackBlock, 4> blocks{};
  std::uint8_t count = 0;
  constexpr bool operator==(const SackBlocks&) const = default;
};

// One option as the iterator sees it. `data` is what follows kind and length.
struct TcpOption {
  std::uint8_t kind = 0;
  std::span<const std::uint8_t> data;
  // Bytes after an EOL that are not zero: kept, never interpreted (RFC 9293 3.2:
  // EOL ends the option list).
  bool trailing_garbage = false;
};

class TcpOptions {
 public:
  static constexpr std::size_t k_max_size = 40;
  // RFC 7323 2.3: a shift above 14 is used as 14.
  static constexpr std::uint8_t k_max_window_scale = 14;

  constexpr TcpOptions() = default;

  // Validates option bytes as they sit in a TCP header. A length of 0 or 1, or
  // one that runs past the end, is bad_option_length. A known kind with a length
  // its RFC does not allow (mss of 5 bytes, say) is kept but ignored by the
  // queries below, as Linux's tcp_parse_options() ignores it.
  static Result<TcpOptions, ParseError> parse(std::span<const std::uint8_t> bytes);
  // The same, into `out` in place (a packet's options are parsed once per
  // segment received, and copies of 40-odd bytes are not free): the error,
  // if any, with `out` then unspecified.
  static std::optional<ParseError> parse_into(std::span<const std::uint8_t> bytes, TcpOptions& out);

  // Building, in wire order. Each returns false (and adds nothing) when the
  // option would not fit in 40 bytes; the chaining forms below check instead.
  bool try_add_raw(std::uint8_t kind, std::span<const std::uint8_t> data);
  bool try_add_byte(std::uint8_t kind);  // EOL or NOP: a single byte

  TcpOptions& add_eol();
  TcpOptions& add_nop();
  TcpOptions& add_mss(std::uint16_t mss);
  TcpOptions& add_window_scale(std::uint8_t shift);
  TcpOptions& add_sack_permitted();
  TcpOptions& add_sack(std::initializer_list<SackBlock> blocks);
  TcpOptions& add_sack(std::span<const SackBlock> blocks);
  TcpOptions& add_timestamps(std::uint32_t value, std::uint32_t echo_reply);
  // The option and, for the kind-34 form, the two NOPs Linux pads it with to
  // a 4-byte boundary (tcp_options_write). False when it does not fit.
  bool try_add_fast_open(const FastOpenCookie& cookie);

  std::span<const std::uint8_t> bytes() const { return {bytes_.data(), size_}; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // The first well-formed occurrence of each option, if any.
  std::optional<std::uint16_t> mss() const;
  std::optional<std::uint8_t> window_scale() const;      // clamped to 14
  std::optional<std::uint8_t> window_scale_raw() const;  // as sent
  bool sack_permitted() const;
  bool has_md5() const;  // RFC 2385 3.0: kind 19, length 18
  std::optional<TcpTimestamps> timestamps() const;
  SackBlocks sack_blocks() const;
  // RFC 7413: kind 34, else the experimental kind 254 with Fast Open's magic.
  std::optional<FastOpenCookie> fast_open() const;

  class Iterator {
   public:
    Iterator(const TcpOptions* options, std::size_t offset) : options_(options), offset_(offset) {}
    TcpOption operator*() const;
    Iterator& operator++();
    bool operator==(const Iterator& other) const { return offset_ == other.offset_; }

   private:
    std::size_t length_at(std::size_t offset) const;
    const TcpOptions* options_;
    std::size_t offset_;
  };
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, size_); }

  // "mss 1460,nop,wscale 7": the list inside tcpdump's and packetdrill's <...>.
  // SACK edges are shown relative to `sack_base` (scripts use relative numbers).
  std::string to_string(SeqNum sack_base = SeqNum{}) const;

  bool operator==(const TcpOptions& other) const = default;

 private:
  std::optional<TcpOption> find(std::uint8_t kind) const;

  // Unused bytes stay zero so that the defaulted == compares values.
  std::array<std::uint8_t, k_max_size> bytes_{};
  std::uint8_t size_ = 0;
  // Offset of the first EOL; everything after it is padding. k_no_eol if none.
  static constexpr std::uint8_t k_no_eol = 0xff;
  std::uint8_t first_eol_ = k_no_eol;
  // The kinds before the first EOL, one bit each (kinds from 15 on share the
  // last): a query for an option a segment does not carry (MD5, SACK, MSS
  // after the handshake) answers without a walk.
  static constexpr std::uint16_t kind_bit(std::uint8_t kind) {
    return static_cast<std::uint16_t>(1u << (kind < 15 ? kind : 15));
  }
  std::uint16_t kinds_ = 0;
  // Where the first timestamps option starts, or k_no_eol: every segment
  // carries one, and it is read several times a segment.
  std::uint8_t timestamps_at_ = k_no_eol;
};

}  // namespace finwait::wire
