// Keepalive (RFC 1122 4.2.3.6): idle, interval, count; the probe is
// <SEQ=SND.UNA-1><ACK=RCV.NXT> with no data; it runs in every synchronized
// state, FIN-WAIT-2 included (DESIGN.md), and TCP_USER_TIMEOUT overrides the count.
#include "tests/tcp/connection_harness.h"

namespace finwait::tcp::testing {
namespace {

TEST(Keepalive, SeedStoryAixValuesDropAt7800Seconds) {
  // DESIGN.md: FIN_WAIT_2 timer off, SO_KEEPALIVE on, AIX keepalive defaults:
  // probes at 2 h, then every 75 s; after 8 unanswered probes, RST at 7800 s.
  ConnectionHarness h(Profile::aix);
  h.tune(TunableId::tcp_finwait2, 0);
  h.options().keepalive = true;
  h.establish_passive();
  h.close();
  h.expect("F. 1:1(0) ack 1");
  h.inject(". 1:1(0) ack 2 win 65535");
  ASSERT_EQ(h.connection().state(), State::fin_wait_2);
  for (int probe = 0; probe < 8; ++probe) {
    h.expect_at(seconds(7200 + 75 * probe), ". 1:1(0) ack 1");
  }
  h.expect_at(seconds(7800), "R. 2:2(0) ack 1 win 0");
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::keepalive_timeout);
  EXPECT_EQ(h.entered_at(State::closed), Instant{} + seconds(7800));
}

TEST(Keepalive, ScriptValuesFromKeepaliveNoTs) {
  // keepalive-no-ts.pkt: idle 3 s, interval 2 s, 4 probes; RST at 11 s.
  ConnectionHarness h;
  h.establish_passive();
  SocketOptions o = h.connection().options();
  o.keepalive = true;
  o.keepalive_idle = seconds(3);
  o.keepalive_interval = seconds(2);
  o.keepalive_count = 4;
  h.set_options(o);
  h.expect_at(seconds(3), ". 0:0(0) ack 1");
  h.expect_at(seconds(5), ". 0:0(0) ack 1");
  h.expect_at(seconds(7), ". 0:0(0) ack 1");
  h.expect_at(seconds(9), ". 0:0(0) ack 1");
  h.expect_at(seconds(11), "R. 1:1(0) ack 1");
  EXPECT_EQ(h.read(10).error(), Errno::etimedout);
}

TEST(Keepalive, AnsweredProbeResetsTheIdleClock) {
  ConnectionHarness h(Profile::aix);
  h.options().keepalive = true;
  h.establish_passive();
  h.expect_at(seconds(7200), ". 0:0(0) ack 1");
  h.run_for(milliseconds(20));
  h.inject(". 1:1(0) ack 1 win 65535");  // the peer is alive
  h.expect_at(seconds(7200) + milliseconds(20) + seconds(7200), ". 0:0(0) ack 1");
  EXPECT_EQ(h.connection().state(), State::established);
}

TEST(Keepalive, DataResetsTheIdleClock) {
  ConnectionHarness h(Profile::aix);
  h.options().keepalive = true;
  h.establish_passive();
  h.run_until(seconds(3600));
  h.write(10);
  h.expect("P. 1:11(10) ack 1");
  h.run_for(milliseconds(10));
  h.inject(". 1:1(0) ack 11 win 65535");
  h.expect_at(seconds(3600) + milliseconds(10) + seconds(7200), ". 10:10(0) ack 1");
}

TEST(Keepalive, OffByDefault) {
  ConnectionHarness h(Profile::aix);
  h.establish_passive();
  h.expect_quiet_until(hours(48));
  EXPECT_EQ(h.connection().state(), State::established);
}

TEST(Keepalive, UserTimeoutOverridesTheCount) {
  // Linux: with TCP_USER_TIMEOUT set, keepalive gives up once the peer has
  // been silent that long (and at least one probe went unanswered).
  ConnectionHarness h;
  h.options().keepalive = true;
  h.options().keepalive_idle = seconds(10);
  h.options().keepalive_interval = seconds(5);
  h.options().keepalive_count = 100;
  h.options().user_timeout = seconds(22);
  h.establish_passive();
  h.expect_at(seconds(10), ". 0:0(0) ack 1");
  h.expect_at(seconds(15), ". 0:0(0) ack 1");
  h.expect_at(seconds(20), ". 0:0(0) ack 1");
  h.expect_at(seconds(25), "R. 1:1(0) ack 1");
  EXPECT_EQ(h.cause_of(State::closed), Cause::user_timeout);
}

TEST(Keepalive, TurningItOnLaterCountsIdleFromThen) {
  ConnectionHarness h;
  h.establish_passive();
  h.run_until(seconds(100));
  SocketOptions o = h.connection().options();
  o.keepalive = true;
  o.keepalive_idle = seconds(30);
  h.set_options(o);
  h.expect_at(seconds(130), ". 0:0(0) ack 1");
}

}  // namespace
}  // namespace finwait::tcp::testing
