// A network device as the stack sees it (DESIGN.md "Layers"): IPv4 packets in
// and out, in batches, with an MTU. Devices compose (STYLE.md): a pcap tap or
// a fault injector wraps one without the stack knowing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace finwait::netdev {

class Device {
 public:
  virtual ~Device() = default;
  // A descriptor that polls readable when packets wait (for the event loop).
  virtual int poll_fd() const = 0;
  virtual std::uint16_t mtu() const = 0;
  // Reads up to `out.size()` packets without blocking; each is resized to
  // what arrived. Returns how many (0: none waiting), or an error message.
  virtual Result<std::size_t, std::string> receive(std::span<std::vector<std::uint8_t>> out) = 0;
  // Sends one packet; a full device queue drops it (as a NIC would).
  virtual Result<bool, std::string> send(std::span<const std::uint8_t> packet) = 0;
};

}  // namespace finwait::netdev
