#include "netdev/fault_injector.h"

#include <algorithm>

namespace finwait::netdev {

void FaultInjector::corrupt(std::span<std::uint8_t> bytes) {
  if (bytes.empty()) return;
  // Past the IP header when there is one: a flipped TCP byte is what the
  // TCP checksum is for (a flipped IP byte is caught earlier, or misroutes).
  const std::size_t from = bytes.size() > 20 ? 20 : 0;
  std::uniform_int_distribution<std::size_t> at(from, bytes.size() - 1);
  bytes[at(random_)] ^= 0x20;
  ++tally_.corrupted;
}

Result<std::size_t, std::string> FaultInjector::receive(std::span<ReceivedPacket> out) {
  std::size_t n = 0;
  while (n < out.size() && !held_.empty()) {  // duplicates first, as they arrived
    std::swap(out[n++], held_.back());
    held_.pop_back();
  }
  if (n == out.size()) return n;
  auto got = inner_.receive(out.subspan(n));
  if (!got) return got;
  const std::size_t end = n + *got;
  std::size_t kept = n;
  for (std::size_t i = n; i < end; ++i) {
    if (chance(config_.loss)) {
      ++tally_.dropped;
      continue;
    }
    if (kept != i) std::swap(out[kept], out[i]);
    ReceivedPacket& p = out[kept++];
    if (chance(config_.corrupt)) {
      corrupt(std::span(p.storage).first(p.length));
      p.checksum_trusted = false;  // the device vouched for the bytes before we flipped one
      p.checksum_partial = false;
    }
    if (chance(config_.duplicate)) {
      held_.push_back(p);
      ++tally_.duplicated;
    }
  }
  return kept;
}

Result<bool, std::string> FaultInjector::send(std::span<const std::uint8_t> packet, std::uint16_t segment_size) {
  if (chance(config_.loss)) {
    ++tally_.dropped;
    return true;  // gone on the wire, as far as the sender can tell
  }
  const int copies = chance(config_.duplicate) ? 2 : 1;
  if (copies == 2) ++tally_.duplicated;
  for (int i = 0; i < copies; ++i) {
    std::span<const std::uint8_t> bytes = packet;
    // Not a packet the device segments: its checksum is the device's to
    // finish, over the flipped byte, and nothing would catch it.
    if (chance(config_.corrupt) && packet.size() <= inner_.mtu()) {
      scratch_.assign(packet.begin(), packet.end());
      corrupt(scratch_);
      bytes = scratch_;
    }
    auto sent = inner_.send(bytes, segment_size);
    if (!sent) return sent;
  }
  return true;
}

}  // namespace finwait::netdev
