// Closing: RFC 9293 3.6 (normal and simultaneous close), 3.10.4 (CLOSE),
// 3.10.5 (ABORT), RFC 2525 2.17 (RST on unread data), shutdown(), and the
// close paths of the Linux scripts in shared/conformance.
#include "tests/tcp/connection_harness.h"

namespace finwait::tcp::testing {
namespace {

TEST(Close, ActiveCloseWalksFinWait1FinWait2TimeWaitClosed) {
  // RFC 9293 3.6, figure 12, from the side that closes first.
  ConnectionHarness h;
  h.establish_passive();
  EXPECT_EQ(h.close(), CloseOutcome::orphaned);
  EXPECT_EQ(h.connection().state(), State::fin_wait_1);
  EXPECT_EQ(h.cause_of(State::fin_wait_1), Cause::app_close);
  h.expect("F. 1:1(0) ack 1");
  h.inject(". 1:1(0) ack 2 win 65535");
  EXPECT_EQ(h.connection().state(), State::fin_wait_2);
  EXPECT_EQ(h.cause_of(State::fin_wait_2), Cause::fin_acked);
  h.run_for(seconds(1));
  h.inject("F. 1:1(0) ack 2 win 65535");
  h.expect(". 2:2(0) ack 2");
  EXPECT_EQ(h.connection().state(), State::time_wait);
  // linux profile: TIME-WAIT lasts 60 s.
  h.run_until(seconds(60));
  EXPECT_EQ(h.connection().state(), State::time_wait);
  h.run_until(seconds(61));
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::time_wait_expired);
}

TEST(Close, PassiveCloseWalksCloseWaitLastAckClosed) {
  // close-remote-fin-then-close.pkt.
  ConnectionHarness h;
  h.establish_passive("S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>");
  h.run_for(milliseconds(10));
  h.inject("F. 1:1(0) ack 1 win 257");
  h.expect(". 1:1(0) ack 2");
  EXPECT_EQ(*h.read(1000), 0u);
  h.run_for(milliseconds(10));
  h.close();
  EXPECT_EQ(h.connection().state(), State::last_ack);
  h.expect("F. 1:1(0) ack 2");
  h.run_for(milliseconds(10));
  h.inject(". 2:2(0) ack 2 win 257");
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::fin_acked);
}

TEST(Close, SimultaneousCloseGoesThroughClosing) {
  // RFC 9293 3.6, figure 13.
  ConnectionHarness h;
  h.establish_passive();
  h.close();
  h.expect("F. 1:1(0) ack 1");
  h.inject("F. 1:1(0) ack 1 win 65535");  // their FIN crossed ours
  h.expect(". 2:2(0) ack 2");
  EXPECT_EQ(h.connection().state(), State::closing);
  EXPECT_EQ(h.cause_of(State::closing), Cause::fin_received);
  h.inject(". 2:2(0) ack 2 win 65535");
  EXPECT_EQ(h.connection().state(), State::time_wait);
  EXPECT_EQ(h.cause_of(State::time_wait), Cause::fin_acked);
}

TEST(Close, FinAndAckTogetherGoStraightToTimeWait) {
  ConnectionHarness h;
  h.establish_passive();
  h.close();
  h.expect("F. 1:1(0) ack 1");
  h.inject("F. 1:1(0) ack 2 win 65535");
  h.expect(". 2:2(0) ack 2");
  EXPECT_EQ(h.connection().state(), State::time_wait);
}

TEST(Close, CloseInSynSentSendsNothing) {
  // close-on-syn-sent.pkt: no RST after close() in SYN-SENT.
  ConnectionHarness h;
  h.open_active();
  h.next_sent();
  EXPECT_EQ(h.close(), CloseOutcome::closed);
  h.expect_nothing_now();
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::app_close);
}

TEST(Close, CloseWithUnreadDataResets) {
  // RFC 2525 2.17.
  ConnectionHarness h;
  h.establish_passive();
  h.inject("P. 1:101(100) ack 1 win 65535");
  h.expect(". 1:1(0) ack 101");
  EXPECT_EQ(h.close(), CloseOutcome::closed);
  h.expect("R. 1:1(0) ack 101 win 65535");
  EXPECT_EQ(h.cause_of(State::closed), Cause::unread_data_abort);
}

