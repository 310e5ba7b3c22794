// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
//
// Values are in network order as numbers: store them with store_be16().
// A buffer whose stored checksum is right sums to 0 under internet_checksum().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "wire/ipv4_address.h"

namespace finwait::wire {

// The ones' complement sum of the buffer as 16-bit big-endian words (an odd
// last byte is padded with zero), folded to 16 bits. Not complemented.
std::uint16_t ones_complement_sum(std::span<const std::uint8_t> bytes, std::uint16_t initial = 0);

// Ones' complement addition of two folded sums.
constexpr std::uint16_t ones_complement_add(std::uint16_t a, std::uint16_t b) {
  const std::uint32_t sum = std::uint32_t{a} + b;
  return static_cast<std::uint16_t>((sum & 0xffff) + (sum >> 16));
}

// RFC 1071: the complement of the ones' complement sum.
inline std::uint16_t internet_checksum(std::span<const std::uint8_t> bytes) {
  return static_cast<std::uint16_t>(~ones_complement_sum(bytes));
}

// RFC 9293 3.1: the TCP checksum covers a pseudo-header (source, destination,
// zero, protocol, TCP length) and the whole segment. With the checksum field
// zero this gives the value to store; over a received segment it gives 0 when
// the stored checksum is right.
std::uint16_t tcp_checksum(Ipv4Address src, Ipv4Address dst, std::span<const std::uint8_t> segment);

// The pseudo-header's sum alone, not complemented: what a TCP checksum field
// holds when a device is to finish the checksum (a partial checksum).
std::uint16_t tcp_pseudo_header_sum(Ipv4Address src, Ipv4Address dst, std::size_t tcp_length);

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for a 16-bit field that changed from
// old_value to new_value under checksum `checksum`.
constexpr std::uint16_t checksum_update16(std::uint16_t checksum, std::uint16_t old_value,
                                          std::uint16_t new_value) {
  std::uint16_t sum =
      ones_complement_add(static_cast<std::uint16_t>(~checksum), static_cast<std::uint16_t>(~old_value));
  sum = ones_complement_add(sum, new_value);
  return static_cast<std::uint16_t>(~sum);
}

// The same for a 32-bit field (an address or a sequence number): two words.
constexpr std::uint16_t checksum_update32(std::uint16_t checksum, std::uint32_t old_value,
                                          std::uint32_t new_value) {
  checksum = checksum_update16(checksum, static_cast<std::uint16_t>(old_value >> 16),
                               static_cast<std::uint16_t>(new_value >> 16));
  return checksum_update16(checksum, static_cast<std::uint16_t>(old_value),
                           static_cast<std::uint16_t>(new_value));
}

}  // namespace finwait::wire
