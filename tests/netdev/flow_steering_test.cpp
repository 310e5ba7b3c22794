// netdev::FlowSteering and SteeredQueue: one owner for every packet of a
// connection (and for an ICMP error quoting it), whichever queue it arrives
// on; what a queue does not own reaches its owner through the inbox.
#include "netdev/flow_steering.h"

#include <gtest/gtest.h>

#include <set>

#include "base/big_endian.h"
#include "recording_device.h"

namespace finwait::netdev {
namespace {

constexpr std::uint32_t k_local = 0xc6120702;  // 198.18.7.2

// A 40-byte IPv4 TCP packet from remote:remote_port to local:local_port.
std::vector<std::uint8_t> tcp_packet(std::uint32_t remote, std::uint16_t remote_port,
                                     std::uint16_t local_port) {
  std::vector<std::uint8_t> p(40, 0);
  p[0] = 0x45;
  store_be16(&p[2], 40);
  p[8] = 64;
  p[9] = 6;
  store_be32(&p[12], remote);
  store_be32(&p[16], k_local);
  store_be16(&p[20], remote_port);
  store_be16(&p[22], local_port);
  p[32] = 0x50;
  return p;
}

// ICMP destination unreachable from a router, quoting a packet this host
// sent to remote:remote_port from local_port.
std::vector<std::uint8_t> icmp_quoting(std::uint32_t remote, std::uint16_t remote_port,
                                       std::uint16_t local_port) {
  std::vector<std::uint8_t> sent = tcp_packet(k_local, local_port, remote_port);
  store_be32(&sent[16], remote);
  std::vector<std::uint8_t> p(28, 0);
  p[0] = 0x45;
  p[9] = 1;
  store_be32(&p[12], 0xc6120701);
  store_be32(&p[16], k_local);
  p[20] = 3;
  p[21] = 4;
  p.insert(p.end(), sent.begin(), sent.begin() + 28);  // its IP header and 8 bytes of TCP
  store_be16(&p[2], static_cast<std::uint16_t>(p.size()));
  return p;
}

TEST(FlowSteering, OneQueueOwnsEverything) {
  FlowSteering steering(1, SipKey{1, 2});
  EXPECT_EQ(steering.owner(tcp_packet(0xc6120701, 40000, 80)), 0u);
}

TEST(FlowSteering, EveryQueueOwnsAShareAndAnErrorGoesWhereItsConnectionIs) {
  FlowSteering steering(4, SipKey{1, 2});
  std::set<std::size_t> owners;
  for (std::uint16_t port = 40000; port < 40400; ++port) {
    const std::size_t owner = steering.owner(tcp_packet(0xc6120701, port, 80));
    ASSERT_LT(owner, 4u);
    owners.insert(owner);
    EXPECT_EQ(steering.owner(tcp_packet(0xc6120701, port, 80)), owner);  // every packet alike
    EXPECT_EQ(steering.owner(icmp_quoting(0xc6120701, port, 80)), owner) << port;
  }
  EXPECT_EQ(owners.size(), 4u);
}

TEST(FlowSteering, AnotherKeyAnotherSplit) {
  FlowSteering a(2, SipKey{1, 2});
  FlowSteering b(2, SipKey{3, 4});
  int differ = 0;
  for (std::uint16_t port = 40000; port < 40100; ++port)
    differ += a.owner(tcp_packet(0xc6120701, port, 80)) != b.owner(tcp_packet(0xc6120701, port, 80));
  EXPECT_GT(differ, 20);  // about half: the split cannot be aimed without the key
}

TEST(FlowSteering, WhatHasNoPortsGoesToQueueZero) {
  FlowSteering steering(8, SipKey{1, 2});
  std::vector<std::uint8_t> later_fragment = tcp_packet(0xc6120701, 40001, 80);
  store_be16(&later_fragment[6], 185);  // offset 1480
  std::vector<std::uint8_t> udp = tcp_packet(0xc6120701, 40001, 80);
  udp[9] = 17;
  std::vector<std::uint8_t> ipv6(40, 0);
  ipv6[0] = 0x60;
  for (const auto& packet : {later_fragment, udp, ipv6, std::vector<std::uint8_t>(7, 0x45)})
    EXPECT_EQ(steering.owner(packet), 0u);
}

TEST(SteeredQueue, KeepsWhatItOwnsAndHandsOverTheRestInOrder) {
  FlowSteering steering(2, SipKey{5, 6});
  RecordingDevice first;
  RecordingDevice second;
  SteeredQueue queue0(first, steering, 0);
  SteeredQueue queue1(second, steering, 1);
  std::size_t owned_by_1 = 0;
  for (std::uint16_t port = 40000; port < 40064; ++port) {
    first.waiting.push_back(tcp_packet(0xc6120701, port, 80));  // the kernel put all on queue 0
    owned_by_1 += steering.owner(first.waiting.back()) == 1;
  }
  ASSERT_GT(owned_by_1, 0u);
  std::vector<ReceivedPacket> batch(16);  // smaller than what waits: read until the queue is empty
  ASSERT_EQ(*queue0.receive(batch), 16u);
  std::size_t kept = 16;
  while (true) {
    auto got = queue0.receive(batch);
    ASSERT_TRUE(got.ok());
    for (std::size_t i = 0; i < *got; ++i) EXPECT_EQ(steering.owner(batch[i].bytes()), 0u);
    kept += *got;
    if (*got == 0) break;
  }
  EXPECT_EQ(kept, 64 - owned_by_1);
  EXPECT_EQ(queue0.handed_off(), owned_by_1);
  std::vector<ReceivedPacket> other(128);
  ASSERT_EQ(*queue1.receive(other), owned_by_1);
  std::uint16_t last_port = 0;
  for (std::size_t i = 0; i < owned_by_1; ++i) {
    EXPECT_EQ(steering.owner(other[i].bytes()), 1u);
    const std::uint16_t port = load_be16(&other[i].storage[20]);
    EXPECT_GT(port, last_port);  // as they arrived
    last_port = port;
  }
  EXPECT_EQ(queue1.taken_over(), owned_by_1);
}

TEST(SteeredQueue, AFullInboxDropsAndCounts) {
  FlowSteering steering(2, SipKey{5, 6});
  RecordingDevice first;
  SteeredQueue queue0(first, steering, 0);
  std::vector<std::uint8_t> theirs;
  for (std::uint16_t port = 40000; theirs.empty(); ++port) {
    if (steering.owner(tcp_packet(0xc6120701, port, 80)) == 1) theirs = tcp_packet(0xc6120701, port, 80);
  }
  first.waiting.assign(FlowSteering::k_inbox_limit + 10, theirs);
  std::vector<ReceivedPacket> batch(64);
  while (!first.waiting.empty()) ASSERT_EQ(*queue0.receive(batch), 0u);
  EXPECT_EQ(queue0.handed_off(), FlowSteering::k_inbox_limit);
  EXPECT_EQ(queue0.hand_off_drops(), 10u);
}

}  // namespace
}  // namespace finwait::netdev
