#include "host/verdict.h"

#include <gtest/gtest.h>

namespace finwait::host {
namespace {

KernelSocket socket_in(KernelState state, KernelTimer timer = KernelTimer::none, std::uint32_t left_ms = 0) {
  KernelSocket s;
  s.family = 2;
  s.state = state;
  s.timer = timer;
  s.timer_left_ms = left_ms;
  return s;
}

HostSettings linux_defaults() {
  HostSettings h;
  h.fin_timeout_s = 60;
  h.keepalive_time_s = 7200;
  h.keepalive_intvl_s = 75;
  h.keepalive_probes = 9;
  h.retries2 = 15;
  h.orphan_retries = 0;
  return h;
}

TEST(Verdict, OrphanFinWait2IsBoundedByFinTimeoutInBothSpellings) {
  const Verdict v = judge(socket_in(KernelState::fin_wait2, KernelTimer::time_wait, 42'000), Ownership::orphan,
                          linux_defaults(), "");
  EXPECT_TRUE(v.bounded);
  EXPECT_EQ(v.bound_by, "tcp_fin_timeout (60 s)");
  EXPECT_DOUBLE_EQ(*v.ends_in_s, 42.0);
  EXPECT_NE(v.remedy.find("no -o tcp_finwait2=120 half-seconds"), std::string::npos);
}

TEST(Verdict, OwnedFinWait2WithoutKeepaliveIsUnbounded) {
  const Verdict v = judge(socket_in(KernelState::fin_wait2), Ownership::process, linux_defaults(), "app (pid 7)");
  EXPECT_FALSE(v.bounded);
  EXPECT_NE(v.why.find("app (pid 7) shut down its sending side"), std::string::npos);
  EXPECT_NE(v.remedy.find("SO_KEEPALIVE"), std::string::npos);
}

TEST(Verdict, OwnedFinWait2WithKeepaliveIsBoundedOnlyIfThePeerIsGone) {
  const Verdict v = judge(socket_in(KernelState::fin_wait2, KernelTimer::keepalive, 5000), Ownership::process,
                          linux_defaults(), "app (pid 7)");
  EXPECT_TRUE(v.bounded);
  EXPECT_NE(v.bound_by.find("if the peer is gone (about 7875 s"), std::string::npos);
}

TEST(Verdict, CloseWaitIsTheProgramsToEnd) {
  const Verdict held = judge(socket_in(KernelState::close_wait), Ownership::process, linux_defaults(), "app (pid 7)");
  EXPECT_FALSE(held.bounded);
  EXPECT_NE(held.remedy.find("close()"), std::string::npos);
  const Verdict queued =
      judge(socket_in(KernelState::close_wait), Ownership::not_yet_accepted, linux_defaults(), "app (pid 7)");
  EXPECT_FALSE(queued.bounded);
  EXPECT_NE(queued.why.find("accept queue of app (pid 7)"), std::string::npos);
}

TEST(Verdict, TimeWaitAndRetransmittingStatesAreBounded) {
  EXPECT_TRUE(judge(socket_in(KernelState::time_wait, KernelTimer::time_wait, 1000), Ownership::orphan,
                    linux_defaults(), "")
                  .bounded);
  const Verdict orphan = judge(socket_in(KernelState::last_ack, KernelTimer::retransmit, 200), Ownership::orphan,
                               linux_defaults(), "");
  EXPECT_EQ(orphan.bound_by, "tcp_orphan_retries (8 retransmissions)");
  const Verdict owned = judge(socket_in(KernelState::fin_wait1, KernelTimer::retransmit, 200), Ownership::process,
                              linux_defaults(), "app");
  EXPECT_NE(owned.bound_by.find("tcp_retries2 (15"), std::string::npos);
}

TEST(KernelSocket, StateNamesInEverySpelling) {
  EXPECT_EQ(parse_state_name("FIN_WAIT_2"), KernelState::fin_wait2);
  EXPECT_EQ(parse_state_name("fin-wait-2"), KernelState::fin_wait2);
  EXPECT_EQ(parse_state_name("finwait2"), KernelState::fin_wait2);
  EXPECT_EQ(parse_state_name("close_wait"), KernelState::close_wait);
  EXPECT_FALSE(parse_state_name("FIN_WAIT_3").has_value());
  EXPECT_EQ(state_name(KernelState::time_wait), "TIME_WAIT");
}

}  // namespace
}  // namespace finwait::host
