// Congestion control behind one small interface (RFC 5681 3, and Linux's
// tcp_congestion_ops): the window and the slow-start threshold are counted
// in packets, as Linux counts them, so that scripts written for Linux see
// the same segments. Each algorithm is its own file: reno.cpp, cubic.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "time/instant.h"

namespace finwait::tcp {

struct CongestionWindow {
  static constexpr std::uint32_t k_infinite_ssthresh = 0x7fffffff;  // Linux's TCP_INFINITE_SSTHRESH
  std::uint32_t cwnd = 10;                                        // RFC 6928's initial window
  std::uint32_t ssthresh = k_infinite_ssthresh;
  std::uint32_t cwnd_count = 0;  // packets acknowledged toward the next increase
  bool in_slow_start() const { return cwnd < ssthresh; }
};

// What an ACK tells the algorithm: packets newly delivered (acknowledged or
// SACKed), an RTT sample if it gave one, and where the sequence space stands
// (HyStart counts rounds by SND.NXT).
struct AckSample {
  std::uint32_t acked = 0;
  std::optional<Duration> rtt;
  Instant now;
  std::uint32_t snd_una = 0;
  std::uint32_t snd_nxt = 0;
};

// Linux's tcp_slow_start(): grows by what was acknowledged, up to ssthresh;
// returns what is left over for congestion avoidance.
std::uint32_t slow_start(CongestionWindow& w, std::uint32_t acked);
// Linux's tcp_cong_avoid_ai(): one packet more per `per` packets acknowledged.
void additive_increase(CongestionWindow& w, std::uint32_t per, std::uint32_t acked);

// RFC 5681 with appropriate byte counting (RFC 3465) in packets: Linux's reno.
class Reno {
 public:
  static constexpr std::string_view k_name = "reno";
  void on_ack(CongestionWindow& w, const AckSample& ack);
  std::uint32_t ssthresh(const CongestionWindow& w) const;
  void on_loss(const CongestionWindow&, Instant) {}
  void on_rtt(CongestionWindow&, const AckSample&) {}
  void on_idle_restart() {}
};

// CUBIC (RFC 9438), as Linux's tcp_cubic.c computes it, with HyStart's
// ACK-train and delay detectors ending slow start early.
class Cubic {
 public:
  static constexpr std::string_view k_name = "cubic";
  void on_ack(CongestionWindow& w, const AckSample& ack);
  std::uint32_t ssthresh(const CongestionWindow& w) const;
  // A congestion event: remember where the window was (W_max) for the curve.
  void on_loss(const CongestionWindow& w, Instant now);
  void on_idle_restart();
  // Called with each RTT sample, for HyStart and the curve's delay_min.
  void on_rtt(CongestionWindow& w, const AckSample& ack);

 private:
  void update(std::uint32_t cwnd, std::uint32_t acked, Instant now);
  void hystart_reset(const AckSample& ack);
  void reset();

  std::uint32_t last_max_cwnd_ = 0;  // W_max
  std::uint32_t last_cwnd_ = 0;
  Instant last_time_ = Instant::never();
  std::uint32_t bic_origin_point_ = 0;
  std::uint32_t bic_k_ = 0;  // in 1/1024 s
  std::int64_t delay_min_us_ = 0;
  Instant epoch_start_ = Instant::never();
  std::uint32_t ack_cnt_ = 0;
  std::uint32_t tcp_cwnd_ = 0;
  std::uint32_t cnt_ = 0;
  // HyStart
  bool hystart_found_ = false;
  Instant round_start_;
  Instant last_ack_;
  std::int64_t curr_rtt_us_ = 0;
  std::uint32_t sample_count_ = 0;
  std::uint32_t round_end_seq_ = 0;  // SND.NXT when the round began
  bool round_started_ = false;
};

enum class CongestionAlgorithm : std::uint8_t { reno, cubic };
std::optional<CongestionAlgorithm> congestion_algorithm_named(std::string_view name);
std::string_view to_string(CongestionAlgorithm algorithm);

// The algorithm a connection runs, without an allocation.
class CongestionControl {
 public:
  explicit CongestionControl(CongestionAlgorithm algorithm = CongestionAlgorithm::cubic);
  CongestionAlgorithm algorithm() const;
  std::string_view name() const;
  void on_ack(CongestionWindow& w, const AckSample& ack);
  std::uint32_t ssthresh(const CongestionWindow& w) const;
  void on_loss(const CongestionWindow& w, Instant now);
  void on_rtt(CongestionWindow& w, const AckSample& ack);
  void on_idle_restart();

 private:
  std::variant<Reno, Cubic> algorithm_;
};

}  // namespace finwait::tcp
