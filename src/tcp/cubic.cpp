// CUBIC (RFC 9438) as Linux's tcp_cubic.c computes it: beta 717/1024, C
// 0.4 (bic_scale 41), fast convergence, the Reno-friendly region, and
// HyStart (ACK trains and delay increase) ending slow start early.
// Deviation: RFC 9438 4.6 says beta 0.7 and a window after loss of
// cwnd*beta; Linux's integer 717/1024 is what scripts see.
#include <algorithm>
#include <cmath>
#include <limits>

#include "tcp/congestion_control.h"

namespace finwait::tcp {
namespace {

constexpr std::uint32_t k_beta = 717;           // / 1024
constexpr std::uint32_t k_beta_scale = 1024;
constexpr std::uint64_t k_cube_rtt_scale = 410;  // bic_scale * 10
constexpr int k_hz_shift = 10;                  // time in 1/1024 s
// 8 * (1024 + beta) / 3 / (1024 - beta): the Reno-friendly window's slope.
constexpr std::uint32_t k_friendly_scale = 8 * (k_beta_scale + k_beta) / 3 / (k_beta_scale - k_beta);
constexpr std::uint32_t k_hystart_low_window = 16;
constexpr std::int64_t k_hystart_ack_delta_us = 2000;
constexpr std::uint32_t k_hystart_min_samples = 8;

std::int64_t us(Duration d) { return d.nanoseconds() / 1000; }

}  // namespace

void Cubic::reset() {
  last_max_cwnd_ = 0;
  last_cwnd_ = 0;
  last_time_ = Instant::never();
  bic_origin_point_ = 0;
  bic_k_ = 0;
  delay_min_us_ = 0;
  epoch_start_ = Instant::never();
  ack_cnt_ = 0;
  tcp_cwnd_ = 0;
  cnt_ = 0;
  hystart_found_ = false;
}

void Cubic::update(std::uint32_t cwnd, std::uint32_t acked, Instant now) {
  ack_cnt_ += acked;
  if (last_cwnd_ == cwnd && last_time_ != Instant::never() && now - last_time_ <= milliseconds(1000 / 32)) return;
  const bool same_tick = epoch_start_ != Instant::never() && last_time_ != Instant::never() &&
                         now - last_time_ < milliseconds(1);
  if (!same_tick) {
    last_cwnd_ = cwnd;
    last_time_ = now;
    if (epoch_start_ == Instant::never()) {
      epoch_start_ = now;
      ack_cnt_ = acked;
      tcp_cwnd_ = cwnd;
      if (last_max_cwnd_ <= cwnd) {
        bic_k_ = 0;
        bic_origin_point_ = cwnd;
      } else {
        // K = cbrt((W_max - cwnd) / C), in 1/1024 s (RFC 9438 4.2).
        const double factor = static_cast<double>(std::uint64_t{1} << (10 + 3 * k_hz_shift)) / k_cube_rtt_scale;
        bic_k_ = static_cast<std::uint32_t>(std::cbrt(factor * (last_max_cwnd_ - cwnd)));
        bic_origin_point_ = last_max_cwnd_;
      }
    }
    // t: time since the epoch plus the minimum delay, in 1/1024 s.
    const std::int64_t t_us = us(now - epoch_start_) + delay_min_us_;
    const auto t = static_cast<std::uint64_t>((t_us << k_hz_shift) / 1'000'000);
    const std::uint64_t offs = t < bic_k_ ? bic_k_ - t : t - bic_k_;
    const auto delta =
        static_cast<std::uint32_t>((k_cube_rtt_scale * offs * offs * offs) >> (10 + 3 * k_hz_shift));
    const std::uint32_t target = t < bic_k_ ? bic_origin_point_ - delta : bic_origin_point_ + delta;
    cnt_ = target > cwnd ? cwnd / (target - cwnd) : 100 * cwnd;
    // While nothing is known of the path, at least 5 % a round.
    if (last_max_cwnd_ == 0 && cnt_ > 20) cnt_ = 20;
  }
  // RFC 9438 4.3: never slower than Reno would be.
  const std::uint32_t step = (cwnd * k_friendly_scale) >> 3;
  while (step > 0 && ack_cnt_ > step) {
    ack_cnt_ -= step;
    ++tcp_cwnd_;
  }
  if (tcp_cwnd_ > cwnd) {
    const std::uint32_t max_cnt = cwnd / (tcp_cwnd_ - cwnd);
    cnt_ = std::min(cnt_, max_cnt);
  }
  cnt_ = std::max<std::uint32_t>(cnt_, 2);  // at most 1.5x a round
}

void Cubic::on_ack(CongestionWindow& w, const AckSample& ack) {
  std::uint32_t acked = ack.acked;
  if (w.in_slow_start()) {
    acked = slow_start(w, acked);
    if (acked == 0) return;
  }
  update(w.cwnd, acked, ack.now);
  additive_increase(w, cnt_, acked);
}

std::uint32_t Cubic::ssthresh(const CongestionWindow& w) const {
  return std::max<std::uint32_t>(w.cwnd * k_beta / k_beta_scale, 2);
}

void Cubic::on_loss(const CongestionWindow& w, Instant) {
  // Linux's cubictcp_recalc_ssthresh(): the epoch ends; W_max with fast convergence.
  epoch_start_ = Instant::never();
  if (w.cwnd < last_max_cwnd_) {
    last_max_cwnd_ = w.cwnd * (k_beta_scale + k_beta) / (2 * k_beta_scale);
  } else {
    last_max_cwnd_ = w.cwnd;
  }
}

void Cubic::on_idle_restart() {
  // A restart after idle (or an RTO): the curve starts over.
  const std::uint32_t keep = last_max_cwnd_;
  reset();
  last_max_cwnd_ = keep;
}

void Cubic::hystart_reset(const AckSample& ack) {
  round_start_ = last_ack_ = ack.now;
  round_end_seq_ = ack.snd_nxt;
  round_started_ = true;
  curr_rtt_us_ = std::numeric_limits<std::int64_t>::max();
  sample_count_ = 0;
}

void Cubic::on_rtt(CongestionWindow& w, const AckSample& ack) {
  if (!ack.rtt) return;
  // Linux discards delay samples in the first second after a reduction.
  if (epoch_start_ != Instant::never() && ack.now - epoch_start_ < seconds(1)) return;
  const std::int64_t delay = std::max<std::int64_t>(us(*ack.rtt), 1);
  if (delay_min_us_ == 0 || delay_min_us_ > delay) delay_min_us_ = delay;
  if (hystart_found_ || !w.in_slow_start() || w.cwnd < k_hystart_low_window) return;
  if (!round_started_ || static_cast<std::int32_t>(ack.snd_una - round_end_seq_) > 0) hystart_reset(ack);
  // An ACK train: ACKs close together spanning half the minimum delay.
  if (us(ack.now - last_ack_) <= k_hystart_ack_delta_us) {
    last_ack_ = ack.now;
    if (us(ack.now - round_start_) > delay_min_us_ / 2) {
      hystart_found_ = true;
      w.ssthresh = w.cwnd;
    }
  }
  // Delay: the round's minimum RTT grew by an eighth of delay_min (4..16 ms).
  curr_rtt_us_ = std::min(curr_rtt_us_, delay);
  if (sample_count_ < k_hystart_min_samples) {
    ++sample_count_;
  } else if (curr_rtt_us_ > delay_min_us_ + std::clamp<std::int64_t>(delay_min_us_ >> 3, 4000, 16000)) {
    hystart_found_ = true;
    w.ssthresh = w.cwnd;
  }
}

}  // namespace finwait::tcp
