// TIME-WAIT (RFC 9293 3.10.7.4, 3.10.8): 2 MSL, re-ACK of a retransmitted
// FIN with a restart of the timer, and RST per tcp_rfc1337 (RFC 1337).
#include "tests/tcp/connection_harness.h"

namespace finwait::tcp::testing {
namespace {

void reach_time_wait(ConnectionHarness& h) {
  h.establish_passive();
  h.close();
  h.expect("F. 1:1(0) ack 1");
  h.inject("F. 1:1(0) ack 2 win 65535");
  h.expect(". 2:2(0) ack 2");
  ASSERT_EQ(h.connection().state(), State::time_wait);
}

TEST(TimeWait, RetransmittedFinIsAcknowledgedAndRestartsTwoMsl) {
  ConnectionHarness h;
  reach_time_wait(h);
  h.run_until(seconds(30));
  h.inject("F. 1:1(0) ack 2 win 65535");
  h.expect(". 2:2(0) ack 2");
  h.run_until(seconds(89));
  EXPECT_EQ(h.connection().state(), State::time_wait);
  h.run_until(seconds(90));
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::time_wait_expired);
}

TEST(TimeWait, ResetEndsItByDefault) {
  // RFC 9293: a RST in TIME-WAIT closes (TIME-WAIT assassination is possible).
  ConnectionHarness h;
  reach_time_wait(h);
  h.inject("R 2:2(0) win 0");
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::rst_received);
}

TEST(TimeWait, Rfc1337IgnoresTheReset) {
  ConnectionHarness h;
  h.tune(TunableId::tcp_rfc1337, 1);
  reach_time_wait(h);
  h.inject("R 2:2(0) win 0");
  EXPECT_EQ(h.connection().state(), State::time_wait);
}

TEST(TimeWait, ResetOutsideTheWindowIsIgnored) {
  ConnectionHarness h;
  reach_time_wait(h);
  h.inject("R 500:500(0) win 0");
  EXPECT_EQ(h.connection().state(), State::time_wait);
}

TEST(TimeWait, RfcProfileWaitsFourMinutes) {
  ConnectionHarness h(Profile::rfc793);
  reach_time_wait(h);
  h.run_until(seconds(239));
  EXPECT_EQ(h.connection().state(), State::time_wait);
  h.run_until(seconds(240));
  EXPECT_EQ(h.connection().state(), State::closed);
}

TEST(TimeWait, OldDataIsAnsweredWithAnAck) {
  ConnectionHarness h;
  reach_time_wait(h);
  h.inject("P. 1:11(10) ack 2 win 65535");
  h.expect(". 2:2(0) ack 2");
  EXPECT_EQ(h.connection().state(), State::time_wait);
}

}  // namespace
}  // namespace finwait::tcp::testing
