// packetdrill's inbound ICMP lines: `< icmp unreachable [CODE] [mtu N]
// [START:END(LEN)]`, a destination unreachable (RFC 792) that quotes a
// segment the stack sent, its sequence number relative to the stack's ISN.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace finwait::script {

struct IcmpLine {
  std::uint8_t type = 3;  // destination unreachable
  std::uint8_t code = 0;
  std::uint16_t mtu = 0;            // for frag_needed (RFC 1191)
  std::uint32_t quoted_start = 0;   // the quoted segment's sequence number
  std::uint32_t quoted_length = 0;
};

// Whether a packet line is an ICMP one ("icmp ...").
bool is_icmp_line(std::string_view text);
// The line parsed, or what is wrong with it.
Result<IcmpLine, std::string> parse_icmp_line(std::string_view text);

}  // namespace finwait::script
