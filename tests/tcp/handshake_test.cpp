// Opening a connection: RFC 9293 3.5 (three-way handshake), 3.10.7.3
// (SYN-SENT), simultaneous open, option negotiation and Linux's SYN-ACK layout
// (SCRIPTS.md 7), SYN retries and tcp_keepinit.
#include "tests/tcp/connection_harness.h"

namespace finwait::tcp::testing {
namespace {

TEST(Handshake, PassiveOpenAnswersWithLinuxLayoutMirroringTheSyn) {
  ConnectionHarness h;
  h.open_passive("S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>");
  EXPECT_EQ(h.connection().state(), State::syn_received);
  h.expect("S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>");
  h.inject(". 1:1(0) ack 1 win 257");
  EXPECT_EQ(h.connection().state(), State::established);
  EXPECT_EQ(h.cause_of(State::established), Cause::ack_received);
  // RFC 7323 2.3: the window after the SYN is scaled by the peer's shift.
  EXPECT_EQ(h.connection().snd_wnd(), 257u << 7);
  EXPECT_EQ(h.connection().negotiated().peer_mss, 1000);
  EXPECT_TRUE(h.connection().negotiated().sack);
  h.expect_nothing_now();
}

TEST(Handshake, SynAckOffersOnlyWhatTheSynOffered) {
  struct Case {
    const char* syn;
    const char* syn_ack;
  };
  const Case cases[] = {
      {"S 0:0(0) win 65535 <mss 1460>", "S. 0:0(0) ack 1 <mss 1460>"},
      {"S 0:0(0) win 65535 <mss 1000,sackOK,nop,nop>", "S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK>"},
      {"S 0:0(0) win 65535 <mss 1460,nop,wscale 2>", "S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>"},
      {"S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>",
       "S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 8>"},
      {"S 0:0(0) win 65535 <mss 1460,nop,nop,TS val 100 ecr 0>",
       "S. 0:0(0) ack 1 <mss 1460,nop,nop,TS val 0 ecr 100>"},
      {"S 0:0(0) win 65535", "S. 0:0(0) ack 1 <mss 1460>"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.syn);
    ConnectionHarness h;
    h.open_passive(c.syn);
    h.expect(c.syn_ack);
  }
}

TEST(Handshake, SynAckEchoesTheTimestampAndEveryLaterSegmentCarriesOne) {
  ConnectionHarness h;
  h.open_passive("S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>");
  auto syn_ack = h.next_sent();
  ASSERT_TRUE(syn_ack);
  EXPECT_EQ(syn_ack->segment.options.timestamps()->echo_reply, 100u);
  h.inject(". 1:1(0) ack 1 win 257 <nop,nop,TS val 200 ecr 1>");
  h.write(10);
  auto data = h.next_sent();
  ASSERT_TRUE(data);
  ASSERT_TRUE(data->segment.options.timestamps());
  EXPECT_EQ(data->segment.options.timestamps()->echo_reply, 200u);
  EXPECT_EQ(data->segment.options.size(), 12u);  // nop,nop,TS
}

TEST(Handshake, ActiveOpenSendsLinuxSynAndCompletes) {
  ConnectionHarness h;
  h.open_active();
  EXPECT_EQ(h.connection().state(), State::syn_sent);
  h.expect("S 0:0(0) win 65535 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 8>");
  h.run_for(milliseconds(10));
  h.inject("S. 0:0(0) ack 1 win 32768 <mss 1000,nop,wscale 6,nop,nop,sackOK>");
  EXPECT_EQ(h.connection().state(), State::established);
  EXPECT_EQ(h.cause_of(State::established), Cause::syn_ack_received);
  // No timestamps in the SYN-ACK: none afterwards.
  h.expect(". 1:1(0) ack 1");
  EXPECT_FALSE(h.connection().negotiated().timestamps);
  // RFC 6298 2.2: the first RTT sample (10 ms) sets the RTO; Linux floors the variance at 200 ms.
  EXPECT_EQ(h.connection().rto(), milliseconds(210));
}

TEST(Handshake, SynSentRejectsABadAckWithAReset) {
  ConnectionHarness h;
  h.open_active();
  h.next_sent();
  // RFC 9293 3.10.7.3: SEG.ACK =< ISS or > SND.NXT: <SEQ=SEG.ACK><CTL=RST>.
  h.inject("S. 0:0(0) ack 5 win 1000");
  h.expect("R 5:5(0)");
  EXPECT_EQ(h.connection().state(), State::syn_sent);
  // ... but a RST with a bad ACK is dropped silently.
  h.inject("R. 0:0(0) ack 7 win 0");
  h.expect_nothing_now();
  EXPECT_EQ(h.connection().state(), State::syn_sent);
}

TEST(Handshake, SynSentResetWithGoodAckRefusesTheConnection) {
  ConnectionHarness h;
  h.open_active();
  h.next_sent();
  h.inject("R 0:0(0) win 0");  // no ACK: dropped
  EXPECT_EQ(h.connection().state(), State::syn_sent);
  h.inject("R. 0:0(0) ack 1 win 0");
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::rst_received);
  EXPECT_EQ(h.connection().pending_error(), Errno::econnrefused);
}

TEST(Handshake, SimultaneousOpenGoesThroughSynReceived) {
  // RFC 9293 3.5, figure 7.
  ConnectionHarness h;
  h.tune(TunableId::tcp_timestamps, 0);
  h.open_active();
  h.expect("S 0:0(0) <mss 1460,nop,nop,sackOK,nop,wscale 8>");
  h.inject("S 0:0(0) win 65535 <mss 1460>");
  EXPECT_EQ(h.connection().state(), State::syn_received);
  h.expect("S. 0:0(0) ack 1 <mss 1460>");
  h.inject("S. 0:0(0) ack 1 win 65535 <mss 1460>");
  // The crossing SYN-ACK acknowledges our SYN; the SYN in it is a duplicate
  // in a synchronized state, so RFC 5961 4.2 answers with a challenge ACK.
  h.inject(". 1:1(0) ack 1 win 65535");
  EXPECT_EQ(h.connection().state(), State::established);
}

TEST(Handshake, SynRetriesEndTheConnectWithEtimedout) {
  // Linux: initial RTO 1 s, doubling; tcp_syn_retries 5 gives SYNs at 0, 1, 3,
  // 7, 15, 31 and gives up at 63 s.
  ConnectionHarness h;
  h.open_active();
  h.expect_at(seconds(0), "S 0:0(0) <...>");
  h.expect_at(seconds(1), "S 0:0(0) <...>");
  h.expect_at(seconds(3), "S 0:0(0) <...>");
  h.expect_at(seconds(7), "S 0:0(0) <...>");
  h.expect_at(seconds(15), "S 0:0(0) <...>");
  h.expect_at(seconds(31), "S 0:0(0) <...>");
  h.expect_quiet_until(seconds(62));
  EXPECT_EQ(h.connection().state(), State::syn_sent);
  h.run_until(seconds(63));
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::retransmit_timeout);
  EXPECT_EQ(h.entered_at(State::closed), Instant{} + seconds(63));
  EXPECT_EQ(h.connection().pending_error(), Errno::etimedout);
}

