// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed hash, so that an
// attacker who does not know the key cannot pick inputs that collide. Used for
// the flow table (no hash flooding), ISNs (RFC 6528) and ephemeral ports (RFC 6056).
#pragma once

#include <cstdint>
#include <span>

namespace finwait {

struct SipKey {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;
};

std::uint64_t siphash24(const SipKey& key, std::span<const std::uint8_t> data);

}  // namespace finwait
