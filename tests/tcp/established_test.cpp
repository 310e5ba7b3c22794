// ESTABLISHED: data both ways, the acceptability test (RFC 9293 3.10.7.4
// first), RST and SYN handling (RFC 5961 3-4), the ACK range check (RFC 5961
// 5), window updates, and the Linux ACK timing scripts rely on.
#include "tests/tcp/connection_harness.h"

namespace finwait::tcp::testing {
namespace {

TEST(Established, DataBothWays) {
  ConnectionHarness h;
  h.establish_passive();
  EXPECT_EQ(h.write(1000), 1000u);
  h.expect("P. 1:1001(1000) ack 1");
  h.inject(". 1:1(0) ack 1001 win 65535");
  h.inject("P. 1:101(100) ack 1001 win 65535");
  // The first data of a connection is acknowledged at once (quick ACK mode).
  h.expect(". 1001:1001(0) ack 101");
  auto read = h.read(1000);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, 100u);
  EXPECT_EQ(h.read(10).error(), Errno::eagain);
}

TEST(Established, LargeWriteIsCutIntoSegmentsWithPushOnTheLast) {
  ConnectionHarness h;
  h.establish_passive("S 0:0(0) win 65535 <mss 1000>");
  EXPECT_EQ(h.write(2500), 2500u);
  h.expect(". 1:1001(1000) ack 1");
  h.expect(". 1001:2001(1000) ack 1");
  h.expect("P. 2001:2501(500) ack 1");
}

TEST(Established, NagleHoldsASmallSegmentWhileDataIsInFlight) {
  // RFC 1122 4.2.3.4.
  ConnectionHarness h;
  h.establish_passive();
  h.write(10);
  h.expect("P. 1:11(10) ack 1");
  h.write(10);
  h.expect_nothing_now();
  h.inject(". 1:1(0) ack 11 win 65535");
  h.expect("P. 11:21(10) ack 1");
}

TEST(Established, NodelaySendsSmallSegmentsAtOnce) {
  ConnectionHarness h;
  h.options().nodelay = true;
  h.establish_passive();
  h.write(10);
  h.expect("P. 1:11(10) ack 1");
  h.write(10);
  h.expect("P. 11:21(10) ack 1");
}

TEST(Established, DelayedAckAfterQuickAckModeEnds) {
  ConnectionHarness h;
  h.establish_passive("S 0:0(0) win 65535 <mss 1000>");
  h.tune(TunableId::tcp_recvspace, 4096);  // a small window: two quick ACKs
  // Quick ACKs for the first segments, then ACKs wait up to 40 ms, or go at
  // once when more than one full segment is unacknowledged.
  h.inject("P. 1:101(100) ack 1 win 65535");
  h.expect(". 1:1(0) ack 101");
  h.drain(1000);
  for (int i = 1; i < 16; ++i) {
    h.inject(std::string("P. ") + std::to_string(i * 100 + 1) + ":" + std::to_string(i * 100 + 101) +
             "(100) ack 1 win 65535");
    h.drain(1000);
    h.next_sent();
  }
  h.inject("P. 1601:1701(100) ack 1 win 65535");
  h.expect_nothing_now();
  h.expect_at(milliseconds(40), ". 1:1(0) ack 1701");
}

TEST(Established, FinAfterNoDataIsAcknowledgedAtOnce) {
  // Linux: the delayed-ACK timeout is zero until data has been received.
  ConnectionHarness h;
  h.establish_passive();
  h.inject("F. 1:1(0) ack 1 win 65535");
  h.expect(". 1:1(0) ack 2");
  EXPECT_EQ(h.connection().state(), State::close_wait);
  EXPECT_EQ(h.cause_of(State::close_wait), Cause::fin_received);
  EXPECT_EQ(*h.read(100), 0u);  // end of stream
}

TEST(Established, FinAfterDataMayWaitForTheDelayedAck) {
  // tcp_close_no_rst.pkt: "+0~+.04 > . 1:1(0) ack 1002".
  ConnectionHarness h;
  h.establish_passive("S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop>");
  h.inject(". 1:1001(1000) ack 1 win 32792");
  h.expect(". 1:1(0) ack 1001");
  h.drain(1000);
  h.inject("F. 1:1001(1000) ack 1 win 32792");
  auto ack = h.next_sent(milliseconds(40));
  ASSERT_TRUE(ack);
  EXPECT_LE(ack->at - Instant{}, milliseconds(40));
  EXPECT_EQ(h.describe(*ack), ". 1:1(0) ack 1002 win 65535");
}

TEST(Established, UnacceptableSegmentsGetAnAck) {
  // RFC 9293 3.10.7.4 first: not acceptable -> <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
  ConnectionHarness h;
  h.establish_passive();
  h.inject("P. 1:101(100) ack 1 win 65535");
  h.expect(". 1:1(0) ack 101");
  // An old duplicate (all before RCV.NXT).
  h.inject("P. 1:101(100) ack 1 win 65535");
  h.expect(". 1:1(0) ack 101");
  // Far beyond the window.
  h.inject("P. 2000000:2000100(100) ack 1 win 65535");
  h.expect(". 1:1(0) ack 101");
  // Pure ACKs out of window are answered at most every 500 ms (tcp_invalid_ratelimit).
  h.inject(". 3000000:3000000(0) ack 1 win 65535");
  h.expect(". 1:1(0) ack 101");
  h.inject(". 3000000:3000000(0) ack 1 win 65535");
  h.expect_nothing_now();
  h.run_for(milliseconds(500));
  h.inject(". 3000000:3000000(0) ack 1 win 65535");
  h.expect(". 1:1(0) ack 101");
  EXPECT_EQ(h.connection().state(), State::established);
}

TEST(Established, OutOfOrderDataGetsADuplicateAck) {
  ConnectionHarness h;
  h.establish_passive();
  h.inject("P. 101:201(100) ack 1 win 65535");
  h.expect(". 1:1(0) ack 1");
  EXPECT_EQ(h.connection().readable_bytes(), 0u);
}

TEST(Established, ResetAtRcvNxtResetsTheConnection) {
  // no_rst_to_rst.pkt, RFC 5961 3.2.
  ConnectionHarness h;
  h.establish_passive();
  h.inject("R 1:1(0) win 0");
  h.expect_nothing_now();  // never a RST for a RST
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::rst_received);
  EXPECT_EQ(h.read(4).error(), Errno::econnreset);
  EXPECT_EQ(*h.read(4), 0u);
}

