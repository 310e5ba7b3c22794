// TCP sequence numbers: 32-bit values compared modulo 2^32 (RFC 9293 3.4).
// There is deliberately no operator<: modular order is not a strict weak
// order, so a SeqNum must never end up in std::map or std::sort.
#pragma once

#include <cstdint>

namespace finwait::wire {

class SeqNum {
 public:
  constexpr SeqNum() = default;
  constexpr explicit SeqNum(std::uint32_t raw) : raw_(raw) {}

  constexpr std::uint32_t raw() const { return raw_; }

  constexpr SeqNum operator+(std::uint32_t length) const { return SeqNum(raw_ + length); }
  constexpr SeqNum operator-(std::uint32_t length) const { return SeqNum(raw_ - length); }
  constexpr SeqNum& operator+=(std::uint32_t length) {
    raw_ += length;
    return *this;
  }
  constexpr bool operator==(const SeqNum&) const = default;

 private:
  std::uint32_t raw_ = 0;
};

// Signed distance from `from` to `to`, valid while they are less than 2^31 apart.
constexpr std::int32_t seq_diff(SeqNum to, SeqNum from) {
  return static_cast<std::int32_t>(to.raw() - from.raw());
}
constexpr bool seq_lt(SeqNum a, SeqNum b) {
  return seq_diff(a, b) < 0;
}
constexpr bool seq_le(SeqNum a, SeqNum b) {
  return seq_diff(a, b) <= 0;
}
constexpr bool seq_gt(SeqNum a, SeqNum b) {
  return seq_diff(a, b) > 0;
}
constexpr bool seq_ge(SeqNum a, SeqNum b) {
  return seq_diff(a, b) >= 0;
}

// True when begin <= s < begin + length (RFC 9293 3.4 window test).
constexpr bool in_window(SeqNum s, SeqNum begin, std::uint32_t length) {
  return s.raw() - begin.raw() < length;
}

}  // namespace finwait::wire
