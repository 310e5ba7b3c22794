// A network device as the stack sees it (DESIGN.md "Layers"): IPv4 packets in
// and out, in batches, with an MTU and the offloads it offers. Devices
// compose (STYLE.md): a pcap tap or a fault injector wraps one without the
// stack knowing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace finwait::netdev {

// What a device does for the stack, so that the stack need not.
struct Offloads {
  // Packets in may carry a TCP checksum the device has verified, or one it
  // left partial because the packet never crossed a wire (the kernel's
  // CHECKSUM_PARTIAL): such packets arrive marked `checksum_trusted`.
  bool checksum = false;
  // The device cuts a TCP packet of up to this many bytes into segments of
  // the size the stack names (TSO); 0: every packet must fit the MTU.
  std::uint32_t max_segmented_packet = 0;
};

struct ReceivedPacket {
  std::span<const std::uint8_t> bytes() const { return {storage.data(), length}; }
  // Sized once by the device to the largest packet it delivers and reused:
  // growing a vector per packet would zero 64 KiB each time.
  std::vector<std::uint8_t> storage;
  std::size_t length = 0;  // of the IPv4 packet at the front of storage
  bool checksum_trusted = false;    // do not verify the TCP checksum (see Offloads::checksum)
  bool checksum_partial = false;    // the checksum field holds only the pseudo-header's sum
};

class Device {
 public:
  virtual ~Device() = default;
  // A descriptor that polls readable when packets wait (for the event loop).
  virtual int poll_fd() const = 0;
  virtual std::uint16_t mtu() const = 0;
  virtual Offloads offloads() const { return {}; }
  // Reads up to `out.size()` packets without blocking; each is resized to
  // what arrived. Returns how many (0: none waiting), or an error message.
  virtual Result<std::size_t, std::string> receive(std::span<ReceivedPacket> out) = 0;
  // Sends one packet; a full device queue drops it (as a NIC would). A TCP
  // packet larger than the MTU goes out cut into `segment_size` pieces, which
  // only a device offering segmentation accepts.
  virtual Result<bool, std::string> send(std::span<const std::uint8_t> packet, std::uint16_t segment_size = 0) = 0;
};

}  // namespace finwait::netdev
