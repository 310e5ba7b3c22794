#include "tcp/rtt_estimator.h"

#include <algorithm>

namespace finwait::tcp {

RttEstimator::RttEstimator(Flavor flavor, Duration initial_rto, Duration min_rto, Duration max_rto)
    : min_rto_(min_rto), max_rto_(max_rto), rto_(initial_rto), flavor_(flavor) {}

void RttEstimator::on_sample(Duration rtt, wire::SeqNum snd_una, wire::SeqNum snd_nxt) {
  // A zero sample is kept as 1 us (Linux does the same), so that "no sample
  // yet" stays distinguishable.
  const std::int64_t rtt_us = std::max<std::int64_t>(rtt.microseconds(), 1);
  if (flavor_ == Flavor::rfc6298) {
    sample_rfc6298(rtt_us);
  } else {
    sample_linux(rtt_us, snd_una, snd_nxt);
  }
}

void RttEstimator::sample_rfc6298(std::int64_t rtt_us) {
  if (srtt_us_ == 0) {
    // RFC 6298 2.2: SRTT <- R, RTTVAR <- R/2.
    srtt_us_ = rtt_us << 3;
    rttvar_us_ = rtt_us << 1;  // x4: R/2
  } else {
    // RFC 6298 2.3: RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R'|; SRTT <- 7/8 SRTT + 1/8 R'.
    const std::int64_t error = rtt_us - (srtt_us_ >> 3);
    rttvar_us_ += (error < 0 ? -error : error) - (rttvar_us_ >> 2);
    srtt_us_ += error;
  }
  // RTO <- SRTT + max(G, K*RTTVAR), K = 4, G = 1 ms; RFC 6298 2.4-2.5 bounds.
  const std::int64_t variance = std::max<std::int64_t>(1000, rttvar_us_);
  bound_rto(microseconds((srtt_us_ >> 3) + variance));
}

void RttEstimator::sample_linux(std::int64_t m, wire::SeqNum snd_una, wire::SeqNum snd_nxt) {
  const std::int64_t rto_min_us = min_rto_.microseconds();
  if (srtt_us_ != 0) {
    m -= srtt_us_ >> 3;  // m is now the error in the estimate
    srtt_us_ += m;       // srtt = 7/8 srtt + 1/8 new
    if (m < 0) {
      m = -m;
      m -= mdev_us_ >> 2;
      // A falling RTT raises the variance only an eighth as much.
      if (m > 0) m >>= 3;
    } else {
      m -= mdev_us_ >> 2;
    }
    mdev_us_ += m;  // mdev = 3/4 mdev + 1/4 new
    if (mdev_us_ > mdev_max_us_) {
      mdev_max_us_ = mdev_us_;
      rttvar_us_ = std::max(rttvar_us_, mdev_max_us_);
    }
    // Once per round trip, let the variance decay towards this round's maximum.
    if (wire::seq_gt(snd_una, rtt_seq_)) {
      if (mdev_max_us_ < rttvar_us_) rttvar_us_ -= (rttvar_us_ - mdev_max_us_) >> 2;
      rtt_seq_ = snd_nxt;
      mdev_max_us_ = rto_min_us;
    }
  } else {
    srtt_us_ = m << 3;
    mdev_us_ = m << 1;
    rttvar_us_ = std::max(mdev_us_, rto_min_us);
    mdev_max_us_ = rttvar_us_;
    rtt_seq_ = snd_nxt;
  }
  srtt_us_ = std::max<std::int64_t>(srtt_us_, 1);
  bound_rto(microseconds((srtt_us_ >> 3) + rttvar_us_));
}

void RttEstimator::bound_rto(Duration rto) {
  if (flavor_ == Flavor::rfc6298) rto = std::max(rto, min_rto_);
  rto_ = std::min(rto, max_rto_);
}

}  // namespace finwait::tcp
