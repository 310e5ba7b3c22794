// A device for the netdev tests: receive() hands out what `waiting` holds
// (marked checksum_trusted, as an offloading device would), send() records.
#pragma once

#include <deque>
#include <vector>

#include "netdev/device.h"

namespace finwait::netdev {

struct RecordingDevice : Device {
  std::vector<std::vector<std::uint8_t>> sent;
  std::deque<std::vector<std::uint8_t>> waiting;
  int poll_fd() const override { return -1; }
  std::uint16_t mtu() const override { return 1500; }
  Result<std::size_t, std::string> receive(std::span<ReceivedPacket> out) override {
    std::size_t n = 0;
    for (; n < out.size() && !waiting.empty(); ++n) {
      out[n].storage = waiting.front();
      out[n].length = waiting.front().size();
      out[n].checksum_trusted = true;
      waiting.pop_front();
    }
    return n;
  }
  Result<bool, std::string> send(std::span<const std::uint8_t> packet, std::uint16_t) override {
    sent.emplace_back(packet.begin(), packet.end());
    return true;
  }
};

}  // namespace finwait::netdev
