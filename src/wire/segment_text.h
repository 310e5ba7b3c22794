// The segment notation of SCRIPTS.md 3, read back from text:
//   [ECN] FLAGS START:END(LEN) [ack N] [win N] [urg N] [<OPTIONS> | <...>]
// with packetdrill's IP ECN field in brackets ([noecn] [ect0] [ect1]
// [ect01] [ce]) and its letter A for the AE bit (RFC 9768) among the flags.
// Numbers stay as written (relative, in scripts); the caller maps them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "wire/ecn.h"
#include "wire/tcp_flags.h"
#include "wire/tcp_header.h"
#include "wire/tcp_options.h"

namespace finwait::wire {

struct SegmentText {
  // The ECN field if written; [ect01] (either ECT) is ect0 with ecn_any_ect.
  std::optional<Ecn> ecn;
  bool ecn_any_ect = false;
  TcpFlags flags;
  bool ae = false;  // the AE bit, the lowest of TcpSegment::reserved
  std::uint32_t start = 0;
  std::uint32_t end = 0;
  std::uint32_t length = 0;
  std::optional<std::uint32_t> ack;
  std::optional<std::uint16_t> window;
  std::optional<std::uint16_t> urgent;
  bool options_given = false;     // a <...> list was written
  bool options_wildcard = false;  // it was <...>: not checked
  TcpOptions options;             // as written (SACK and TS numbers unmapped)
};

// Errors say what was expected and at which character offset.
Result<SegmentText, std::string> parse_segment_text(std::string_view text);

}  // namespace finwait::wire

namespace finwait::wire {

// Checks a segment against its written form, as SCRIPTS.md 3 says for
// outbound lines: the ECN field if written, every flag bit (AE too), START and LEN, the ack field (which must be
// zero when not written), the window if written, the urgent pointer if
// written, and the options if written (kinds, lengths and order, padding
// included; values too, except TS val and ecr). Sequence numbers in `expected`
// are relative to `bases`. Returns an empty string on a match, else what differs.
std::string mismatch(const SegmentText& expected, const TcpSegment& actual, SeqNum seq_base, SeqNum ack_base);

}  // namespace finwait::wire
