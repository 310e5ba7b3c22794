// netdev::FaultInjector over a recording device: what it drops, doubles and
// flips, in and out, and that one seed gives one run of faults.
#include "netdev/fault_injector.h"

#include <gtest/gtest.h>

#include "recording_device.h"

namespace finwait::netdev {
namespace {

const std::vector<std::uint8_t> k_packet(60, 0x11);

TEST(FaultInjector, WithoutFaultsPassesEverythingThrough) {
  RecordingDevice inner;
  FaultInjector faults(inner, FaultConfig{});
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(faults.send(k_packet, 0).ok());
  EXPECT_EQ(inner.sent.size(), 100u);
  EXPECT_EQ(inner.sent[0], k_packet);
}

TEST(FaultInjector, LossOneDropsEverythingBothWays) {
  RecordingDevice inner;
  FaultInjector faults(inner, FaultConfig{.loss = 1});
  EXPECT_TRUE(faults.send(k_packet, 0).ok());  // as a wire loses it: the sender cannot tell
  EXPECT_TRUE(inner.sent.empty());
  inner.waiting.assign(3, k_packet);
  std::vector<ReceivedPacket> batch(8);
  EXPECT_EQ(*faults.receive(batch), 0u);
  EXPECT_EQ(faults.tally().dropped, 4u);
}

TEST(FaultInjector, DuplicateOneDoublesEverythingBothWays) {
  RecordingDevice inner;
  FaultInjector faults(inner, FaultConfig{.duplicate = 1});
  ASSERT_TRUE(faults.send(k_packet, 0).ok());
  EXPECT_EQ(inner.sent.size(), 2u);
  inner.waiting.assign(1, k_packet);
  std::vector<ReceivedPacket> batch(1);
  EXPECT_EQ(*faults.receive(batch), 1u);
  EXPECT_EQ(*faults.receive(batch), 1u);  // the copy, on the next read
  EXPECT_EQ(std::vector(batch[0].bytes().begin(), batch[0].bytes().end()), k_packet);
}

TEST(FaultInjector, CorruptionFlipsOneByteAfterTheIpHeaderAndRevokesTrust) {
  RecordingDevice inner;
  FaultInjector faults(inner, FaultConfig{.corrupt = 1});
  ASSERT_TRUE(faults.send(k_packet, 0).ok());
  int differing = 0;
  for (std::size_t i = 0; i < k_packet.size(); ++i) differing += inner.sent[0][i] != k_packet[i] ? 1 : 0;
  EXPECT_EQ(differing, 1);
  EXPECT_TRUE(std::equal(k_packet.begin(), k_packet.begin() + 20, inner.sent[0].begin()));
  inner.waiting.assign(1, k_packet);
  std::vector<ReceivedPacket> batch(1);
  ASSERT_EQ(*faults.receive(batch), 1u);
  EXPECT_FALSE(batch[0].checksum_trusted);  // the stack must check what we flipped
  // A packet the device segments is never corrupted: its checksum would be
  // finished over the flipped byte.
  const std::vector<std::uint8_t> large(4000, 0x22);
  ASSERT_TRUE(faults.send(large, 1448).ok());
  EXPECT_EQ(inner.sent.back(), large);
}

TEST(FaultInjector, OneSeedOneRun) {
  auto run = [](std::uint64_t seed) {
    RecordingDevice inner;
    FaultInjector faults(inner, FaultConfig{.loss = 0.3, .duplicate = 0.1, .corrupt = 0.1, .seed = seed});
    for (int i = 0; i < 1000; ++i) (void)faults.send(k_packet, 0);
    return inner.sent;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
  const auto sent = run(7);
  EXPECT_GT(sent.size(), 600u);  // about 0.7 x 1.1 x 1000
  EXPECT_LT(sent.size(), 880u);
}

}  // namespace
}  // namespace finwait::netdev
