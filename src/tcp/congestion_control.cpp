#include "tcp/congestion_control.h"

#include <algorithm>

namespace finwait::tcp {

std::uint32_t slow_start(CongestionWindow& w, std::uint32_t acked) {
  const std::uint32_t grown = std::min(w.cwnd + acked, w.ssthresh);
  acked -= grown - w.cwnd;
  w.cwnd = grown;
  return acked;
}

void additive_increase(CongestionWindow& w, std::uint32_t per, std::uint32_t acked) {
  per = std::max<std::uint32_t>(per, 1);
  // Linux's tcp_cong_avoid_ai(): a credit left from a larger `per` first.
  if (w.cwnd_count >= per) {
    w.cwnd_count = 0;
    ++w.cwnd;
  }
  w.cwnd_count += acked;
  if (w.cwnd_count >= per) {
    const std::uint32_t delta = w.cwnd_count / per;
    w.cwnd_count -= delta * per;
    w.cwnd += delta;
  }
}

std::optional<CongestionAlgorithm> congestion_algorithm_named(std::string_view name) {
  if (name == Reno::k_name) return CongestionAlgorithm::reno;
  if (name == Cubic::k_name) return CongestionAlgorithm::cubic;
  return std::nullopt;
}

std::string_view to_string(CongestionAlgorithm algorithm) {
  return algorithm == CongestionAlgorithm::reno ? Reno::k_name : Cubic::k_name;
}

CongestionControl::CongestionControl(CongestionAlgorithm algorithm) {
  if (algorithm == CongestionAlgorithm::reno) {
    algorithm_ = Reno{};
  } else {
    algorithm_ = Cubic{};
  }
}

CongestionAlgorithm CongestionControl::algorithm() const {
  return std::holds_alternative<Reno>(algorithm_) ? CongestionAlgorithm::reno : CongestionAlgorithm::cubic;
}

std::string_view CongestionControl::name() const { return to_string(algorithm()); }

void CongestionControl::on_ack(CongestionWindow& w, const AckSample& ack) {
  std::visit([&](auto& a) { a.on_ack(w, ack); }, algorithm_);
}

std::uint32_t CongestionControl::ssthresh(const CongestionWindow& w) const {
  return std::visit([&](const auto& a) { return a.ssthresh(w); }, algorithm_);
}

void CongestionControl::on_loss(const CongestionWindow& w, Instant now) {
  std::visit([&](auto& a) { a.on_loss(w, now); }, algorithm_);
}

void CongestionControl::on_rtt(CongestionWindow& w, const AckSample& ack) {
  std::visit([&](auto& a) { a.on_rtt(w, ack); }, algorithm_);
}

void CongestionControl::on_idle_restart() {
  std::visit([](auto& a) { a.on_idle_restart(); }, algorithm_);
}

}  // namespace finwait::tcp
