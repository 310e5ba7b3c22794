// Retransmission (RFC 6298): RTO from the RTT estimate, doubling backoff, the
// retry limits (tcp_retries2, orphans), tail loss probes (RFC 8985 7, Linux),
// TCP_USER_TIMEOUT (RFC 5482) and zero-window probing (RFC 9293 3.8.6.1).
#include "tests/tcp/connection_harness.h"

namespace finwait::tcp::testing {
namespace {

TEST(Retransmission, RtoDoublesFromTheMeasuredValue) {
  ConnectionHarness h;
  h.open_passive("S 0:0(0) win 65535 <mss 1460>");
  h.next_sent();
  h.run_for(milliseconds(100));
  h.inject(". 1:1(0) ack 1 win 65535");
  // Linux: srtt 100 ms, variance floored at 200 ms: RTO 300 ms.
  EXPECT_EQ(h.connection().rto(), milliseconds(300));
  h.write(100);
  h.expect_at(milliseconds(100), "P. 1:101(100) ack 1");
  h.expect_at(milliseconds(400), "P. 1:101(100) ack 1");
  h.expect_at(milliseconds(1000), "P. 1:101(100) ack 1");
  h.expect_at(milliseconds(2200), "P. 1:101(100) ack 1");
  h.inject(". 1:1(0) ack 101 win 65535");
  h.expect_quiet_until(seconds(100));
}

TEST(Retransmission, Rfc6298ProfileRoundsTheRtoUpToOneSecond) {
  ConnectionHarness h(Profile::rfc793);
  h.open_passive("S 0:0(0) win 65535 <mss 1460>");
  h.next_sent();
  h.run_for(milliseconds(100));
  h.inject(". 1:1(0) ack 1 win 65535");
  EXPECT_EQ(h.connection().rto(), seconds(1));
}

TEST(Retransmission, Retries2EndsTheConnection) {
  ConnectionHarness h;
  h.tune(TunableId::tcp_retries2, 3);
  h.establish_passive();
  h.write(10);
  h.expect_at(seconds(0), "P. 1:11(10) ack 1");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.next_sent(seconds(100)));
  h.run_until(seconds(100));
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::retransmit_timeout);
  EXPECT_EQ(h.connection().pending_error(), Errno::etimedout);
}

TEST(Retransmission, RtoIsCappedAtTheMaximum) {
  ConnectionHarness h;
  h.tune(TunableId::tcp_rto_max, 5000);
  h.establish_passive();
  h.write(10);
  Instant last = h.now();
  for (int i = 0; i < 8; ++i) {
    auto s = h.next_sent(hours(1));
    ASSERT_TRUE(s);
    EXPECT_LE(s->at - last, seconds(5));
    last = s->at;
  }
}

TEST(Retransmission, TailLossProbeThenRtoAsUserTimeoutScript) {
  // user_timeout.pkt: SACK on, RTT 100 ms, FIN at 2.1 s: a tail loss probe at
  // +300 ms (the RTO bounds the probe timeout), then RTOs at +300 and +600 ms.
  ConnectionHarness h;
  h.open_passive("S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop>");
  h.expect("S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK>");
  h.run_until(milliseconds(100));
  h.inject(". 1:1(0) ack 1 win 32792");
  h.run_until(milliseconds(2100));
  SocketOptions o = h.connection().options();
  o.user_timeout = milliseconds(3000);
  h.set_options(o);
  h.close();
  h.expect_at(milliseconds(2100), "F. 1:1(0) ack 1");
  h.expect_at(milliseconds(2400), "F. 1:1(0) ack 1");
  h.expect_at(milliseconds(2700), "F. 1:1(0) ack 1");
  h.expect_at(milliseconds(3300), "F. 1:1(0) ack 1");
  h.inject(". 1:2(1) ack 1 win 32792");
  h.expect("R 1:1(0)");
}

TEST(Retransmission, UserTimeoutEndsASilentPeer) {
  // RFC 5482: TCP_USER_TIMEOUT bounds how long sent data may stay unacknowledged.
  ConnectionHarness h;
  h.options().user_timeout = seconds(5);
  h.establish_passive();
  h.write(100);
  h.expect_at(seconds(0), "P. 1:101(100) ack 1");
  h.run_until(seconds(10));
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::user_timeout);
  EXPECT_EQ(h.entered_at(State::closed), Instant{} + seconds(5));
  EXPECT_EQ(h.connection().pending_error(), Errno::etimedout);
}

TEST(Retransmission, ZeroWindowIsProbedWithBackoff) {
  ConnectionHarness h;
  h.establish_passive();
  h.inject(". 1:1(0) ack 1 win 0");
  h.write(100);
  h.expect_nothing_now();
  // Window probes: <SEQ=SND.UNA-1>, no data, one RTO after the window closed,
  // then doubling (Linux's tcp_probe_timer). The handshake RTT was 0: RTO 200 ms.
  const Duration rto = h.connection().rto();
  EXPECT_EQ(rto.milliseconds(), 200);
  h.expect_at(rto, ". 0:0(0) ack 1");
  h.expect_at(rto * 3, ". 0:0(0) ack 1");
  h.expect_at(rto * 7, ". 0:0(0) ack 1");
  h.inject(". 1:1(0) ack 1 win 1000");
  h.expect("P. 1:101(100) ack 1");
}

TEST(Retransmission, UserTimeoutBoundsZeroWindowProbing) {
  ConnectionHarness h;
  h.options().user_timeout = seconds(10);
  h.establish_passive();
  h.inject(". 1:1(0) ack 1 win 0");
  h.write(100);
  // The peer answers every probe, still with a zero window.
  for (int i = 0; i < 10 && h.connection().state() != State::closed; ++i) {
    auto probe = h.next_sent(seconds(60));
    if (!probe) break;
    h.inject(". 1:1(0) ack 1 win 0");
  }
  h.run_until(seconds(60));
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::user_timeout);
  EXPECT_LE(*h.entered_at(State::closed) - Instant{}, seconds(15));
}

TEST(Retransmission, OrphanGivesUpAfterEightRetries) {
  ConnectionHarness h;
  h.establish_passive();
  h.close();
  int sent = 0;
  while (h.next_sent(hours(2))) ++sent;
  EXPECT_EQ(sent, 1 + 8);  // the FIN and eight retransmissions (tcp_orphan_retries 0 = 8)
  EXPECT_EQ(h.cause_of(State::closed), Cause::retransmit_timeout);
}

}  // namespace
}  // namespace finwait::tcp::testing
