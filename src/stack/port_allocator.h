// Ephemeral ports per RFC 6056 3.3.4 (Algorithm 4, "double-hash port
// selection"): a keyed hash of the 3-tuple picks where to start, and a small
// table of per-bucket counters moves the start on, so successive connections to
// one peer get different ports while nobody outside can predict them.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>

#include "base/siphash.h"
#include "wire/ipv4_address.h"

namespace finwait::stack {

class PortAllocator {
 public:
  explicit PortAllocator(SipKey key) : key_(key) {}

  // The first port in [low, high] for which `in_use` says false; nullopt if
  // every port is taken.
  std::optional<std::uint16_t> allocate(wire::Ipv4Address local, wire::Ipv4Address remote,
                                        std::uint16_t remote_port, std::uint16_t low, std::uint16_t high,
                                        const std::function<bool(std::uint16_t)>& in_use);

 private:
  static constexpr std::size_t k_table_size = 256;
  SipKey key_;
  std::array<std::uint16_t, k_table_size> table_{};
};

}  // namespace finwait::stack
