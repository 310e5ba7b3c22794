#include "wire/parse_error.h"

namespace finwait::wire {

std::string_view to_string(ParseError error) {
  switch (error) {
    case ParseError::truncated: return "truncated";
    case ParseError::bad_version: return "bad_version";
    case ParseError::bad_header_length: return "bad_header_length";
    case ParseError::bad_total_length: return "bad_total_length";
    case ParseError::bad_ip_checksum: return "bad_ip_checksum";
    case ParseError::fragmented: return "fragmented";
    case ParseError::not_tcp: return "not_tcp";
    case ParseError::bad_data_offset: return "bad_data_offset";
    case ParseError::bad_option_length: return "bad_option_length";
    case ParseError::bad_checksum: return "bad_checksum";
    case ParseError::bad_link_header: return "bad_link_header";
  }
  return "unknown";
}

}  // namespace finwait::wire