TEST(Close, CloseAfterReadingEverythingSendsFin) {
  // tcp_close_no_rst.pkt: the data was read, so a FIN, not a RST.
  ConnectionHarness h;
  h.establish_passive();
  h.inject("P. 1:101(100) ack 1 win 65535");
  h.expect(". 1:1(0) ack 101");
  h.drain(100);
  h.close();
  h.expect("F. 1:1(0) ack 101");
}

TEST(Close, CloseFlushesQueuedDataThenFin) {
  ConnectionHarness h;
  h.establish_passive("S 0:0(0) win 65535 <mss 1000>");
  h.inject(". 1:1(0) ack 1 win 1500");
  h.write(2000);
  h.expect(". 1:1001(1000) ack 1");
  h.close();
  EXPECT_EQ(h.connection().state(), State::fin_wait_1);
  h.expect_nothing_now();  // the window allows 500 more bytes, not the rest
  h.inject(". 1:1(0) ack 1001 win 1500");
  h.expect("FP. 1001:2001(1000) ack 1");
  h.inject(". 1:1(0) ack 2002 win 1500");
  EXPECT_EQ(h.connection().state(), State::fin_wait_2);
}

TEST(Close, ShutdownWriteHalfClosesAndKeepsReceiving) {
  // shutdown-wr-close.pkt.
  ConnectionHarness h;
  h.establish_passive();
  h.shutdown(Shutdown::write);
  h.expect("F. 1:1(0) ack 1");
  EXPECT_EQ(h.cause_of(State::fin_wait_1), Cause::app_shutdown);
  h.inject(". 1:1(0) ack 2 win 257");
  EXPECT_EQ(h.connection().send(std::vector<std::uint8_t>(10), h.now()).error(), Errno::epipe);
  h.inject(". 1:1001(1000) ack 2 win 257");
  h.expect(". 2:2(0) ack 1001");
  EXPECT_EQ(*h.read(1000), 1000u);
  h.close();
  h.inject("F. 1001:1001(0) ack 2 win 257");
  h.expect(". 2:2(0) ack 1002");
  EXPECT_EQ(h.connection().state(), State::time_wait);
}

TEST(Close, ShutdownReadKeepsAcceptingData) {
  // shutdown-rd-wr-close.pkt: Linux still ACKs and queues data after SHUT_RD.
  ConnectionHarness h;
  h.establish_passive();
  h.shutdown(Shutdown::read);
  EXPECT_EQ(*h.read(1000), 0u);
  h.inject(". 1:1001(1000) ack 1 win 257");
  h.expect(". 1:1(0) ack 1001");
  EXPECT_EQ(*h.read(1000), 1000u);
}

TEST(Close, DataAfterCloseIsAnsweredWithReset) {
  // RFC 1122 4.2.2.13; user_timeout.pkt ends this way: "R 1:1(0)".
  ConnectionHarness h;
  h.establish_passive();
  h.close();
  h.expect("F. 1:1(0) ack 1");
  h.inject(". 1:2(1) ack 1 win 65535");
  h.expect("R 1:1(0)");
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::data_after_close);
}

TEST(Close, OutOfOrderFinInFinWait2IsAcknowledged) {
  // tcp_disorder_fin_in_FIN_WAIT.pkt: an old ACK on a FIN is still accepted.
  ConnectionHarness h;
  h.establish_passive();
  h.shutdown(Shutdown::write);
  h.expect("F. 1:1(0) ack 1");
  h.inject(". 2:2(0) ack 2 win 257");
  h.expect_nothing_now();
  EXPECT_EQ(h.connection().state(), State::fin_wait_2);
  h.inject("F. 1:1(0) ack 1 win 257");
  h.expect(". 2:2(0) ack 2");
  EXPECT_EQ(h.connection().state(), State::time_wait);
}

TEST(Close, AbortSendsResetFromEverySynchronizedState) {
  // RFC 9293 3.10.5.
  ConnectionHarness h;
  h.establish_passive();
  h.abort();
  auto reset = h.next_sent();
  ASSERT_TRUE(reset);
  EXPECT_EQ(h.describe(*reset), "R. 1:1(0) ack 1 win 65535");
  EXPECT_EQ(h.cause_of(State::closed), Cause::app_abort);
}

TEST(Close, ResetInCloseWaitReportsEpipe) {
  ConnectionHarness h;
  h.establish_passive();
  h.inject("F. 1:1(0) ack 1 win 65535");
  h.next_sent();
  h.inject("R 2:2(0) win 0");
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.connection().pending_error(), Errno::epipe);
}

}  // namespace
}  // namespace finwait::tcp::testing
