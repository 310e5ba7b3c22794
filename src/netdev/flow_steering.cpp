#include "netdev/flow_steering.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/big_endian.h"
#include "wire/icmp.h"
#include "wire/ipv4_header.h"

namespace finwait::netdev {
namespace {

// The IPv4 header's length when `bytes` starts with a whole one that is not
// a later fragment; 0 when there are no ports to read behind it.
std::size_t unfragmented_header(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 20 || (bytes[0] >> 4) != 4) return 0;
  const std::size_t length = std::size_t{bytes[0] & 0x0fu} * 4;
  const std::uint16_t fragment_offset = load_be16(&bytes[6]) & 0x1fff;
  if (length < 20 || bytes.size() < length || fragment_offset != 0) return 0;
  return length;
}

}  // namespace

FlowSteering::FlowSteering(std::size_t queues, SipKey key) : key_(key) {
  for (std::size_t i = 0; i < std::max<std::size_t>(queues, 1); ++i) {
    auto inbox = std::make_unique<Inbox>();
    inbox->event_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    inboxes_.push_back(std::move(inbox));
  }
}

FlowSteering::~FlowSteering() {
  for (auto& inbox : inboxes_) {
    if (inbox->event_fd >= 0) ::close(inbox->event_fd);
  }
}

std::size_t FlowSteering::owner_of(std::uint32_t remote, std::uint16_t remote_port,
                                   std::uint16_t local_port) const {
  if (inboxes_.size() == 1) return 0;
  const std::uint64_t head = (std::uint64_t{remote} << 32) | (std::uint64_t{remote_port} << 16) | local_port;
  const std::uint64_t hash = siphash13_12(key_, head, 0);
  // The high bits times the count: no division, and every queue equally likely.
  return static_cast<std::size_t>((static_cast<unsigned __int128>(hash) * inboxes_.size()) >> 64);
}

std::size_t FlowSteering::owner(std::span<const std::uint8_t> packet) const {
  const std::size_t ip = unfragmented_header(packet);
  if (ip == 0) return 0;
  const std::uint8_t protocol = packet[9];
  if (protocol == wire::k_ip_protocol_tcp && packet.size() >= ip + 4) {
    // Incoming: the source is the remote end.
    return owner_of(load_be32(&packet[12]), load_be16(&packet[ip]), load_be16(&packet[ip + 2]));
  }
  if (protocol == wire::k_ip_protocol_icmp && packet.size() >= ip + 8 &&
      packet[ip] != wire::k_icmp_echo_request && packet[ip] != wire::k_icmp_echo_reply) {
    // An error quotes a packet this host sent: its destination is the remote end.
    const std::span<const std::uint8_t> quoted = packet.subspan(ip + 8);
    const std::size_t inner = unfragmented_header(quoted);
    if (inner != 0 && quoted[9] == wire::k_ip_protocol_tcp && quoted.size() >= inner + 4)
      return owner_of(load_be32(&quoted[16]), load_be16(&quoted[inner + 2]), load_be16(&quoted[inner]));
  }
  return 0;
}

bool FlowSteering::hand_off(std::size_t queue, const ReceivedPacket& packet) {
  Inbox& inbox = *inboxes_[queue];
  {
    std::lock_guard guard(inbox.lock);
    if (inbox.parcels.size() >= k_inbox_limit) return false;
    const auto bytes = packet.bytes();
    inbox.parcels.push_back(
        Parcel{{bytes.begin(), bytes.end()}, packet.checksum_trusted, packet.checksum_partial});
  }
  const std::uint64_t one = 1;
  (void)::write(inbox.event_fd, &one, sizeof one);
  return true;
}

std::size_t FlowSteering::take(std::size_t queue, std::span<ReceivedPacket> out) {
  Inbox& inbox = *inboxes_[queue];
  std::uint64_t signalled = 0;
  (void)::read(inbox.event_fd, &signalled, sizeof signalled);
  std::lock_guard guard(inbox.lock);
  std::size_t n = 0;
  for (; n < out.size() && !inbox.parcels.empty(); ++n) {
    Parcel& parcel = inbox.parcels.front();
    ReceivedPacket& packet = out[n];
    if (packet.storage.size() < parcel.bytes.size()) packet.storage.resize(parcel.bytes.size());
    std::memcpy(packet.storage.data(), parcel.bytes.data(), parcel.bytes.size());
    packet.length = parcel.bytes.size();
    packet.checksum_trusted = parcel.checksum_trusted;
    packet.checksum_partial = parcel.checksum_partial;
    inbox.parcels.pop_front();
  }
  if (!inbox.parcels.empty()) {
    const std::uint64_t one = 1;  // more than `out` held: stay readable
    (void)::write(inbox.event_fd, &one, sizeof one);
  }
  return n;
}

int FlowSteering::wake_fd(std::size_t queue) const {
  return inboxes_[queue]->event_fd;
}

SteeredQueue::SteeredQueue(Device& queue_device, FlowSteering& steering, std::size_t queue)
    : inner_(queue_device), steering_(steering), queue_(queue), epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {
  for (const int fd : {inner_.poll_fd(), steering_.wake_fd(queue_)}) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.fd = fd;
    if (epoll_fd_ >= 0) (void)::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &e);
  }
}

SteeredQueue::~SteeredQueue() {
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

Result<std::size_t, std::string> SteeredQueue::receive(std::span<ReceivedPacket> out) {
  if (epoll_fd_ < 0) return fail(std::string("flow steering: epoll_create1 failed"));
  std::size_t n = steering_.take(queue_, out);
  taken_over_.fetch_add(n, std::memory_order_relaxed);
  while (n < out.size()) {
    const std::span<ReceivedPacket> room = out.subspan(n);
    auto got = inner_.receive(room);
    if (!got) return fail(got.error());
    for (std::size_t i = 0; i < *got; ++i) {
      const std::size_t owner = steering_.owner(room[i].bytes());
      if (owner == queue_) {
        std::swap(out[n], room[i]);  // kept, in arrival order (n <= the index of room[i])
        ++n;
      } else if (steering_.hand_off(owner, room[i])) {
        handed_off_.fetch_add(1, std::memory_order_relaxed);
      } else {
        hand_off_drops_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    if (*got < room.size()) break;  // the queue is empty
  }
  return n;
}

}  // namespace finwait::netdev
