// Any captured frame, under any link type: strip the link header, parse,
// print, as `finwait pcap print` does. The first byte picks the link type.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "wire/ipv4_tcp_packet.h"
#include "wire/link_layer.h"
#include "wire/segment_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace finwait::wire;
  if (size == 0) return 0;
  const auto link_type = static_cast<LinkType>(data[0] % 5);
  const std::vector<std::uint8_t> frame(data + 1, data + size);
  auto network = strip_link_header(link_type, frame);
  if (!network) return 0;
  (void)check_checksums(network->bytes);
  auto packet = parse_ipv4_tcp(network->bytes, ChecksumPolicy::ignore);
  if (!packet) return 0;
  (void)format_segment(packet->tcp, {packet->tcp.seq, packet->tcp.ack});
  for (TcpOption option : packet->tcp.options) (void)option;
  return 0;
}
