#include "tcp/retransmit_queue.h"

#include <gtest/gtest.h>

#include "tcp/congestion_control.h"

namespace finwait::tcp {
namespace {

using wire::SeqNum;

SentSegment segment(std::uint32_t start, std::uint32_t length, Instant sent = Instant{}) {
  SentSegment s;
  s.start = SeqNum{start};
  s.length = length;
  s.sent = sent;
  return s;
}

wire::SackBlocks sack(std::initializer_list<std::pair<std::uint32_t, std::uint32_t>> blocks) {
  wire::SackBlocks b;
  for (auto [l, r] : blocks) b.blocks[b.count++] = wire::SackBlock{SeqNum{l}, SeqNum{r}};
  return b;
}

TEST(RetransmitQueue, WithThePoolAnEmptiedQueueGivesItsEntriesBackAndTheNextTakesThem) {
  SparePool<RetransmitEntries> pool;
  RetransmitQueue idle;
  RetransmitQueue busy;
  idle.set_pool(&pool);
  busy.set_pool(&pool);
  idle.set_mss(1000);
  busy.set_mss(1000);
  idle.push(segment(1, 3000));
  idle.push(segment(3001, 1000));
  const SentSegment* const storage = &idle.front();
  EXPECT_EQ(idle.acknowledge(SeqNum{4001}).packets, 4u);
  EXPECT_TRUE(idle.empty());
  EXPECT_EQ(idle.packets_out(), 0u);
  EXPECT_EQ(idle.in_flight(), 0u);
  EXPECT_FALSE(idle.highest_sacked().has_value());
  // Nothing to act on: each call is answered as for an empty queue.
  EXPECT_EQ(idle.acknowledge(SeqNum{5001}).packets, 0u);
  EXPECT_EQ(idle.apply_sack(sack({{1, 2}}), SeqNum{4001}, SeqNum{4001}).dsack, true);
  idle.clear_sacks();
  idle.clear();
  EXPECT_TRUE(idle.empty());

  busy.push(segment(1, 500));
  EXPECT_EQ(busy.size(), 1u);
  EXPECT_EQ(&busy.front(), storage) << "the idle queue's entries, lent through the pool: no allocation";
  EXPECT_EQ(busy.front().start, SeqNum{1});
  EXPECT_EQ(busy.packets_out(), 1u) << "the entries taken from the pool start with no counts";
  // A partial ACK keeps the rest; the whole ACK empties it.
  busy.push(segment(501, 2500));
  EXPECT_EQ(busy.acknowledge(SeqNum{1501}).packets, 2u);
  EXPECT_EQ(busy.packets_out(), 2u);
  EXPECT_EQ(busy.acknowledge(SeqNum{3001}).packets, 2u);
  EXPECT_TRUE(busy.empty());
}

TEST(RetransmitQueue, CountsPacketsOfTheMss) {
  RetransmitQueue q;
  q.set_mss(1000);
  q.push(segment(1, 10000));
  EXPECT_EQ(q.packets_out(), 10u);
  EXPECT_EQ(q.in_flight(), 10u);
}

TEST(RetransmitQueue, SackSplitsAtTheBlockEdgesAndMarksOnlyWhatItCovers) {
  RetransmitQueue q;
  q.set_mss(1000);
  q.push(segment(1, 10000));
  const auto r = q.apply_sack(sack({{2001, 3001}, {6001, 7001}}), SeqNum{1}, SeqNum{10001});
  EXPECT_EQ(r.packets, 2u);
  EXPECT_EQ(q.sacked_out(), 2u);
  EXPECT_EQ(q.packets_out(), 10u);
  EXPECT_EQ(q.size(), 5u);  // 1:2001 2001:3001 3001:6001 6001:7001 7001:10001
  EXPECT_EQ(q.highest_sacked(), SeqNum{7001});
}

TEST(RetransmitQueue, DsackIsRecognisedAndMarksNothing) {
  RetransmitQueue q;
  q.set_mss(1000);
  q.push(segment(1001, 2000));
  const auto below = q.apply_sack(sack({{1, 1001}}), SeqNum{1001}, SeqNum{3001});
  EXPECT_TRUE(below.dsack);
  EXPECT_EQ(q.sacked_out(), 0u);
  const auto inside = q.apply_sack(sack({{1001, 2001}, {1001, 3001}}), SeqNum{1001}, SeqNum{3001});
  EXPECT_TRUE(inside.dsack);
  EXPECT_EQ(q.sacked_out(), 2u) << "the second block still counts";
}

TEST(RetransmitQueue, IgnoresBlocksOutsideWhatWasSent) {
  RetransmitQueue q;
  q.set_mss(1000);
  q.push(segment(1, 2000));
  q.apply_sack(sack({{1001, 5001}}), SeqNum{1}, SeqNum{2001});
  EXPECT_EQ(q.sacked_out(), 0u);
}

TEST(RetransmitQueue, LostAndRetransmittedMakeThePipe) {
  RetransmitQueue q;
  q.set_mss(1000);
  q.push(segment(1, 4000));
  q.apply_sack(sack({{3001, 4001}}), SeqNum{1}, SeqNum{4001});
  q.mark_lost(0);  // 1:3001, three packets
  EXPECT_EQ(q.lost_out(), 3u);
  EXPECT_EQ(q.in_flight(), 0u) << "4 out - 1 SACKed - 3 lost";
  q.split(0, 1000);
  q.on_retransmit(0, Instant{} + milliseconds(5));
  EXPECT_EQ(q.retrans_out(), 1u);
  EXPECT_EQ(q.in_flight(), 1u);
  const auto acked = q.acknowledge(SeqNum{1001});
  EXPECT_TRUE(acked.retransmitted_acked);
  EXPECT_FALSE(acked.rtt_from) << "Karn: no sample from a retransmission";
  EXPECT_EQ(q.retrans_out(), 0u);
  EXPECT_EQ(q.lost_out(), 2u) << "1001:3001 is still to be resent";
}

TEST(RetransmitQueue, PartialAckTrimsALargeSegment) {
  RetransmitQueue q;
  q.set_mss(1000);
  q.push(segment(1, 10000, Instant{} + milliseconds(1)));
  const auto acked = q.acknowledge(SeqNum{3001});
  EXPECT_EQ(acked.packets, 3u);
  EXPECT_EQ(acked.delivered, 3u);
  ASSERT_TRUE(acked.rtt_from);
  EXPECT_EQ(q.packets_out(), 7u);
  EXPECT_EQ(q.front().start, SeqNum{3001});
}

TEST(RetransmitQueue, AfterAnRtoAllButTheSackedAreLost) {
  RetransmitQueue q;
  q.set_mss(1000);
  q.push(segment(1, 5000));
  q.apply_sack(sack({{4001, 5001}}), SeqNum{1}, SeqNum{5001});
  q.mark_all_lost();
  EXPECT_EQ(q.lost_out(), 4u);
  EXPECT_EQ(q.in_flight(), 0u);
}

TEST(Reno, SlowStartThenOnePacketPerWindow) {
  CongestionControl reno(CongestionAlgorithm::reno);
  CongestionWindow w;
  w.ssthresh = 12;
  AckSample ack;
  ack.acked = 4;
  reno.on_ack(w, ack);
  EXPECT_EQ(w.cwnd, 12u) << "slow start stops at ssthresh";
  ack.acked = 2;
  reno.on_ack(w, ack);  // the 2 left over went to congestion avoidance
  for (int i = 0; i < 5; ++i) reno.on_ack(w, ack);
  EXPECT_EQ(w.cwnd, 13u);
  EXPECT_EQ(reno.ssthresh(w), 6u);
}

TEST(Cubic, BacksOffTo717PerThousandAndGrowsBackTowardWmax) {
  CongestionControl cubic(CongestionAlgorithm::cubic);
  CongestionWindow w;
  w.cwnd = 100;
  Instant now = Instant{} + seconds(10);
  cubic.on_loss(w, now);
  w.ssthresh = cubic.ssthresh(w);
  EXPECT_EQ(w.ssthresh, 70u);
  w.cwnd = w.ssthresh;
  // A round trip of 100 ms, a window's worth of ACKs per round, for 3 s.
  for (int round = 0; round < 30; ++round) {
    now = now + milliseconds(100);
    AckSample ack;
    ack.acked = 1;
    ack.now = now;
    const std::uint32_t per_round = w.cwnd;
    for (std::uint32_t i = 0; i < per_round; ++i) cubic.on_ack(w, ack);
  }
  EXPECT_GT(w.cwnd, 90u) << "concave growth back to W_max (K is about 4.2 s at C = 0.4)";
  EXPECT_LT(w.cwnd, 110u);
}

TEST(Cubic, HystartLeavesSlowStartWhenTheDelayGrows) {
  CongestionControl cubic(CongestionAlgorithm::cubic);
  CongestionWindow w;
  w.cwnd = 32;
  Instant now = Instant{} + seconds(5);
  std::uint32_t seq = 0;
  for (int i = 0; i < 20; ++i) {  // a first round at 50 ms, spread out
    now = now + milliseconds(5);
    cubic.on_rtt(w, AckSample{1, milliseconds(50), now, seq, seq + 100000});
  }
  EXPECT_TRUE(w.in_slow_start());
  seq += 200000;  // the next round, 20 ms slower
  for (int i = 0; i < 20; ++i) {
    now = now + milliseconds(5);
    cubic.on_rtt(w, AckSample{1, milliseconds(70), now, seq, seq + 100000});
  }
  EXPECT_FALSE(w.in_slow_start());
  EXPECT_EQ(w.ssthresh, 32u);
}

}  // namespace
}  // namespace finwait::tcp
