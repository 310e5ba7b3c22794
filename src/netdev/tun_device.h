// Linux TUN (/dev/net/tun, IFF_TUN | IFF_NO_PI): raw IPv4 packets between
// this process and the kernel. Opening one creates the interface in the
// current network namespace, gives the kernel's side an address and brings
// it up, so the kernel routes the subnet to finwait.
//
// With offloads (the default when the kernel allows them) each packet is
// led by a virtio_net_hdr (IFF_VNET_HDR) and the device offers TUN_F_CSUM |
// TUN_F_TSO4: the kernel hands over its large GSO packets (up to 64 KiB)
// whole, with checksums it vouches for (DATA_VALID) or leaves partial
// (NEEDS_CSUM), and accepts large packets with a partial checksum that it
// segments itself. A kernel that refuses gets the plain mode.
//
// With more than one queue (IFF_MULTI_QUEUE) each queue is a descriptor and a
// TunDevice of its own, on one interface: a packet the kernel sends goes to
// one queue, chosen by the flow it belongs to (see netdev/flow_steering.h).
#pragma once

#include <string>
#include <vector>

#include "netdev/device.h"
#include "wire/ipv4_address.h"

namespace finwait::netdev {

struct TunConfig {
  std::string name;              // the interface, e.g. "fw0" (IFNAMSIZ - 1 characters at most)
  wire::Ipv4Address host_address;  // the kernel's side
  int prefix_length = 24;
  bool offloads = true;  // ask for the vnet header and TUN_F_CSUM | TUN_F_TSO4
  int queues = 1;        // more than one: IFF_MULTI_QUEUE, at most k_max_queues
};

class TunDevice : public Device {
 public:
  // The kernel's limit on a multi-queue TUN's queues (MAX_TAP_QUEUES).
  static constexpr int k_max_queues = 256;

  // Needs CAP_NET_ADMIN; the message says what failed and why.
  static Result<TunDevice, std::string> open(const TunConfig& config);
  // One device per queue, config.queues of them, on one interface.
  static Result<std::vector<TunDevice>, std::string> open_queues(const TunConfig& config);

  TunDevice(TunDevice&& other) noexcept;
  TunDevice& operator=(TunDevice&&) = delete;
  TunDevice(const TunDevice&) = delete;
  ~TunDevice() override;

  int poll_fd() const override { return fd_; }
  std::uint16_t mtu() const override { return mtu_; }
  Offloads offloads() const override;
  Result<std::size_t, std::string> receive(std::span<ReceivedPacket> out) override;
  Result<bool, std::string> send(std::span<const std::uint8_t> packet, std::uint16_t segment_size) override;
  const std::string& name() const { return name_; }
  bool vnet_header() const { return vnet_header_; }
  // "csum tso4" or "none": for the ready line.
  std::string describe_offloads() const;

 private:
  TunDevice(int fd, std::string name, std::uint16_t mtu, bool vnet_header)
      : fd_(fd), name_(std::move(name)), mtu_(mtu), vnet_header_(vnet_header) {}
  Result<bool, std::string> send_segmented(std::span<const std::uint8_t> packet, std::uint16_t segment_size);
  int fd_ = -1;
  std::string name_;
  std::uint16_t mtu_ = 1500;
  bool vnet_header_ = false;
  bool checksum_offload_ = false;
};

}  // namespace finwait::netdev
