// A stack per queue of a multi-queue device (DESIGN.md "Layers"): every
// packet of a connection must reach the one stack that owns it, whichever
// queue it came in on.
//
// The owner of a connection is a keyed hash of its remote address and port
// and its local port, taken modulo the number of queues: the same answer on
// every thread, for every packet of the connection, for ICMP errors quoting
// it too, and not one an attacker can aim (SipHash, a random key).
//
// Why finwait does not leave this to the kernel: Linux's TUN picks a queue
// for a packet by the queue that last wrote the flow's packets (a flow table
// that forgets an entry after 3 s idle) and otherwise by its own symmetric
// hash with a per-boot random seed, which finwait cannot compute. A new
// connection's SYN, and any packet of a connection idle for over 3 s, can so
// arrive on any queue. Each stack writes on its own queue, so once it has
// answered, the kernel learns the flow and sends it straight to the owner;
// SteeredQueue hands over the rest, through the owner's inbox.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "base/siphash.h"
#include "netdev/device.h"

namespace finwait::netdev {

class FlowSteering {
 public:
  // A packet handed over waits in its owner's inbox; past this many the
  // newest is dropped, as a full device queue drops.
  static constexpr std::size_t k_inbox_limit = 4096;

  FlowSteering(std::size_t queues, SipKey key);
  ~FlowSteering();
  FlowSteering(const FlowSteering&) = delete;
  FlowSteering& operator=(const FlowSteering&) = delete;

  std::size_t queues() const { return inboxes_.size(); }
  // The queue whose stack owns the connection of this IPv4 packet: TCP by
  // its ports, an ICMP error by the TCP header it quotes. Anything else (no
  // ports to read: a fragment, another protocol, a runt) goes to queue 0,
  // whose stack counts and drops it as a single stack would.
  std::size_t owner(std::span<const std::uint8_t> packet) const;

  // Any thread: puts a copy of the packet in `queue`'s inbox and wakes it.
  // False when the inbox is full and the packet was dropped.
  bool hand_off(std::size_t queue, const ReceivedPacket& packet);
  // `queue`'s thread: moves up to out.size() waiting packets into `out`.
  std::size_t take(std::size_t queue, std::span<ReceivedPacket> out);
  // Polls readable while `queue`'s inbox holds packets (an eventfd).
  int wake_fd(std::size_t queue) const;

 private:
  struct Parcel {
    std::vector<std::uint8_t> bytes;
    bool checksum_trusted = false;
    bool checksum_partial = false;
  };
  struct Inbox {
    std::mutex lock;
    std::deque<Parcel> parcels;
    int event_fd = -1;
  };
  std::size_t owner_of(std::uint32_t remote, std::uint16_t remote_port, std::uint16_t local_port) const;

  SipKey key_;
  std::vector<std::unique_ptr<Inbox>> inboxes_;
};

// One queue's device as its stack sees it: what the inbox holds, then what
// the queue reads that this stack owns; the rest goes to its owner. Sending
// is the queue's own. Polls readable when either has packets.
class SteeredQueue : public Device {
 public:
  SteeredQueue(Device& queue_device, FlowSteering& steering, std::size_t queue);
  ~SteeredQueue() override;
  SteeredQueue(const SteeredQueue&) = delete;
  SteeredQueue& operator=(const SteeredQueue&) = delete;

  int poll_fd() const override { return epoll_fd_; }
  std::uint16_t mtu() const override { return inner_.mtu(); }
  Offloads offloads() const override { return inner_.offloads(); }
  Result<std::size_t, std::string> receive(std::span<ReceivedPacket> out) override;
  Result<bool, std::string> send(std::span<const std::uint8_t> packet, std::uint16_t segment_size) override {
    return inner_.send(packet, segment_size);
  }

  // Packets read on this queue that another stack owned, and of those the
  // ones its full inbox dropped; packets this stack took from its inbox.
  std::uint64_t handed_off() const { return handed_off_.load(std::memory_order_relaxed); }
  std::uint64_t hand_off_drops() const { return hand_off_drops_.load(std::memory_order_relaxed); }
  std::uint64_t taken_over() const { return taken_over_.load(std::memory_order_relaxed); }

 private:
  Device& inner_;
  FlowSteering& steering_;
  std::size_t queue_;
  int epoll_fd_ = -1;
  std::atomic<std::uint64_t> handed_off_{0};
  std::atomic<std::uint64_t> hand_off_drops_{0};
  std::atomic<std::uint64_t> taken_over_{0};
};

}  // namespace finwait::netdev
