// A connection's identity: the 4-tuple, from this stack's point of view.
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "base/siphash.h"
#include "wire/ipv4_address.h"

namespace finwait::stack {

struct FlowKey {
  wire::Ipv4Address local;
  wire::Ipv4Address remote;
  std::uint16_t local_port = 0;
  std::uint16_t remote_port = 0;

  bool operator==(const FlowKey&) const = default;
  // "198.18.0.2:80-198.18.0.1:40000" (DESIGN.md's `conn` field).
  std::string to_string() const { return fmt::format("{}:{}-{}:{}", local, local_port, remote, remote_port); }
};

// Keyed: the table's key is secret, so peers cannot aim at one bucket.
inline std::uint64_t hash_flow(const SipKey& key, const FlowKey& flow) {
  std::uint8_t bytes[12];
  const std::uint32_t l = flow.local.to_uint();
  const std::uint32_t r = flow.remote.to_uint();
  for (int i = 0; i < 4; ++i) {
    bytes[i] = static_cast<std::uint8_t>(l >> (8 * i));
    bytes[4 + i] = static_cast<std::uint8_t>(r >> (8 * i));
  }
  bytes[8] = static_cast<std::uint8_t>(flow.local_port);
  bytes[9] = static_cast<std::uint8_t>(flow.local_port >> 8);
  bytes[10] = static_cast<std::uint8_t>(flow.remote_port);
  bytes[11] = static_cast<std::uint8_t>(flow.remote_port >> 8);
  return siphash24(key, bytes);
}

}  // namespace finwait::stack
