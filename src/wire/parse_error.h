// Why a packet was refused. Each reason is a counter name in the stack and a
// word in `finwait pcap print`, so they read as snake_case identifiers.
#pragma once

#include <cstdint>
#include <string_view>

namespace finwait::wire {

enum class ParseError : std::uint8_t {
  truncated,          // fewer bytes than a header or length field promises
  bad_version,        // IP version is not 4
  bad_header_length,  // IPv4 IHL < 5
  bad_total_length,   // IPv4 total length < header length
  bad_ip_checksum,    // IPv4 header checksum does not verify
  fragmented,         // a fragment: finwait does not reassemble (yet)
  not_tcp,            // IPv4 protocol is not 6
  bad_data_offset,    // TCP data offset < 5 or past the end of the segment
  bad_option_length,  // TCP option length 0 or 1, or running past the header
  bad_checksum,       // TCP checksum over pseudo-header and segment does not verify
  bad_link_header,    // link-layer header (Ethernet, SLL) truncated or not IPv4
};

inline constexpr int k_parse_error_count = 11;

std::string_view to_string(ParseError error);

}  // namespace finwait::wire
