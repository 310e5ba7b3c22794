// The waiting states' one rule (tcp/wait_state.h): an orphaned FIN-WAIT-2
// and TIME-WAIT answer as Linux's timewait socket does, whether the
// connection is full (here) or parked in the stack (tests/stack).
#include "tcp/wait_state.h"

#include "tests/tcp/connection_harness.h"

namespace finwait::tcp::testing {
namespace {

// Orphaned FIN-WAIT-2: we closed, the peer ACKed our FIN.
void reach_orphaned_fin_wait_2(ConnectionHarness& h) {
  h.establish_passive();
  h.close();
  h.expect("F. 1:1(0) ack 1");
  h.inject(". 1:1(0) ack 2 win 65535");
  ASSERT_EQ(h.connection().state(), State::fin_wait_2);
  ASSERT_TRUE(h.connection().only_waits());
}

TEST(WaitState, OrphanedFinWait2TakesAResetAnywhereInTheWindow) {
  // Linux's tcp_timewait_state_process(), FIN_WAIT2: "if (th->rst) goto kill".
  for (std::uint32_t seq : {1u, 2u, 1000u, 64240u}) {
    SCOPED_TRACE(seq);
    ConnectionHarness h;
    reach_orphaned_fin_wait_2(h);
    h.inject(fmt::format("R {}:{}(0) win 0", seq, seq));
    h.expect_nothing_now();
    EXPECT_EQ(h.connection().state(), State::closed);
    EXPECT_EQ(h.cause_of(State::closed), Cause::rst_received);
  }
}

TEST(WaitState, OrphanedFinWait2IgnoresAResetOutsideTheWindow) {
  for (std::uint32_t seq : {0u, 65538u, 1000000u}) {
    SCOPED_TRACE(seq);
    ConnectionHarness h;
    reach_orphaned_fin_wait_2(h);
    h.inject(fmt::format("R {}:{}(0) win 0", seq, seq));
    h.expect_nothing_now();
    EXPECT_EQ(h.connection().state(), State::fin_wait_2);
  }
}

TEST(WaitState, OrphanedFinWait2ResetsASynInTheWindow) {
  ConnectionHarness h;
  reach_orphaned_fin_wait_2(h);
  h.inject("S 1:1(0) win 65535 <mss 1460>");
  // RFC 9293 3.10.7.1: no ACK on the SYN, so <SEQ=0><ACK=SEG.SEQ+SEG.LEN>.
  h.expect(fmt::format("R. {0}:{0}(0) ack 2 win 0", 0u - k_our_iss));
  EXPECT_EQ(h.connection().state(), State::fin_wait_2);
}

TEST(WaitState, OrphanedFinWait2AcksWhatIsOutOfWindowAtMostEveryHalfSecond) {
  ConnectionHarness h;
  reach_orphaned_fin_wait_2(h);
  h.inject(". 100000:100000(0) ack 2 win 65535");
  h.expect(". 2:2(0) ack 1");
  h.inject(". 100000:100000(0) ack 2 win 65535");
  h.expect_nothing_now();  // tcp_invalid_ratelimit: 500 ms
  h.inject("P. 100000:100010(10) ack 2 win 65535");
  h.expect(". 2:2(0) ack 1");  // data is always answered
  h.run_for(milliseconds(500));
  h.inject(". 100000:100000(0) ack 2 win 65535");
  h.expect(". 2:2(0) ack 1");
}

TEST(WaitState, OrphanedFinWait2ResetsNewData) {
  ConnectionHarness h;
  reach_orphaned_fin_wait_2(h);
  h.inject("P. 1:11(10) ack 2 win 65535");
  h.expect("R 2:2(0) win 0");
  EXPECT_EQ(h.cause_of(State::closed), Cause::data_after_close);
}

TEST(WaitState, OrphanedFinWait2EntersTimeWaitOnTheFin) {
  ConnectionHarness h;
  reach_orphaned_fin_wait_2(h);
  h.inject("F. 1:1(0) ack 2 win 65535");
  h.expect(". 2:2(0) ack 2");
  EXPECT_EQ(h.connection().state(), State::time_wait);
  h.run_until(seconds(60) - milliseconds(1));
  EXPECT_EQ(h.connection().state(), State::time_wait);
  h.run_until(seconds(60));
  EXPECT_EQ(h.cause_of(State::closed), Cause::time_wait_expired);
}

TEST(WaitState, ANewSynMayReuseTimeWaitOnlyBeyondItsSequenceSpace) {
  WaitState w;
  w.state = State::time_wait;
  w.rcv_nxt = wire::SeqNum(0xfffffff0);  // near the wrap (STYLE.md)
  wire::TcpSegment syn;
  syn.flags = wire::TcpFlags(wire::TcpFlags::syn);
  syn.seq = wire::SeqNum(0x10);
  EXPECT_TRUE(syn_may_reuse(w, syn));
  syn.seq = wire::SeqNum(0xffffff00);
  EXPECT_FALSE(syn_may_reuse(w, syn));
  syn.flags = wire::TcpFlags(wire::TcpFlags::syn | wire::TcpFlags::ack);
  syn.seq = wire::SeqNum(0x10);
  EXPECT_FALSE(syn_may_reuse(w, syn));  // a SYN-ACK is never a new connection
  w.state = State::fin_wait_2;
  syn.flags = wire::TcpFlags(wire::TcpFlags::syn);
  EXPECT_FALSE(syn_may_reuse(w, syn));
}

TEST(WaitState, ANewSynWithNoListenerIsAcknowledged) {
  ConnectionHarness h;
  h.establish_passive();
  h.close();
  h.expect("F. 1:1(0) ack 1");
  h.inject("F. 1:1(0) ack 2 win 65535");
  h.expect(". 2:2(0) ack 2");
  h.inject("S 1000:1000(0) win 65535 <mss 1460>");
  h.expect(". 2:2(0) ack 2");  // Linux: TCP_TW_SYN with no listener falls to TCP_TW_ACK
  EXPECT_EQ(h.connection().state(), State::time_wait);
}

}  // namespace
}  // namespace finwait::tcp::testing