TEST(Established, ResetInWindowButNotAtRcvNxtGetsAChallengeAck) {
  // RFC 5961 3.2: "If the RST bit is set and the sequence number does not
  // exactly match the next expected sequence value, yet is within the current
  // receive window, TCP MUST send an acknowledgment (challenge ACK)".
  ConnectionHarness h;
  h.establish_passive();
  h.inject("R 10:10(0) win 0");
  h.expect(". 1:1(0) ack 1");
  EXPECT_EQ(h.connection().state(), State::established);
  // Outside the window: dropped without a word.
  h.run_for(seconds(1));
  h.inject("R 1000000:1000000(0) win 0");
  h.expect_nothing_now();
  // The window edge itself is outside: RCV.NXT + RCV.WND.
  EXPECT_EQ(h.connection().state(), State::established);
}

TEST(Established, SynInASynchronizedStateGetsAChallengeAck) {
  // RFC 5961 4.2: whatever its sequence number.
  ConnectionHarness h;
  h.establish_passive();
  h.inject("S 0:0(0) win 65535 <mss 1460>");
  h.expect(". 1:1(0) ack 1");
  h.run_for(seconds(1));
  h.inject("S 500:500(0) win 65535 <mss 1460>");
  h.expect(". 1:1(0) ack 1");
  EXPECT_EQ(h.connection().state(), State::established);
}

TEST(Established, ChallengeAcksAreRateLimitedPerConnection) {
  ConnectionHarness h;
  h.establish_passive();
  h.inject("R 10:10(0) win 0");
  h.expect(". 1:1(0) ack 1");
  h.inject("R 11:11(0) win 0");
  h.expect_nothing_now();
}

TEST(Established, AckOfUnsentDataIsAnsweredAndDropped) {
  // RFC 9293: SEG.ACK > SND.NXT -> send an ACK, drop the segment.
  ConnectionHarness h;
  h.establish_passive();
  h.inject("P. 1:101(100) ack 50 win 65535");
  h.expect(". 1:1(0) ack 1");
  EXPECT_EQ(h.connection().readable_bytes(), 0u);
}

TEST(Established, VeryOldAckIsChallenged) {
  // RFC 5961 5.2: SEG.ACK < SND.UNA - MAX.SND.WND.
  ConnectionHarness h;
  h.establish_passive("S 0:0(0) win 1000 <mss 1000>");
  h.inject(". 1:1(0) ack 1 win 1000");
  h.write(1000);
  h.next_sent();
  h.inject(". 1:1(0) ack 1001 win 1000");
  h.run_for(seconds(1));
  h.inject("P. 1:11(10) ack 4294000000 win 1000");
  h.expect(". 1001:1001(0) ack 1");
  EXPECT_EQ(h.connection().readable_bytes(), 0u);
}

