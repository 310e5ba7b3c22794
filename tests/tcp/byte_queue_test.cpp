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

TEST(ByteQueue, WithThePoolAnEmptiedQueueHoldsNothingAndTheNextOneReusesItsStorage) {
  BytePool pool;
  ByteQueue idle(1 << 20);
  ByteQueue busy(1 << 20);
  idle.set_pool(&pool);
  busy.set_pool(&pool);
  const std::vector<std::uint8_t> reply(10'000, 'r');
  ASSERT_EQ(idle.append(reply), reply.size());
  idle.consume(reply.size());
  EXPECT_EQ(idle.allocated(), 0u) << "an idle connection's queue keeps no buffer memory";
  ASSERT_EQ(pool.buffers.size(), 1u);
  const std::uint8_t* storage = pool.buffers.back()->bytes.get();
  const std::vector<std::uint8_t> some(100, 's');
  ASSERT_EQ(busy.append(some), some.size());
  EXPECT_TRUE(pool.buffers.empty());
  EXPECT_EQ(busy.peek(0, 100).data(), storage) << "taken from the pool, not allocated";
  EXPECT_EQ(std::vector<std::uint8_t>(busy.peek(0, 100).begin(), busy.peek(0, 100).end()), some);
}

TEST(ByteQueue, AFullPoolFreesWhatEmptiesAndStorageFarTooLargeIsNeverPooled) {
  BytePool pool;
  std::vector<ByteQueue> queues;
  for (std::size_t i = 0; i <= BytePool::k_limit; ++i) queues.emplace_back(1 << 20);
  const std::vector<std::uint8_t> some(1000, 's');
  for (ByteQueue& q : queues) {
    q.set_pool(&pool);
    ASSERT_EQ(q.append(some), some.size());
  }
  for (ByteQueue& q : queues) q.consume(some.size());
  EXPECT_EQ(pool.buffers.size(), BytePool::k_limit);
  for (const ByteQueue& q : queues) EXPECT_EQ(q.allocated(), 0u);

  BytePool other;
  ByteQueue q(1 << 20);
  q.set_pool(&other);
  const std::vector<std::uint8_t> window(200 * 1024, 'w');
  ASSERT_EQ(q.append(window), window.size());
  q.consume(window.size());
  ASSERT_EQ(other.buffers.size(), 1u);  // as large as it needed
  ASSERT_EQ(q.append(some), some.size());
  q.consume(some.size());  // 200 KiB for 1000 bytes: freed
  EXPECT_TRUE(other.buffers.empty());
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
