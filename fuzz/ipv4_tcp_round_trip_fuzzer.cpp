// Any bytes: parse as IPv4+TCP; whatever parses must emit and parse back to
// an equal value, with checksums that now verify. ASan/UBSan watch every read.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/check.h"
#include "wire/ipv4_tcp_packet.h"
#include "wire/segment_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace finwait::wire;
  // A copy of exactly `size` bytes, so any read past the end is caught.
  const std::vector<std::uint8_t> input(data, data + size);
  auto packet = parse_ipv4_tcp(input, ChecksumPolicy::ignore);
  if (!packet) return 0;

  (void)format_packet(*packet);
  (void)packet->tcp.options.mss();
  (void)packet->tcp.options.window_scale();
  (void)packet->tcp.options.timestamps();
  (void)packet->tcp.options.sack_blocks();

  std::vector<std::uint8_t> out(ipv4_tcp_size(*packet));
  FINWAIT_CHECK(emit_ipv4_tcp(*packet, out) == out.size());
  auto again = parse_ipv4_tcp(out, ChecksumPolicy::verify);
  FINWAIT_CHECK(again.ok());
  FINWAIT_CHECK(*again == *packet);
  return 0;
}