TEST(Established, WindowUpdateFollowsWl1AndWl2) {
  ConnectionHarness h;
  h.establish_passive();
  h.inject(". 1:1(0) ack 1 win 100");
  EXPECT_EQ(h.connection().snd_wnd(), 100u);
  // An older segment (SEG.SEQ < SND.WL1) does not move the window.
  h.inject("P. 1:11(10) ack 1 win 50");
  EXPECT_EQ(h.connection().snd_wnd(), 50u);
  h.inject(". 1:1(0) ack 1 win 70");
  EXPECT_EQ(h.connection().snd_wnd(), 50u);
}

TEST(Established, WindowsAsLinuxAnnouncesThem) {
  // Linux with packetdrill's defaults (tcp_rmem 540000, max 15 MiB): the
  // SYN-ACK offers half the buffer, at most 65535; the scale is the one for
  // 15 MiB (8); later windows round up to the scale.
  ConnectionHarness h;
  h.open_passive("S 0:0(0) win 65535 <mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>");
  h.expect("S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 0 ecr 1,nop,wscale 8>");
  h.inject(". 1:1(0) ack 1 win 257 <nop,nop,TS val 2 ecr 1>");
  h.inject("P. 1:1001(1000) ack 1 win 257 <nop,nop,TS val 3 ecr 1>");
  // The data is measured (Linux 6.x's tcp_measure_rcv_mss): 1000 bytes in
  // a 2304-byte truesize make the scaling ratio 111/256, so the segment's
  // memory is worth 999 bytes of window, no more than it carries, and the
  // offer grows by two of our segments (tcp_grow_window): 65535 + 2 x 1448
  // = 68431 bytes, rounded up to 256: 268.
  h.expect(". 1:1(0) ack 1001 win 268 <nop,nop,TS val 0 ecr 3>");
}

TEST(Established, LinuxCountsTheBufferInMemoryNotBytes) {
  // SO_RCVBUF 10000 (a 20000-byte buffer, locked): the window is clamped to
  // half of it and the scale to 0. The first 1000 bytes (truesize 2304) set
  // the scaling ratio to 111/256: the buffer is worth 8671 bytes of window,
  // 7673 with them queued, 7000 in whole segments, but the right edge
  // already offered stays: 7760. A 4000-byte packet costs 8448 bytes of
  // memory (a page of head, a page for the rest, the sk_buff), the ratio
  // becomes 121/256, so the window left is (20000 - 8448) x 121/256 = 5460,
  // in whole segments of the largest the peer sent (the 4000 bytes count as
  // one of our MSS, 1460): 4380. Packetdrill marks such a packet as built of --mss segments, and
  // the kernel's tcp_rcv_big_endseq test sees 5000.
  ConnectionHarness h;
  h.options().receive_buffer = 20000;
  h.open_passive("S 0:0(0) win 32792 <mss 1000,nop,wscale 7>");
  h.expect("S. 0:0(0) ack 1 win 8760 <mss 1460,nop,wscale 0>");
  h.inject(". 1:1(0) ack 1 win 257");
  h.inject("P. 1:1001(1000) ack 1 win 257");
  h.expect(". 1:1(0) ack 1001 win 7760");
  h.drain(1000);
  h.inject("P. 1001:5001(4000) ack 1 win 257");
  h.expect(". 1:1(0) ack 5001 win 4380");
}

TEST(Established, ReceiveWindowShrinksAsDataWaitsUnread) {
  // The classic receiver (AIX's profile): the window is the free bytes.
  ConnectionHarness h(Profile::aix);
  h.tune(TunableId::tcp_recvspace, 4096);
  h.establish_passive("S 0:0(0) win 65535 <mss 1000>");
  h.inject("P. 1:1001(1000) ack 1 win 65535");
  h.expect(". 1:1(0) ack 1001 win 3096");
  h.inject("P. 1001:2001(1000) ack 1 win 65535");
  h.expect(". 1:1(0) ack 2001 win 2096");
  h.inject("P. 2001:3001(1000) ack 1 win 65535");
  // Quick-ACK mode is over (two for a 4 KiB window): the ACK waits 40 ms.
  h.expect_at(milliseconds(40), ". 1:1(0) ack 3001 win 1096");
  // Reading a little does not double the window: no update (Linux's tcp_cleanup_rbuf).
  h.drain(500);
  h.expect_nothing_now();
  // Reading the rest does: the peer is told.
  h.drain(2500);
  h.expect(". 1:1(0) ack 3001 win 4096");
}

}  // namespace
}  // namespace finwait::tcp::testing
