// A host's port on the simulated links, as a netdev::Device: the stack's
// packets go out through send() to the world, which carries them over the
// links (sim/link.h: delay, rate, loss, ...), and frames the world delivers
// wait in the port until the host reads them. Virtual time: nothing to poll.
#pragma once

#include <deque>
#include <functional>
#include <vector>

#include "netdev/device.h"

namespace finwait::sim {

class LinkPort : public netdev::Device {
 public:
  using Transmit = std::function<void(std::span<const std::uint8_t>)>;
  LinkPort(std::uint16_t mtu, Transmit transmit) : mtu_(mtu), transmit_(std::move(transmit)) {}

  int poll_fd() const override { return -1; }
  std::uint16_t mtu() const override { return mtu_; }
  Result<std::size_t, std::string> receive(std::span<netdev::ReceivedPacket> out) override;
  Result<bool, std::string> send(std::span<const std::uint8_t> packet, std::uint16_t segment_size) override;

  // The world hands a frame over at its arrival time.
  void deliver(std::vector<std::uint8_t> frame) { inbound_.push_back(std::move(frame)); }
  bool has_inbound() const { return !inbound_.empty(); }

 private:
  std::uint16_t mtu_;
  Transmit transmit_;
  std::deque<std::vector<std::uint8_t>> inbound_;
};

}  // namespace finwait::sim
