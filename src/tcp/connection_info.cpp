// Connection::tcp_info(): the connection as Linux's tcp_get_info() reports it.
#include "tcp/connection.h"

namespace finwait::tcp {

namespace {

std::uint32_t micros(Duration d) {
  const std::int64_t us = d.nanoseconds() / 1000;
  return us <= 0 ? 0 : static_cast<std::uint32_t>(std::min<std::int64_t>(us, 0xffffffff));
}

}  // namespace

TcpInfo Connection::tcp_info(Instant now) const {
  TcpInfo info;
  info.state = linux_state_number(state_);
  info.ca_state = static_cast<std::uint8_t>(ca_state_ == CaState::open       ? 0
                                            : ca_state_ == CaState::disorder ? 1
                                            : ca_state_ == CaState::cwr      ? 2
                                            : ca_state_ == CaState::recovery ? 3
                                                                             : 4);
  info.retransmits = static_cast<std::uint8_t>(std::min(retransmits_, 255));
  // Linux's icsk_probes_out counts zero-window and keepalive probes alike;
  // icsk_backoff doubles with each RTO and each zero-window probe.
  info.probes = static_cast<std::uint8_t>(std::min(persist_probes_ + keepalive_probes_, 255));
  // A probe the device refused does not back off (Linux's tcp_send_probe0).
  info.backoff = static_cast<std::uint8_t>(std::min(retransmits_ + (resource_probing_ ? 0 : persist_probes_), 255));
  if (negotiated_.timestamps) info.options |= 1;
  if (negotiated_.sack) info.options |= 2;
  if (ecn_.agreed()) info.options |= 8;     // TCPI_OPT_ECN
  if (ecn_.seen_ect()) info.options |= 16;  // TCPI_OPT_ECN_SEEN
  if (syn_data_acked_) info.options |= 32;  // TCPI_OPT_SYN_DATA
  if (negotiated_.window_scaling) {
    info.options |= 4;
    info.snd_wscale = negotiated_.snd_wscale;
    info.rcv_wscale = negotiated_.rcv_wscale;
  }
  info.rto_us = micros(rtt_.rto());
  info.snd_mss = state_ == State::syn_sent || state_ == State::listen ? advertised_mss_ : current_mss();
  info.rcv_mss = static_cast<std::uint32_t>(ack_scheduler_.rcv_mss());
  info.unacked = rtx_.packets_out();
  info.sacked = rtx_.sacked_out();
  info.lost = rtx_.lost_out();
  info.retrans = rtx_.retrans_out();
  info.pmtu = static_cast<std::uint32_t>(path_mss_) + 40;
  info.rtt_us = micros(rtt_.srtt());
  info.rttvar_us = micros(rtt_.rttvar());
  info.snd_ssthresh = cwnd_.ssthresh;
  info.snd_cwnd = cwnd_.cwnd;
  info.advmss = advertised_mss_;
  info.reordering = rack_.degree;
  info.busy_time_us = chrono_.micros(SendChrono::Kind::busy, now);
  info.rwnd_limited_us = chrono_.micros(SendChrono::Kind::rwnd_limited, now);
  info.total_retrans = total_retrans_;
  info.delivered = delivered_;
  info.snd_wnd = snd_wnd_;
  info.rcv_wnd = static_cast<std::uint32_t>(wire::seq_diff(rcv_adv_, rcv_nxt_) > 0 ? wire::seq_diff(rcv_adv_, rcv_nxt_) : 0);
  info.bytes_acked = static_cast<std::uint64_t>(std::max<std::int64_t>(wire::seq_diff(snd_una_, iss_) - 1, 0));
  info.bytes_received = static_cast<std::uint64_t>(std::max<std::int64_t>(wire::seq_diff(rcv_nxt_, irs_) - 1, 0));
  return info;
}

}  // namespace finwait::tcp
