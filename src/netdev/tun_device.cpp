#include "netdev/tun_device.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "base/big_endian.h"
#include "wire/checksum.h"

namespace finwait::netdev {
namespace {

// struct virtio_net_hdr of <linux/virtio_net.h>, which C++ cannot include
// (a member there is named `class`); fields in host order (legacy virtio).
struct VnetHeader {
  std::uint8_t flags = 0;
  std::uint8_t gso_type = 0;
  std::uint16_t hdr_len = 0;
  std::uint16_t gso_size = 0;
  std::uint16_t csum_start = 0;
  std::uint16_t csum_offset = 0;
};
static_assert(sizeof(VnetHeader) == 10);
constexpr std::uint8_t k_vnet_needs_csum = 1;  // k_vnet_needs_csum
constexpr std::uint8_t k_vnet_data_valid = 2;  // k_vnet_data_valid
constexpr std::uint8_t k_vnet_gso_tcpv4 = 1;   // k_vnet_gso_tcpv4

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
  TunConfig single = config;
  single.queues = 1;
  auto devices = open_queues(single);
  if (!devices) return fail(devices.error());
  return std::move(devices->front());
}

Result<std::vector<TunDevice>, std::string> TunDevice::open_queues(const TunConfig& config) {
  if (config.name.empty() || config.name.size() >= IFNAMSIZ) {
    return fail(fmt::format("--tun '{}': an interface name of 1 to {} characters", config.name, IFNAMSIZ - 1));
  }
  if (config.prefix_length < 1 || config.prefix_length > 30) {
    return fail(fmt::format("prefix /{}: expected /1 to /30", config.prefix_length));
  }
  if (config.queues < 1 || config.queues > k_max_queues)
    return fail(fmt::format("{} queues: expected 1 to {}", config.queues, k_max_queues));
  const short multi_queue = config.queues > 1 ? IFF_MULTI_QUEUE : 0;
  std::vector<TunDevice> devices;
  ifreq request{};
  bool vnet_header = false;
  bool offloaded = false;
  // The first queue decides the mode (vnet header or plain); the others
  // attach with the same flags, which the kernel requires.
  for (int queue = 0; queue < config.queues; ++queue) {
    const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return fail(fmt::format("/dev/net/tun: {}", why()));
    request = ifreq{};
    std::strncpy(request.ifr_name, config.name.c_str(), IFNAMSIZ - 1);
    bool attached = false;
    if (queue == 0 && config.offloads) {
      request.ifr_flags = static_cast<short>(IFF_TUN | IFF_NO_PI | IFF_VNET_HDR | multi_queue);
      vnet_header = ::ioctl(fd, TUNSETIFF, &request) == 0;
      attached = vnet_header;
      // The offloads are what the kernel may hand us. A kernel without the
      // vnet header gets the plain device (TUNSETIFF is asked again below).
      offloaded = vnet_header && ::ioctl(fd, TUNSETOFFLOAD, static_cast<unsigned long>(TUN_F_CSUM | TUN_F_TSO4)) == 0;
      if (vnet_header && !offloaded) (void)::ioctl(fd, TUNSETOFFLOAD, 0ul);  // the header stays, offering nothing
    }
    if (!attached) {
      request.ifr_flags = static_cast<short>(IFF_TUN | IFF_NO_PI | (vnet_header ? IFF_VNET_HDR : 0) | multi_queue);
      if (::ioctl(fd, TUNSETIFF, &request) != 0) {
        const std::string reason = why();
        ::close(fd);
        if (queue == 0) return fail(fmt::format("{}: cannot create the TUN interface: {}", config.name, reason));
        return fail(fmt::format("{}: cannot attach queue {} of {}: {}", config.name, queue + 1, config.queues, reason));
      }
    }
    devices.push_back(TunDevice(fd, config.name, 1500, vnet_header));
    devices.back().checksum_offload_ = offloaded;
  }
  // The kernel's side: address, netmask, up; then read the MTU it has.
  request = ifreq{};
  std::strncpy(request.ifr_name, config.name.c_str(), IFNAMSIZ - 1);
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
  if (!done) return fail(done.error());  // the descriptors close with `devices`
  for (TunDevice& device : devices) device.mtu_ = static_cast<std::uint16_t>(std::clamp(mtu, 576, 65535));
  return devices;
}

TunDevice::TunDevice(TunDevice&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      name_(std::move(other.name_)),
      mtu_(other.mtu_),
      vnet_header_(other.vnet_header_),
      checksum_offload_(other.checksum_offload_) {}

TunDevice::~TunDevice() {
  if (fd_ >= 0) ::close(fd_);  // the interface goes with its last descriptor
}

Offloads TunDevice::offloads() const {
  if (!vnet_header_ || !checksum_offload_) return {};
  // 64 KiB less nothing: an IPv4 packet's length field is the bound.
  return Offloads{.checksum = true, .max_segmented_packet = 65535};
}

std::string TunDevice::describe_offloads() const {
  return offloads().checksum ? "offloads csum tso4" : "no offloads";
}

Result<std::size_t, std::string> TunDevice::receive(std::span<ReceivedPacket> out) {
  std::size_t n = 0;
  for (; n < out.size(); ++n) {
    ReceivedPacket& packet = out[n];
    if (packet.storage.size() < 65536) packet.storage.resize(65536);
    VnetHeader header;
    iovec parts[2] = {{&header, sizeof header}, {packet.storage.data(), packet.storage.size()}};
    const ssize_t got =
        vnet_header_ ? ::readv(fd_, parts, 2) : ::read(fd_, packet.storage.data(), packet.storage.size());
    packet.length = 0;
    if (got < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      return fail(fmt::format("{}: read: {}", name_, std::strerror(errno)));
    }
    const std::size_t header_size = vnet_header_ ? sizeof header : 0;
    packet.length = static_cast<std::size_t>(got) < header_size ? 0 : static_cast<std::size_t>(got) - header_size;
    // A packet from the kernel's own stack never crossed a wire: NEEDS_CSUM
    // leaves its checksum partial, DATA_VALID says the kernel checked it. A
    // GSO packet (gso_type TCPV4) is one large segment and taken whole.
    packet.checksum_partial = (header.flags & k_vnet_needs_csum) != 0;
    packet.checksum_trusted = packet.checksum_partial || (header.flags & k_vnet_data_valid) != 0;
  }
  return n;
}

Result<bool, std::string> TunDevice::send(std::span<const std::uint8_t> packet, std::uint16_t segment_size) {
  if (packet.size() > mtu_ && segment_size != 0) {
    if (!offloads().checksum) {
      return fail(fmt::format("{}: a {}-byte packet needs segmentation offload, which this device lacks", name_,
                              packet.size()));
    }
    return send_segmented(packet, segment_size);
  }
  VnetHeader header;
  iovec parts[2] = {{&header, sizeof header}, {const_cast<std::uint8_t*>(packet.data()), packet.size()}};
  const ssize_t sent = vnet_header_ ? ::writev(fd_, parts, 2) : ::write(fd_, packet.data(), packet.size());
  if (sent >= 0) return true;
  if (errno == EAGAIN || errno == ENOBUFS) return false;  // a full queue drops it, as a NIC would
  return fail(fmt::format("{}: write: {}", name_, std::strerror(errno)));
}

Result<bool, std::string> TunDevice::send_segmented(std::span<const std::uint8_t> packet, std::uint16_t segment_size) {
  // The kernel segments it (TSO) and finishes each piece's checksum: the
  // TCP checksum field holds the pseudo-header's sum over the whole packet,
  // csum_start/csum_offset say where the TCP header and its checksum are.
  const std::size_t ip_header = std::size_t{packet[0] & 0x0fu} * 4;
  if (packet.size() < ip_header + 20 || packet[9] != 6)
    return fail(fmt::format("{}: only a TCP packet can be segmented", name_));
  const std::size_t headers = ip_header + std::size_t{static_cast<std::uint8_t>(packet[ip_header + 12] >> 4)} * 4u;
  if (headers > packet.size()) return fail(fmt::format("{}: a segmented packet with a broken TCP header", name_));
  std::uint8_t head[120];
  std::memcpy(head, packet.data(), headers);
  const wire::Ipv4Address src(load_be32(&packet[12]));
  const wire::Ipv4Address dst(load_be32(&packet[16]));
  store_be16(&head[ip_header + 16], wire::tcp_pseudo_header_sum(src, dst, packet.size() - ip_header));
  VnetHeader header;
  header.flags = k_vnet_needs_csum;
  header.gso_type = k_vnet_gso_tcpv4;
  header.hdr_len = static_cast<std::uint16_t>(headers);
  header.gso_size = segment_size;
  header.csum_start = static_cast<std::uint16_t>(ip_header);
  header.csum_offset = 16;
  iovec parts[3] = {{&header, sizeof header},
                    {head, headers},
                    {const_cast<std::uint8_t*>(packet.data() + headers), packet.size() - headers}};
  if (::writev(fd_, parts, 3) >= 0) return true;
  if (errno == EAGAIN || errno == ENOBUFS) return false;
  return fail(fmt::format("{}: write: {}", name_, std::strerror(errno)));
}

}  // namespace finwait::netdev
