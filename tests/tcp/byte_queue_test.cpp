#include "tcp/byte_queue.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace finwait::tcp {
namespace {

TEST(ByteQueue, KeepsItsStorageWhileBusyAndGivesItBackWhenIdle) {
  ByteQueue q(1 << 20);
  const std::vector<std::uint8_t> window(200 * 1024, 'w');
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(q.append(window), window.size());
    q.consume(window.size());
    EXPECT_GE(q.allocated(), window.size()) << "a queue filled and drained again keeps its storage";
  }
  // Now only a little at a time: the large storage goes when it empties.
  const std::vector<std::uint8_t> little(1000, 'l');
  ASSERT_EQ(q.append(little), little.size());
  q.consume(little.size());
  EXPECT_EQ(q.allocated(), 0u);
}

TEST(ByteQueue, AppendsUpToCapacityAndReadsInOrder) {
  ByteQueue q(10);
  std::vector<std::uint8_t> data(15);
  std::iota(data.begin(), data.end(), 0);
  EXPECT_EQ(q.append(data), 10u);
  EXPECT_EQ(q.free_space(), 0u);
  std::vector<std::uint8_t> out(4);
  EXPECT_EQ(q.read(out), 4u);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{0, 1, 2, 3}));
  EXPECT_EQ(q.append(std::span(data).subspan(10)), 4u);
  const auto view = q.peek(0, 100);
  EXPECT_EQ(std::vector<std::uint8_t>(view.begin(), view.end()),
            (std::vector<std::uint8_t>{4, 5, 6, 7, 8, 9, 10, 11, 12, 13}));
}

TEST(ByteQueue, PeekIsClampedAndContiguous) {
  ByteQueue q(100);
  std::vector<std::uint8_t> data(50, 7);
  q.append(data);
  q.consume(20);
  q.append(data);
  EXPECT_EQ(q.size(), 80u);
  EXPECT_EQ(q.peek(70, 100).size(), 10u);
  EXPECT_TRUE(q.peek(80, 1).empty());
}

TEST(ByteQueue, ShrinkingCapacityKeepsWhatIsQueued) {
  ByteQueue q(100);
  std::vector<std::uint8_t> data(80, 1);
  q.append(data);
  q.set_capacity(10);
  EXPECT_EQ(q.size(), 80u);
  EXPECT_EQ(q.free_space(), 0u);
  EXPECT_EQ(q.append(data), 0u);
}

TEST(ByteQueue, BytesWrittenAheadJoinWhenTheGapFills) {
  ByteQueue q(16);
  const std::vector<std::uint8_t> late{4, 5, 6};
  EXPECT_EQ(q.write_ahead(4, late), 3u);
  EXPECT_EQ(q.size(), 0u) << "held bytes are not readable";
  const std::vector<std::uint8_t> head{0, 1, 2, 3};
  EXPECT_EQ(q.append(head), 4u);
  q.extend(3);
  std::vector<std::uint8_t> out(10);
  ASSERT_EQ(q.read(out), 7u);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{0, 1, 2, 3, 4, 5, 6, 0, 0, 0}));
}

TEST(ByteQueue, WritesAheadOnlyWithinTheCapacity) {
  ByteQueue q(8);
  const std::vector<std::uint8_t> data(6, 9);
  EXPECT_EQ(q.write_ahead(4, data), 4u) << "cut at the capacity";
  EXPECT_EQ(q.write_ahead(8, data), 0u) << "wholly past it";
}

TEST(ByteQueue, HeldBytesSurviveSlidingAndGrowth) {
  ByteQueue q(1 << 20);
  std::vector<std::uint8_t> first(1000, 1);
  ASSERT_EQ(q.append(first), 1000u);
  std::vector<std::uint8_t> out(900);
  ASSERT_EQ(q.read(out), 900u);  // the head moves on
  std::vector<std::uint8_t> held(5000);
  std::iota(held.begin(), held.end(), 0);
  ASSERT_EQ(q.write_ahead(50, held), 5000u);  // grows, slides
  const std::vector<std::uint8_t> gap(50, 7);
  ASSERT_EQ(q.append(gap), 50u);
  q.extend(5000);
  std::vector<std::uint8_t> all(10000);
  ASSERT_EQ(q.read(all), 5150u);
  EXPECT_EQ(all[99], 1);
  EXPECT_EQ(all[100], 7);
  EXPECT_EQ(all[150], 0);
  EXPECT_EQ(all[5149], static_cast<std::uint8_t>(4999));
}

}  // namespace
}  // namespace finwait::tcp
