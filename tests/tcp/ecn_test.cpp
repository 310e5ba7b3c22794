#include "tcp/ecn.h"

#include <gtest/gtest.h>

#include <array>

namespace finwait::tcp {
namespace {

using wire::Ecn;
using wire::TcpFlags;
using wire::TcpSegment;

TcpSegment segment(std::uint8_t flags, Ecn ecn = Ecn::not_ect) {
  TcpSegment s;
  s.flags = TcpFlags(flags);
  s.ecn = ecn;
  return s;
}

TEST(Ecn, ListenerAgreesOnlyToAnEcnSetupSynThatIsNotEct) {
  const TcpSegment setup = segment(TcpFlags::syn | TcpFlags::ece | TcpFlags::cwr);
  EXPECT_TRUE(EcnState::listener_agrees(2, setup));
  EXPECT_TRUE(EcnState::listener_agrees(1, setup));
  EXPECT_FALSE(EcnState::listener_agrees(0, setup));
  EXPECT_FALSE(EcnState::listener_agrees(2, segment(TcpFlags::syn | TcpFlags::ece)));
  // An ECT SYN is a middlebox's doing, unless a reserved bit (AccECN's AE) says otherwise.
  TcpSegment marked = segment(TcpFlags::syn | TcpFlags::ece | TcpFlags::cwr, Ecn::ect0);
  EXPECT_FALSE(EcnState::listener_agrees(2, marked));
  marked.reserved = 0x01;
  EXPECT_TRUE(EcnState::listener_agrees(2, marked));
}

TEST(Ecn, OnlyModesOneAndThreeAskOnConnect) {
  const std::array<bool, 6> asks{false, true, false, true, false, false};
  for (int mode = 0; mode < 6; ++mode) EXPECT_EQ(EcnState::asks_on_connect(mode), asks[mode]) << mode;
}

TEST(Ecn, SynAckWithEceAndWithoutCwrAgrees) {
  EcnState agreed;
  agreed.on_syn_sent(true);
  agreed.on_syn_answer(segment(TcpFlags::syn | TcpFlags::ack | TcpFlags::ece));
  EXPECT_TRUE(agreed.agreed());
  EcnState both;
  both.on_syn_sent(true);
  both.on_syn_answer(segment(TcpFlags::syn | TcpFlags::ack | TcpFlags::ece | TcpFlags::cwr));
  EXPECT_FALSE(both.agreed());
  EcnState unasked;
  unasked.on_syn_sent(false);
  unasked.on_syn_answer(segment(TcpFlags::syn | TcpFlags::ack | TcpFlags::ece));
  EXPECT_FALSE(unasked.agreed());
}

TEST(Ecn, CeIsEchoedUntilCwrAndCwrGoesOnceOnNewData) {
  EcnState ecn;
  ecn.on_syn_received(true);
  const std::array<std::uint8_t, 10> bytes{};
  TcpSegment ce = segment(TcpFlags::ack, Ecn::ce);
  ce.payload = bytes;
  EXPECT_EQ(ecn.on_data(ce), EcnState::AckUrge::quick_acks);
  TcpSegment ack = segment(TcpFlags::ack);
  ecn.mark_echo(ack);
  EXPECT_TRUE(ack.flags.has(TcpFlags::ece));
  TcpSegment cwr = segment(TcpFlags::ack | TcpFlags::cwr, Ecn::ect0);
  cwr.payload = bytes;
  EXPECT_EQ(ecn.on_data(cwr), EcnState::AckUrge::ack_now);
  TcpSegment after = segment(TcpFlags::ack);
  ecn.mark_echo(after);
  EXPECT_FALSE(after.flags.has(TcpFlags::ece));

  ecn.queue_cwr();
  TcpSegment data = segment(TcpFlags::ack);
  data.payload = bytes;
  ecn.mark_new_data(data);
  EXPECT_EQ(data.ecn, Ecn::ect0);
  EXPECT_TRUE(data.flags.has(TcpFlags::cwr));
  TcpSegment next = segment(TcpFlags::ack);
  next.payload = bytes;
  ecn.mark_new_data(next);
  EXPECT_FALSE(next.flags.has(TcpFlags::cwr));
  TcpSegment fin_only = segment(TcpFlags::ack | TcpFlags::fin);
  ecn.mark_new_data(fin_only);
  EXPECT_EQ(fin_only.ecn, Ecn::not_ect);
}

}  // namespace
}  // namespace finwait::tcp
