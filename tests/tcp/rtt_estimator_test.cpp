#include "tcp/rtt_estimator.h"

#include <gtest/gtest.h>

namespace finwait::tcp {
namespace {

using wire::SeqNum;

TEST(RttEstimator, StartsAtTheInitialRto) {
  RttEstimator rtt(RttEstimator::Flavor::rfc6298, seconds(1), seconds(1), seconds(60));
  EXPECT_FALSE(rtt.has_sample());
  EXPECT_EQ(rtt.rto(), seconds(1));
}

TEST(RttEstimator, Rfc6298FirstAndLaterSamples) {
  // RFC 6298 2.2-2.3 with the minimum lowered so the arithmetic shows.
  RttEstimator rtt(RttEstimator::Flavor::rfc6298, seconds(1), milliseconds(1), seconds(60));
  rtt.on_sample(milliseconds(100), SeqNum(1), SeqNum(1));
  EXPECT_EQ(rtt.srtt(), milliseconds(100));
  EXPECT_EQ(rtt.rto(), milliseconds(300));  // SRTT + 4 * R/2
  rtt.on_sample(milliseconds(0), SeqNum(2), SeqNum(2));
  // RTTVAR = 3/4*50 + 1/4*100 = 62.5; SRTT = 87.5; RTO = 87.5 + 250 = 337.5 ms
  // (less a microsecond: a zero sample counts as 1 us).
  EXPECT_EQ(rtt.srtt(), microseconds(87500));
  EXPECT_EQ(rtt.rto(), microseconds(337499));
}

TEST(RttEstimator, Rfc6298RoundsUpToTheMinimum) {
  RttEstimator rtt(RttEstimator::Flavor::rfc6298, seconds(1), seconds(1), seconds(60));
  rtt.on_sample(milliseconds(10), SeqNum(1), SeqNum(1));
  EXPECT_EQ(rtt.rto(), seconds(1));
}

TEST(RttEstimator, LinuxFloorsTheVarianceAtRtoMin) {
  RttEstimator rtt(RttEstimator::Flavor::linux, seconds(1), milliseconds(200), seconds(120));
  rtt.on_sample(milliseconds(100), SeqNum(1), SeqNum(1));
  EXPECT_EQ(rtt.rto(), milliseconds(300));
  // A falling RTT: Linux's srtt 87.5 ms and a variance of 206.25 ms.
  rtt.on_sample(milliseconds(0), SeqNum(101), SeqNum(101));
  EXPECT_EQ(rtt.srtt(), microseconds(87500));
  EXPECT_EQ(rtt.rto(), microseconds(87500 + 206250 - 1));  // a zero sample counts as 1 us
}

TEST(RttEstimator, CappedAtTheMaximum) {
  RttEstimator rtt(RttEstimator::Flavor::linux, seconds(1), milliseconds(200), seconds(2));
  rtt.on_sample(seconds(10), SeqNum(1), SeqNum(1));
  EXPECT_EQ(rtt.rto(), seconds(2));
}

}  // namespace
}  // namespace finwait::tcp
