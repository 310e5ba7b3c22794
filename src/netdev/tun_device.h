// Linux TUN (/dev/net/tun, IFF_TUN | IFF_NO_PI): raw IPv4 packets between
// this process and the kernel. Opening one creates the interface in the
// current network namespace, gives the kernel's side an address and brings
// it up, so the kernel routes the subnet to finwait.
#pragma once

#include <string>

#include "netdev/device.h"
#include "wire/ipv4_address.h"

namespace finwait::netdev {

struct TunConfig {
  std::string name;              // the interface, e.g. "fw0" (IFNAMSIZ - 1 characters at most)
  wire::Ipv4Address host_address;  // the kernel's side
  int prefix_length = 24;
};

class TunDevice : public Device {
 public:
  // Needs CAP_NET_ADMIN; the message says what failed and why.
  static Result<TunDevice, std::string> open(const TunConfig& config);

  TunDevice(TunDevice&& other) noexcept;
  TunDevice& operator=(TunDevice&&) = delete;
  TunDevice(const TunDevice&) = delete;
  ~TunDevice() override;

  int poll_fd() const override { return fd_; }
  std::uint16_t mtu() const override { return mtu_; }
  Result<std::size_t, std::string> receive(std::span<std::vector<std::uint8_t>> out) override;
  Result<bool, std::string> send(std::span<const std::uint8_t> packet) override;
  const std::string& name() const { return name_; }

 private:
  TunDevice(int fd, std::string name, std::uint16_t mtu) : fd_(fd), name_(std::move(name)), mtu_(mtu) {}
  int fd_ = -1;
  std::string name_;
  std::uint16_t mtu_ = 1500;
};

}  // namespace finwait::netdev
