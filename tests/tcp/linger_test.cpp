// SO_LINGER: {1, 0} aborts with RST; {1, N} reports when the FIN is
// acknowledged or N seconds pass, and the connection lives on as an orphan.
#include "tests/tcp/connection_harness.h"

namespace finwait::tcp::testing {
namespace {

std::optional<bool> linger_result(const ConnectionHarness& h) {
  for (const Event& e : h.events()) {
    if (e.kind == EventKind::linger_done) return e.completed;
  }
  return std::nullopt;
}

TEST(Linger, ZeroSecondsAbortsWithReset) {
  ConnectionHarness h;
  h.options().linger_on = true;
  h.options().linger_seconds = 0;
  h.establish_passive();
  EXPECT_EQ(h.close(), CloseOutcome::closed);
  h.expect("R. 1:1(0) ack 1 win 65535");
  EXPECT_EQ(h.cause_of(State::closed), Cause::linger_abort);
}

TEST(Linger, ZeroSecondsInSynSentSendsNothing) {
  ConnectionHarness h;
  h.options().linger_on = true;
  h.open_active();
  h.next_sent();
  EXPECT_EQ(h.close(), CloseOutcome::closed);
  h.expect_nothing_now();
}

TEST(Linger, CompletesWhenTheFinIsAcknowledged) {
  ConnectionHarness h;
  h.options().linger_on = true;
  h.options().linger_seconds = 5;
  h.establish_passive();
  EXPECT_EQ(h.close(), CloseOutcome::lingering);
  h.expect("F. 1:1(0) ack 1");
  h.run_for(milliseconds(100));
  EXPECT_FALSE(linger_result(h).has_value());
  h.inject(". 1:1(0) ack 2 win 65535");
  EXPECT_EQ(linger_result(h), true);
}

TEST(Linger, GivesUpAfterNSecondsAndTheOrphanLivesOn) {
  ConnectionHarness h;
  h.options().linger_on = true;
  h.options().linger_seconds = 2;
  h.establish_passive();
  h.close();
  h.expect_at(seconds(0), "F. 1:1(0) ack 1");
  h.run_until(seconds(2));
  EXPECT_EQ(linger_result(h), false);
  EXPECT_EQ(h.connection().state(), State::fin_wait_1);
  // The FIN is still retransmitted.
  auto again = h.next_sent(seconds(10));
  ASSERT_TRUE(again);
  EXPECT_EQ(h.describe(*again), "F. 1:1(0) ack 1 win 65535");
}

}  // namespace
}  // namespace finwait::tcp::testing
