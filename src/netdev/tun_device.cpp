#include "netdev/tun_device.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace finwait::netdev {
namespace {

std::string why() {
  const int e = errno;
  std::string text = std::strerror(e);
  if (e == EPERM || e == EACCES) text += " (needs CAP_NET_ADMIN: run as root)";
  return text;
}

sockaddr_in inet_address(std::uint32_t host_order) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(host_order);
  return a;
}

}  // namespace

Result<TunDevice, std::string> TunDevice::open(const TunConfig& config) {
  if (config.name.empty() || config.name.size() >= IFNAMSIZ) {
    return fail(fmt::format("--tun '{}': an interface name of 1 to {} characters", config.name, IFNAMSIZ - 1));
  }
  if (config.prefix_length < 1 || config.prefix_length > 30) {
    return fail(fmt::format("prefix /{}: expected /1 to /30", config.prefix_length));
  }
  const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fail(fmt::format("/dev/net/tun: {}", why()));
  ifreq request{};
  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::strncpy(request.ifr_name, config.name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(fd, TUNSETIFF, &request) != 0) {
    const std::string reason = why();
    ::close(fd);
    return fail(fmt::format("{}: cannot create the TUN interface: {}", config.name, reason));
  }
  // The kernel's side: address, netmask, up; then read the MTU it has.
  const int control = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  auto configure = [&](unsigned long what, const char* doing) -> Result<bool, std::string> {
    if (::ioctl(control, what, &request) == 0) return true;
    return fail(fmt::format("{}: cannot {}: {}", config.name, doing, why()));
  };
  auto set_address = [&](unsigned long what, std::uint32_t value, const char* doing) {
    const sockaddr_in a = inet_address(value);
    std::memcpy(&request.ifr_addr, &a, sizeof a);
    return configure(what, doing);
  };
  const std::uint32_t mask = config.prefix_length == 0 ? 0 : ~std::uint32_t{0} << (32 - config.prefix_length);
  Result<bool, std::string> done = true;
  if (control < 0) done = fail(fmt::format("{}: {}", config.name, why()));
  if (done) done = set_address(SIOCSIFADDR, config.host_address.to_uint(), "set the host address");
  if (done) done = set_address(SIOCSIFNETMASK, mask, "set the netmask");
  if (done) done = configure(SIOCGIFFLAGS, "read the interface flags");
  if (done) {
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
    done = configure(SIOCSIFFLAGS, "bring the interface up");
  }
  if (done) done = configure(SIOCGIFMTU, "read the MTU");
  const int mtu = request.ifr_mtu;
  if (control >= 0) ::close(control);
  if (!done) {
    ::close(fd);
    return fail(done.error());
  }
  return TunDevice(fd, config.name, static_cast<std::uint16_t>(std::clamp(mtu, 576, 65535)));
}

TunDevice::TunDevice(TunDevice&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), name_(std::move(other.name_)), mtu_(other.mtu_) {}

TunDevice::~TunDevice() {
  if (fd_ >= 0) ::close(fd_);  // the interface goes with its last descriptor
}

Result<std::size_t, std::string> TunDevice::receive(std::span<std::vector<std::uint8_t>> out) {
  std::size_t n = 0;
  for (; n < out.size(); ++n) {
    std::vector<std::uint8_t>& packet = out[n];
    packet.resize(65536);
    const ssize_t got = ::read(fd_, packet.data(), packet.size());
    if (got < 0) {
      packet.clear();
      if (errno == EAGAIN || errno == EINTR) break;
      return fail(fmt::format("{}: read: {}", name_, std::strerror(errno)));
    }
    packet.resize(static_cast<std::size_t>(got));
  }
  return n;
}

Result<bool, std::string> TunDevice::send(std::span<const std::uint8_t> packet) {
  const ssize_t sent = ::write(fd_, packet.data(), packet.size());
  if (sent >= 0) return true;
  if (errno == EAGAIN || errno == ENOBUFS) return false;  // a full queue drops it, as a NIC would
  return fail(fmt::format("{}: write: {}", name_, std::strerror(errno)));
}

}  // namespace finwait::netdev
