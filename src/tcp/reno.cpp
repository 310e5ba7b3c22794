// Reno: RFC 5681 3.1 in packets, with appropriate byte counting (RFC 3465)
// as Linux's tcp_reno_cong_avoid() does it: slow start grows by what was
// acknowledged, congestion avoidance by one packet per window.
#include <algorithm>

#include "tcp/congestion_control.h"

namespace finwait::tcp {

void Reno::on_ack(CongestionWindow& w, const AckSample& ack) {
  std::uint32_t acked = ack.acked;
  if (w.in_slow_start()) {
    acked = slow_start(w, acked);
    if (acked == 0) return;
  }
  additive_increase(w, w.cwnd, acked);
}

std::uint32_t Reno::ssthresh(const CongestionWindow& w) const {
  // RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 * SMSS); Linux halves cwnd.
  return std::max<std::uint32_t>(w.cwnd >> 1, 2);
}

}  // namespace finwait::tcp
