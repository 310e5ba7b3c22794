// When to acknowledge received data: at once, or after a delay (RFC 9293
// 3.8.6.3, RFC 1122 4.2.3.2), following Linux's choices where scripts can see
// them:
//  - no delay until the first data has arrived (Linux's ATO starts at zero),
//  - "quick ACK" mode for the first segments of a connection: up to 16, fewer
//    when the window is small (tcp_incr_quickack),
//  - an ACK at once when more than one full segment is unacknowledged,
//  - "ping-pong" (interactive) mode, entered when a FIN arrives in
//    ESTABLISHED or when the application answers within the ATO, turns quick
//    ACKs off; a delayed ACK that had to fire on its own turns it back on.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "time/instant.h"

namespace finwait::tcp {

class AckScheduler {
 public:
  static constexpr int k_max_quick_acks = 16;
  static constexpr std::size_t k_default_rcv_mss = 536;  // RFC 9293 3.7.1
  // The peer's segment size as seen so far (Linux's icsk_ack.rcv_mss).
  std::size_t rcv_mss() const { return rcv_mss_; }
  void observe_segment(std::size_t size) { rcv_mss_ = std::max(rcv_mss_, size); }

  void configure(Duration delayed_ack_timeout, bool ack_every_segment) {
    delayed_ack_timeout_ = delayed_ack_timeout;
    ack_every_segment_ = ack_every_segment;
  }

  // In-order data of `length` bytes has been accepted, from a segment that
  // carried `segment_length` (more when it filled a gap: the held bytes
  // join); `window` is the receive window in bytes, which sizes quick-ACK
  // mode. The segment's length alone estimates the peer's MSS.
  void on_data(std::size_t length, std::size_t segment_length, std::uint32_t window, Instant now);
  // A FIN arrived in ESTABLISHED (Linux enters ping-pong mode).
  void on_fin_in_established() { pingpong_ = true; }
  // The application sent data: within the ATO of receiving some, the exchange
  // looks interactive (Linux's tcp_event_data_sent).
  void on_data_sent(Instant now);

  // Linux's tcp_enter_quickack_mode(): up to `max_acks` ACKs without delay
  // (fewer when the window is small), out of ping-pong mode.
  void enter_quick_acks(int max_acks, std::uint32_t window);
  // The SYN-ACK's ACK waits for a blocked writer's data (Linux's
  // tcp_rcv_synsent_state_process with sk_write_pending): quick-ACK mode
  // with the minimum ATO, the SYN-ACK counted as just received (so that data
  // sent at once makes the exchange interactive), the ACK held at most
  // TCP_DELACK_MAX.
  void hold_handshake_ack(Instant now, std::uint32_t window);
  // The next need_ack() answers "now" (Linux's ICSK_ACK_NOW).
  void ack_next_at_once() { at_once_ = true; }

  // Something needs acknowledging: returns true if the ACK must go now,
  // otherwise arms the delayed-ACK deadline.
  bool need_ack(Instant now);
  // Any segment carrying an ACK went out.
  void on_ack_sent();
  // The delayed-ACK deadline passed with nothing piggybacked.
  void on_timer_fired() { pingpong_ = false; }

  Instant deadline() const { return deadline_; }
  bool pending() const { return deadline_ != Instant::never(); }

 private:
  // The 8-byte fields, then the rest: 56 bytes, not 64 (one a connection).
  Duration delayed_ack_timeout_ = milliseconds(40);
  Duration ato_;  // zero until data has been received
  std::size_t rcv_mss_ = k_default_rcv_mss;
  std::size_t unacked_bytes_ = 0;
  Instant last_data_received_;
  Instant deadline_ = Instant::never();
  int quick_ = 0;
  bool ack_every_segment_ = false;
  bool pingpong_ = false;
  bool at_once_ = false;
};

}  // namespace finwait::tcp
