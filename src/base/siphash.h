// SipHash (Aumasson and Bernstein, 2012): a keyed hash, so that an attacker
// who does not know the key cannot pick inputs that collide.
//
//  - SipHash-2-4, the pseudorandom function: ISNs (RFC 6528), ephemeral
//    ports (RFC 6056), Fast Open cookies.
//  - SipHash-1-3, one compression and three finalisation rounds: the hash
//    tables (flows, parked entries), where only hash flooding matters and
//    every packet pays for a lookup; the variant Rust's and Python's hash
//    tables use. About 60 % of SipHash-2-4's cost on a 12-byte key.
#pragma once

#include <cstdint>
#include <span>

namespace finwait {

struct SipKey {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;
};

std::uint64_t siphash24(const SipKey& key, std::span<const std::uint8_t> data);
std::uint64_t siphash13(const SipKey& key, std::span<const std::uint8_t> data);

// The same over a 12-byte message given as words: its first eight bytes and
// its last four, each read little-endian (a 4-tuple's shape), without the
// byte loop.
std::uint64_t siphash24_12(const SipKey& key, std::uint64_t head, std::uint32_t tail);
std::uint64_t siphash13_12(const SipKey& key, std::uint64_t head, std::uint32_t tail);

}  // namespace finwait
