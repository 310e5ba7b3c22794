#include "sim/link_port.h"

#include <algorithm>

namespace finwait::sim {

Result<std::size_t, std::string> LinkPort::receive(std::span<netdev::ReceivedPacket> out) {
  std::size_t n = 0;
  for (; n < out.size() && !inbound_.empty(); ++n) {
    const std::vector<std::uint8_t>& frame = inbound_.front();
    netdev::ReceivedPacket& packet = out[n];
    if (packet.storage.size() < frame.size()) packet.storage.resize(frame.size());
    std::copy(frame.begin(), frame.end(), packet.storage.begin());
    packet.length = frame.size();
    packet.checksum_trusted = false;  // a simulated wire corrupts: every checksum is checked
    packet.checksum_partial = false;
    inbound_.pop_front();
  }
  return n;
}

Result<bool, std::string> LinkPort::send(std::span<const std::uint8_t> packet, std::uint16_t segment_size) {
  (void)segment_size;  // the port offers no segmentation: packets fit the MTU
  transmit_(packet);
  return true;
}

}  // namespace finwait::sim