TEST(Handshake, SynCountOptionOverridesTheTunable) {
  ConnectionHarness h;
  h.options().syn_count = 1;
  h.open_active();
  h.expect_at(seconds(0), "S 0:0(0) <...>");
  h.expect_at(seconds(1), "S 0:0(0) <...>");
  h.run_until(seconds(3));
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.entered_at(State::closed), Instant{} + seconds(3));
}

TEST(Handshake, KeepinitEndsAnAixConnectAt75Seconds) {
  // DESIGN.md: tcp_keepinit (AIX, 150 half-seconds) ends a connect at 75 s,
  // before the SYN retries would.
  ConnectionHarness h(Profile::aix);
  h.tune(TunableId::tcp_syn_retries, 10);
  h.open_active();
  h.run_until(seconds(74));
  EXPECT_EQ(h.connection().state(), State::syn_sent);
  h.run_until(seconds(75));
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::keepinit_timeout);
  EXPECT_EQ(h.entered_at(State::closed), Instant{} + seconds(75));
  EXPECT_EQ(h.connection().pending_error(), Errno::etimedout);
}

TEST(Handshake, SynReceivedRetransmitsSynAckAndGivesUp) {
  ConnectionHarness h;
  h.open_passive("S 0:0(0) win 65535 <mss 1460>");
  h.expect_at(seconds(0), "S. 0:0(0) ack 1 <mss 1460>");
  h.expect_at(seconds(1), "S. 0:0(0) ack 1 <mss 1460>");
  // A retransmitted SYN is answered with the SYN-ACK again.
  h.inject("S 0:0(0) win 65535 <mss 1460>");
  h.expect("S. 0:0(0) ack 1 <mss 1460>");
  h.run_until(seconds(200));
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::retransmit_timeout);
}

TEST(Handshake, SynReceivedResetsAnUnacceptableAck) {
  ConnectionHarness h;
  h.open_passive("S 0:0(0) win 65535 <mss 1460>");
  h.next_sent();
  // RFC 9293 3.10.7.4 fifth: in SYN-RECEIVED an ACK outside SND.UNA < SEG.ACK =< SND.NXT gets
  // <SEQ=SEG.ACK><CTL=RST>.
  h.inject(". 1:1(0) ack 0 win 65535");
  h.expect("R 0:0(0)");
  EXPECT_EQ(h.connection().state(), State::syn_received);
}

TEST(Handshake, ResetInSynReceivedReturnsToListen) {
  ConnectionHarness h;
  h.open_passive("S 0:0(0) win 65535 <mss 1460>");
  h.next_sent();
  h.inject("R 1:1(0) win 0");
  EXPECT_EQ(h.connection().state(), State::closed);
  EXPECT_EQ(h.cause_of(State::closed), Cause::rst_received);
  EXPECT_EQ(h.connection().pending_error(), Errno::ok);  // nobody had accepted it
}

}  // namespace
}  // namespace finwait::tcp::testing
