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

// The 4-tuple as SipHash's 12-byte message: addresses, then ports, each
// little-endian (so the words below are the bytes a byte-wise hash would read).
inline std::uint64_t flow_head(const FlowKey& flow) {
  return std::uint64_t{flow.local.to_uint()} | (std::uint64_t{flow.remote.to_uint()} << 32);
}
inline std::uint32_t flow_tail(const FlowKey& flow) {
  return std::uint32_t{flow.local_port} | (std::uint32_t{flow.remote_port} << 16);
}

// The hash tables' hash: keyed, so peers cannot aim at one bucket, and
// SipHash-1-3 because only flooding matters there (see base/siphash.h).
inline std::uint64_t hash_flow(const SipKey& key, const FlowKey& flow) {
  return siphash13_12(key, flow_head(flow), flow_tail(flow));
}

// The 4-tuple's pseudorandom function (RFC 6528's F for ISNs): SipHash-2-4.
inline std::uint64_t flow_prf(const SipKey& key, const FlowKey& flow) {
  return siphash24_12(key, flow_head(flow), flow_tail(flow));
}

}  // namespace finwait::stack
