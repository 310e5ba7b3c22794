// FIN-WAIT-2 and the remedies of the seed story (DESIGN.md "The story"):
// RFC 793 gives FIN-WAIT-2 no timeout; finwait bounds an orphan with
// tcp_finwait2 (TCP_LINGER2 per socket) and a half-closed one with
// tcp_finwait2_halfclosed.
#include "tests/tcp/connection_harness.h"

namespace finwait::tcp::testing {
namespace {

// The server closes, the client ACKs the FIN at 10 ms, then crashes.
void close_and_peer_vanishes(ConnectionHarness& h) {
  h.establish_passive();
  h.close();
  h.expect("F. 1:1(0) ack 1");
  h.run_for(milliseconds(10));
  h.inject(". 1:1(0) ack 2 win 65535");
  ASSERT_EQ(h.connection().state(), State::fin_wait_2);
}

TEST(FinWait2, AixOrphanLeavesAt600Seconds) {
  ConnectionHarness h(Profile::aix);
  close_and_peer_vanishes(h);
  const Instant entered = *h.entered_at(State::fin_wait_2);
  h.expect_quiet_until(entered - Instant{} + seconds(600) - milliseconds(1));
  EXPECT_EQ(h.connection().state(), State::fin_wait_2);
  h.run_until(entered - Instant{} + seconds(600));
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::finwait2_timeout);
  EXPECT_EQ(h.entered_at(State::closed), entered + seconds(600));
  h.expect_nothing_now();  // it leaves silently
}

TEST(FinWait2, LinuxOrphanLeavesAt60Seconds) {
  ConnectionHarness h(Profile::linux);
  close_and_peer_vanishes(h);
  h.run_until(seconds(61));
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.entered_at(State::closed), *h.entered_at(State::fin_wait_2) + seconds(60));
}

TEST(FinWait2, Rfc793OrphanIsStillThereAfterThirtyDays) {
  ConnectionHarness h(Profile::rfc793);
  close_and_peer_vanishes(h);
  h.expect_quiet_until(hours(24 * 30));
  EXPECT_EQ(h.connection().state(), State::fin_wait_2);
  EXPECT_EQ(h.connection().next_deadline(), Instant::never());
}

TEST(FinWait2, Linger2OverridesTheTunable) {
  // fin_wait2_timeout.pkt: TCP_LINGER2 of 1 s.
  ConnectionHarness h(Profile::aix);
  h.options().linger2 = seconds(1);
  close_and_peer_vanishes(h);
  h.run_until(seconds(2));
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.entered_at(State::closed), *h.entered_at(State::fin_wait_2) + seconds(1));
}

TEST(FinWait2, Linger2NegativeResetsInsteadOfWaiting) {
  ConnectionHarness h;
  h.options().linger2_negative = true;
  h.establish_passive();
  h.close();
  h.expect("F. 1:1(0) ack 1");
  h.inject(". 1:1(0) ack 2 win 65535");
  h.expect("R. 2:2(0) ack 1 win 65535");
  EXPECT_EQ(h.cause_of(State::closed), Cause::linger2_negative);
}

TEST(FinWait2, TunableChangeTakesEffectForTheNextTimer) {
  // `finwait no -o tcp_finwait2=240` (120 s) before the FIN is acknowledged.
  ConnectionHarness h(Profile::aix);
  h.establish_passive();
  h.close();
  h.next_sent();
  h.tune(TunableId::tcp_finwait2, 240);
  h.inject(". 1:1(0) ack 2 win 65535");
  h.run_until(seconds(121));
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.entered_at(State::closed), Instant{} + seconds(120));
}

TEST(FinWait2, HalfClosedIsNotBoundByTheOrphanTimer) {
  // shutdown(SHUT_WR) and the application keeps the socket: RFC 793 and Linux
  // leave this FIN-WAIT-2 alone, since the application may still read.
  ConnectionHarness h(Profile::aix);
  h.establish_passive();
  h.shutdown(Shutdown::write);
  h.next_sent();
  h.inject(". 1:1(0) ack 2 win 65535");
  h.expect_quiet_until(hours(24));
  EXPECT_EQ(h.connection().state(), State::fin_wait_2);
}

TEST(FinWait2, HalfClosedIsBoundByItsOwnTunable) {
  ConnectionHarness h(Profile::aix);
  h.tune(TunableId::tcp_finwait2_halfclosed, 7200);  // one hour
  h.establish_passive();
  h.shutdown(Shutdown::write);
  h.next_sent();
  h.inject(". 1:1(0) ack 2 win 65535");
  h.run_until(minutes(59));
  EXPECT_EQ(h.connection().state(), State::fin_wait_2);
  h.run_until(minutes(61));
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::finwait2_halfclosed_timeout);
  EXPECT_EQ(h.entered_at(State::closed), Instant{} + hours(1));
  EXPECT_EQ(h.connection().pending_error(), Errno::etimedout);
}

TEST(FinWait2, CloseAfterShutdownStartsTheOrphanTimerThen) {
  ConnectionHarness h(Profile::linux);
  h.establish_passive();
  h.shutdown(Shutdown::write);
  h.next_sent();
  h.inject(". 1:1(0) ack 2 win 65535");
  h.run_until(seconds(100));
  h.close();
  h.run_until(seconds(159));
  EXPECT_EQ(h.connection().state(), State::fin_wait_2);
  h.run_until(seconds(160));
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::finwait2_timeout);
}

TEST(FinWait2, PeerFinStillEndsItNormally) {
  ConnectionHarness h(Profile::aix);
  close_and_peer_vanishes(h);
  h.run_for(seconds(300));
  h.inject("F. 1:1(0) ack 2 win 65535");
  h.expect(". 2:2(0) ack 2");
  EXPECT_EQ(h.connection().state(), State::time_wait);
  // aix: tcp_timewait is one 15-second unit.
  h.run_for(seconds(15));
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::time_wait_expired);
}

}  // namespace
}  // namespace finwait::tcp::testing
