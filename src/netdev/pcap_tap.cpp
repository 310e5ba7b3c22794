#include "netdev/pcap_tap.h"

#include "base/big_endian.h"
#include "wire/checksum.h"
#include "wire/ipv4_header.h"

namespace finwait::netdev {
namespace {

std::span<const std::uint8_t> with_full_checksum(const ReceivedPacket& packet, std::vector<std::uint8_t>& scratch) {
  const auto bytes = packet.bytes();
  if (!packet.checksum_partial || bytes.size() < 20) return bytes;
  const std::size_t ip_header = std::size_t{bytes[0] & 0x0fu} * 4;
  if (bytes[9] != wire::k_ip_protocol_tcp || bytes.size() < ip_header + 20) return bytes;
  scratch.assign(bytes.begin(), bytes.end());
  const auto tcp = std::span(scratch).subspan(ip_header);
  store_be16(&tcp[16], 0);
  store_be16(&tcp[16], wire::tcp_checksum(wire::Ipv4Address(load_be32(&scratch[12])),
                                          wire::Ipv4Address(load_be32(&scratch[16])), tcp));
  return scratch;
}

// Holds the writer's lock, when there is one, for its lifetime.
std::unique_lock<std::mutex> hold(std::mutex* lock) {
  return lock == nullptr ? std::unique_lock<std::mutex>() : std::unique_lock<std::mutex>(*lock);
}

}  // namespace

Result<std::size_t, std::string> PcapTap::receive(std::span<ReceivedPacket> out) {
  auto got = inner_.receive(out);
  if (!got) return got;
  const std::int64_t at = clock_().nanoseconds();
  const auto guard = hold(writer_lock_);
  for (std::size_t i = 0; i < *got; ++i) writer_.write(at, with_full_checksum(out[i], scratch_));
  return got;
}

Result<bool, std::string> PcapTap::send(std::span<const std::uint8_t> packet, std::uint16_t segment_size) {
  {
    const auto guard = hold(writer_lock_);
    writer_.write(clock_().nanoseconds(), packet);
  }
  return inner_.send(packet, segment_size);
}

}  // namespace finwait::netdev
