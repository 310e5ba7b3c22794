#include "tcp/byte_queue.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace finwait::tcp {
namespace {

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

}  // namespace
}  // namespace finwait::tcp
