#include "tcp/reassembly.h"

#include <gtest/gtest.h>

#include "tcp/receiver_sacks.h"

namespace finwait::tcp {
namespace {

using wire::SeqNum;

SeqRange r(std::uint32_t left, std::uint32_t right) { return SeqRange{SeqNum{left}, SeqNum{right}}; }

TEST(Reassembly, MergesTouchingAndOverlappingRanges) {
  Reassembly q;
  EXPECT_TRUE(q.add(r(10, 20)).stored);
  EXPECT_TRUE(q.add(r(30, 40)).stored);
  const auto bridge = q.add(r(20, 30));
  EXPECT_FALSE(bridge.duplicate) << "touching is not overlapping";
  EXPECT_EQ(bridge.merged, r(10, 40));
  ASSERT_EQ(q.ranges().size(), 1u);
}

TEST(Reassembly, ReportsTheFirstDuplicatePart) {
  Reassembly q;
  q.add(r(10, 20));
  q.add(r(30, 40));
  const auto again = q.add(r(15, 35));
  ASSERT_TRUE(again.duplicate);
  EXPECT_EQ(*again.duplicate, r(15, 20));
  EXPECT_EQ(again.merged, r(10, 40));
}

TEST(Reassembly, DrainMovesRcvNxtPastWhatItReaches) {
  Reassembly q;
  q.add(r(10, 20));
  q.add(r(30, 40));
  auto d = q.drain(SeqNum{5});
  EXPECT_EQ(d.rcv_nxt, SeqNum{5});
  d = q.drain(SeqNum{10});
  EXPECT_EQ(d.rcv_nxt, SeqNum{20});
  EXPECT_FALSE(d.duplicate);
  d = q.drain(SeqNum{35});  // in-order data covered part of the held range
  EXPECT_EQ(d.rcv_nxt, SeqNum{40});
  ASSERT_TRUE(d.duplicate);
  EXPECT_EQ(*d.duplicate, r(30, 35));
  EXPECT_TRUE(q.empty());
}

TEST(Reassembly, WorksAcrossTheSequenceWrap) {
  Reassembly q;
  q.add(r(0xfffffff0u, 0xfffffffau));
  q.add(r(5, 10));
  q.add(r(0xfffffffau, 5));
  ASSERT_EQ(q.ranges().size(), 1u);
  EXPECT_EQ(q.ranges()[0], r(0xfffffff0u, 10));
}

TEST(Reassembly, RefusesAHoleBeyondTheBound) {
  Reassembly q;
  for (std::uint32_t i = 0; i < Reassembly::k_max_ranges; ++i) ASSERT_TRUE(q.add(r(i * 10, i * 10 + 5)).stored);
  EXPECT_FALSE(q.add(r(100000, 100005)).stored) << "one more hole";
  EXPECT_TRUE(q.add(r(5, 10)).stored) << "filling one is always allowed";
}

TEST(ReceiverSacks, LatestBlockFirstAndAtMostFourRemembered) {
  ReceiverSacks s;
  for (std::uint32_t i = 1; i <= 5; ++i) s.on_out_of_order(r(i * 100, i * 100 + 10));
  const wire::SackBlocks b = s.take_blocks(4);
  ASSERT_EQ(b.count, 4);
  EXPECT_EQ(b.blocks[0].left, SeqNum{500});
  EXPECT_EQ(b.blocks[3].left, SeqNum{200});
}

TEST(ReceiverSacks, AGrownBlockMovesToTheFrontAndSwallowsItsNeighbours) {
  ReceiverSacks s;
  s.on_out_of_order(r(100, 110));
  s.on_out_of_order(r(120, 130));
  s.on_out_of_order(r(300, 310));
  s.on_out_of_order(r(110, 120));
  const wire::SackBlocks b = s.take_blocks(4);
  ASSERT_EQ(b.count, 2);
  EXPECT_EQ(b.blocks[0], (wire::SackBlock{SeqNum{100}, SeqNum{130}}));
  EXPECT_EQ(b.blocks[1], (wire::SackBlock{SeqNum{300}, SeqNum{310}}));
}

TEST(ReceiverSacks, DuplicateGoesFirstAndOnce) {
  ReceiverSacks s;
  s.on_out_of_order(r(100, 110));
  s.on_duplicate(r(1, 50));
  wire::SackBlocks b = s.take_blocks(3);
  ASSERT_EQ(b.count, 2);
  EXPECT_EQ(b.blocks[0].left, SeqNum{1});
  b = s.take_blocks(3);
  ASSERT_EQ(b.count, 1);
  EXPECT_EQ(b.blocks[0].left, SeqNum{100});
}

TEST(ReceiverSacks, RcvNxtRemovesTheBlocksItReaches) {
  ReceiverSacks s;
  s.on_out_of_order(r(100, 110));
  s.on_out_of_order(r(200, 210));
  s.on_rcv_nxt(SeqNum{110}, false);
  const wire::SackBlocks b = s.take_blocks(4);
  ASSERT_EQ(b.count, 1);
  EXPECT_EQ(b.blocks[0].left, SeqNum{200});
  s.on_rcv_nxt(SeqNum{110}, true);
  EXPECT_FALSE(s.any());
}

}  // namespace
}  // namespace finwait::tcp
