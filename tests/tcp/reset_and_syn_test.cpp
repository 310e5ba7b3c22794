// RST and SYN in every state (RFC 9293 3.10.7.4, RFC 5961 3-4): at RCV.NXT,
// inside the window, at its last byte, just past it, and just before RCV.NXT.
#include <fmt/format.h>

#include "tests/tcp/connection_harness.h"

namespace finwait::tcp::testing {
namespace {

// Drives a fresh connection into `state`. Our window is Linux's initial one,
// 44 segments of 1460 bytes (no scaling): RCV.NXT + 64240 is the first
// sequence number outside it.
void reach(ConnectionHarness& h, State state) {
  switch (state) {
    case State::syn_received:
      h.open_passive("S 0:0(0) win 65535 <mss 1460>");
      h.next_sent();
      return;
    default: h.establish_passive(); break;
  }
  switch (state) {
    case State::established: return;
    case State::fin_wait_1:
      h.close();
      h.next_sent();
      return;
    case State::fin_wait_2:
      // Half-closed: the application still holds the socket, so the full
      // rules apply (an orphan only waits: tests/tcp/wait_state_test.cpp).
      h.shutdown(Shutdown::write);
      h.next_sent();
      h.inject(". 1:1(0) ack 2 win 65535");
      return;
    case State::close_wait:
      h.inject("F. 1:1(0) ack 1 win 65535");
      h.next_sent();
      return;
    case State::closing:
      h.close();
      h.next_sent();
      h.inject("F. 1:1(0) ack 1 win 65535");
      h.next_sent();
      return;
    case State::last_ack:
      h.inject("F. 1:1(0) ack 1 win 65535");
      h.next_sent();
      h.close();
      h.next_sent();
      return;
    case State::time_wait:
      h.close();
      h.next_sent();
      h.inject("F. 1:1(0) ack 2 win 65535");
      h.next_sent();
      return;
    default: FAIL() << "cannot reach " << to_string(state);
  }
}

const State k_states[] = {State::syn_received, State::established, State::fin_wait_1, State::fin_wait_2,
                          State::close_wait,   State::closing,     State::last_ack,   State::time_wait};

std::uint32_t relative_rcv_nxt(const ConnectionHarness& h, ConnectionHarness& mutable_h) {
  (void)h;
  return mutable_h.connection().rcv_nxt().raw() - k_peer_isn;
}

std::string challenge_ack(ConnectionHarness& h) {
  const std::uint32_t snd = h.connection().snd_nxt().raw() - k_our_iss;
  return fmt::format(". {}:{}(0) ack {}", snd, snd, relative_rcv_nxt(h, h));
}

TEST(ResetAndSyn, ResetAtRcvNxtClosesEveryState) {
  for (State state : k_states) {
    SCOPED_TRACE(to_string(state));
    ConnectionHarness h;
    reach(h, state);
    ASSERT_EQ(h.connection().state(), state);
    h.inject(fmt::format("R {}:{}(0) win 0", relative_rcv_nxt(h, h), relative_rcv_nxt(h, h)));
    h.expect_nothing_now();
    EXPECT_EQ(h.connection().state(), State::closed);
    EXPECT_EQ(h.cause_of(State::closed), Cause::rst_received);
  }
}

TEST(ResetAndSyn, ResetInsideTheWindowGetsAChallengeAck) {
  for (State state : k_states) {
    if (state == State::time_wait) continue;  // below
    for (std::uint32_t offset : {1u, 1000u, 64239u}) {
      SCOPED_TRACE(fmt::format("{} at RCV.NXT+{}", to_string(state), offset));
      ConnectionHarness h;
      reach(h, state);
      const std::uint32_t seq = relative_rcv_nxt(h, h) + offset;
      h.inject(fmt::format("R {}:{}(0) win 0", seq, seq));
      h.expect(challenge_ack(h));
      EXPECT_EQ(h.connection().state(), state);
    }
  }
}

TEST(ResetAndSyn, ResetInsideTheWindowInTimeWaitIsIgnored) {
  ConnectionHarness h;
  reach(h, State::time_wait);
  h.inject("R 100:100(0) win 0");
  h.expect_nothing_now();
  EXPECT_EQ(h.connection().state(), State::time_wait);
}

TEST(ResetAndSyn, ResetOutsideTheWindowIsDropped) {
  for (State state : k_states) {
    // Just past the window of 65535 (Linux takes a segment at the edge itself).
    for (std::int64_t offset : {65536LL, 100000LL, -1000LL}) {
      SCOPED_TRACE(fmt::format("{} at RCV.NXT{:+}", to_string(state), offset));
      ConnectionHarness h;
      reach(h, state);
      const auto seq = static_cast<std::uint32_t>(relative_rcv_nxt(h, h) + offset);
      h.inject(fmt::format("R {}:{}(0) win 0", seq, seq));
      h.expect_nothing_now();
      EXPECT_EQ(h.connection().state(), state);
    }
  }
}

TEST(ResetAndSyn, ResetJustBeforeRcvNxtAfterThePeersFin) {
  // Deviation (Linux's tcp_reset_check): after the peer's FIN, a RST at
  // RCV.NXT-1 (the FIN's own number) is accepted.
  for (State state : {State::close_wait, State::closing, State::last_ack}) {
    SCOPED_TRACE(to_string(state));
    ConnectionHarness h;
    reach(h, state);
    h.inject("R 1:1(0) win 0");
    EXPECT_EQ(h.connection().state(), State::closed);
  }
  ConnectionHarness h;
  reach(h, State::established);
  h.inject("R 0:0(0) win 0");
  EXPECT_EQ(h.connection().state(), State::established);
}

TEST(ResetAndSyn, SynAnywhereInASynchronizedStateGetsAChallengeAck) {
  for (State state : k_states) {
    if (state == State::syn_received) continue;
    for (std::int64_t offset : {0LL, 1LL, 64240LL, -1LL, 1000000LL}) {
      SCOPED_TRACE(fmt::format("{} at RCV.NXT{:+}", to_string(state), offset));
      ConnectionHarness h;
      reach(h, state);
      const auto seq = static_cast<std::uint32_t>(relative_rcv_nxt(h, h) + offset);
      h.inject(fmt::format("S {}:{}(0) win 65535 <mss 1460>", seq, seq));
      h.expect(challenge_ack(h));
      EXPECT_EQ(h.connection().state(), state);
    }
  }
}

TEST(ResetAndSyn, SynInSynReceived) {
  ConnectionHarness h;
  reach(h, State::syn_received);
  h.inject("S 0:0(0) win 65535 <mss 1460>");  // the same SYN again
  h.expect("S. 0:0(0) ack 1 <mss 1460>");
  h.run_for(seconds(1));
  h.next_sent();                              // the retransmission timer's own SYN-ACK
  h.inject("S 7:7(0) win 65535 <mss 1460>");  // another one
  h.expect(". 1:1(0) ack 1");
  EXPECT_EQ(h.connection().state(), State::syn_received);
}

}  // namespace
}  // namespace finwait::tcp::testing
