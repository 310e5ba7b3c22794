#include "tcp/ack_scheduler.h"

#include <algorithm>

namespace finwait::tcp {

void AckScheduler::on_data(std::size_t length, std::size_t segment_length, std::uint32_t window, Instant now) {
  if (length == 0) return;
  unacked_bytes_ += length;
  rcv_mss_ = std::max(rcv_mss_, segment_length);
  if (ato_.is_zero()) {
    // The first data: start the delayed-ACK engine in quick-ACK mode
    // (Linux's tcp_event_data_recv and tcp_incr_quickack).
    const auto by_window = static_cast<int>(window / (2 * rcv_mss_));
    quick_ = std::clamp(by_window, 2, k_max_quick_acks);
    ato_ = delayed_ack_timeout_;
  }
  last_data_received_ = now;
}

void AckScheduler::enter_quick_acks(int max_acks, std::uint32_t window) {
  // tcp_incr_quickack: half the window in segments, at least 2, at most max_acks.
  int acks = static_cast<int>(window / (2 * rcv_mss_));
  if (acks == 0) acks = 2;
  quick_ = std::max(quick_, std::min(acks, max_acks));
  pingpong_ = false;
}

void AckScheduler::hold_handshake_ack(Instant now, std::uint32_t window) {
  constexpr Duration k_delack_max = milliseconds(200);
  enter_quick_acks(k_max_quick_acks, window);
  ato_ = delayed_ack_timeout_;
  last_data_received_ = now;
  deadline_ = now + k_delack_max;
}

void AckScheduler::on_data_sent(Instant now) {
  if (pending() && now - last_data_received_ < ato_) pingpong_ = true;
}

bool AckScheduler::need_ack(Instant now) {
  const bool at_once = at_once_ || ack_every_segment_ || ato_.is_zero() || (quick_ > 0 && !pingpong_) ||
                       unacked_bytes_ > rcv_mss_;  // RFC 9293 3.8.6.3: at least every second full segment
  if (at_once) return true;
  if (deadline_ == Instant::never()) deadline_ = now + ato_;
  return false;
}

void AckScheduler::on_ack_sent() {
  if (quick_ > 0 && !pingpong_) --quick_;
  at_once_ = false;
  unacked_bytes_ = 0;
  deadline_ = Instant::never();
}

}  // namespace finwait::tcp
