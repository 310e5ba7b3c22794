// Round-trip time estimation and the retransmission timeout.
//
// Two flavours behind one small interface:
//  - rfc6298: RFC 6298 2: SRTT, RTTVAR with alpha 1/8 and beta 1/4,
//    RTO = SRTT + max(G, 4 * RTTVAR), bounded by the RTO tunables.
//  - linux: tcp_rtt_estimator() of Linux's tcp_input.c. The same smoothing,
//    but the variance term is floored at tcp_rto_min instead of the RTO, and a
//    falling RTT pulls the variance down eight times more slowly.
//    Deviation: RFC 6298 2.4 rounds the RTO up to 1 s; Linux's 200 ms floor on
//    the variance is what scripts written for Linux expect.
#pragma once

#include <cstdint>

#include "time/instant.h"
#include "wire/seq_num.h"

namespace finwait::tcp {

class RttEstimator {
 public:
  enum class Flavor : std::uint8_t { rfc6298, linux };

  RttEstimator(Flavor flavor, Duration initial_rto, Duration min_rto, Duration max_rto);

  // One RTT measurement (Karn's rule is the caller's: never from a
  // retransmitted segment). snd_una and snd_nxt let the linux flavour decay
  // its variance once per round trip, as Linux does.
  void on_sample(Duration rtt, wire::SeqNum snd_una, wire::SeqNum snd_nxt);

  bool has_sample() const { return srtt_us_ != 0; }
  Duration srtt() const { return microseconds(srtt_us_ >> 3); }
  // Linux's tcpi_rttvar: the mean deviation.
  Duration rttvar() const { return microseconds(mdev_us_ >> 2); }
  // The timeout before any backoff.
  Duration rto() const { return rto_; }

 private:
  void sample_rfc6298(std::int64_t rtt_us);
  void sample_linux(std::int64_t rtt_us, wire::SeqNum snd_una, wire::SeqNum snd_nxt);
  void bound_rto(Duration rto);

  Duration min_rto_;
  Duration max_rto_;
  Duration rto_;
  // Scaled as in Linux and in RFC 6298's reference code: srtt x8, variances x4.
  std::int64_t srtt_us_ = 0;
  std::int64_t mdev_us_ = 0;
  std::int64_t mdev_max_us_ = 0;
  std::int64_t rttvar_us_ = 0;
  wire::SeqNum rtt_seq_;
  Flavor flavor_;  // last, in rtt_seq_'s padding
};

}  // namespace finwait::tcp
