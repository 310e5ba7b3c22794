// A device that records: every packet in and out of the device it wraps goes
// to a pcap file as it passes (STYLE.md: devices compose). A partial checksum
// the kernel left (netdev::ReceivedPacket::checksum_partial) is completed in
// the copy, so the capture reads as what crossed the interface.
#pragma once

#include <functional>
#include <mutex>

#include "netdev/device.h"
#include "time/instant.h"
#include "wire/pcap_file.h"

namespace finwait::netdev {

class PcapTap : public Device {
 public:
  // `clock` stamps the packets (the event loop's real clock, or virtual time).
  // Taps on several threads that share one writer share `writer_lock` too.
  PcapTap(Device& inner, wire::PcapWriter& writer, std::function<Instant()> clock, std::mutex* writer_lock = nullptr)
      : inner_(inner), writer_(writer), clock_(std::move(clock)), writer_lock_(writer_lock) {}

  int poll_fd() const override { return inner_.poll_fd(); }
  std::uint16_t mtu() const override { return inner_.mtu(); }
  Offloads offloads() const override { return inner_.offloads(); }
  Result<std::size_t, std::string> receive(std::span<ReceivedPacket> out) override;
  Result<bool, std::string> send(std::span<const std::uint8_t> packet, std::uint16_t segment_size) override;

 private:
  Device& inner_;
  wire::PcapWriter& writer_;
  std::function<Instant()> clock_;
  std::mutex* writer_lock_;
  std::vector<std::uint8_t> scratch_;
};

}  // namespace finwait::netdev
