// What the IPv4 layer counts: segments in and out at the boundary with TCP
// (Linux's Tcp: InSegs, OutSegs, InErrs, OutRsts), ICMP, and frames dropped
// before TCP by reason. A stack's counters include these (stack/counters.h).
#pragma once

#include <array>
#include <cstdint>

#include "wire/parse_error.h"

namespace finwait::ip {

struct IpCounters {
  std::uint64_t in_segs = 0;   // InSegs: TCP segments that parsed and passed their checksums
  std::uint64_t out_segs = 0;  // OutSegs
  std::uint64_t in_errs = 0;   // InErrs: TCP segments dropped as malformed
  std::uint64_t out_rsts = 0;  // OutRsts
  std::uint64_t icmp_echo_replies = 0;  // IcmpOutEchoReps
  std::uint64_t icmp_unreachables = 0;  // IcmpInDestUnreachs
  // Frames dropped before TCP, by reason (BadSegments:reason).
  std::array<std::uint64_t, wire::k_parse_error_count> bad_segments{};
  std::uint64_t not_for_us = 0;        // addressed to another host
  std::uint64_t unknown_protocol = 0;  // neither TCP nor ICMP
};

}  // namespace finwait::ip
