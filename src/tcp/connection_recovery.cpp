// Loss detection and the congestion response, as Linux 6.x does them
// (tcp_fastretrans_alert, tcp_rack_*, tcp_cwnd_reduction):
//  - with SACK, RACK (RFC 8985 6) marks a segment lost once a segment sent
//    after it has been delivered and a reordering window has passed; the
//    window is zero once tcp_reordering segments are SACKed (RFC 6675's
//    DupThresh), so three SACKs start recovery at once;
//  - without SACK, NewReno (RFC 6582): tcp_reordering duplicate ACKs mark the
//    first segment lost, and each partial ACK in recovery the next one;
//  - in recovery, PRR (RFC 6937) paces what goes out, ending at ssthresh;
//  - after an RTO (Loss), everything not SACKed is lost and is resent as the
//    window reopens in slow start (RFC 5681 3.1, RFC 6675 5.1);
//  - an ECN echo (RFC 3168 6.1.2) reduces the window once per window of
//    data, as PRR paces it (CWR), and queues CWR for the next new data.
#include <algorithm>

#include "tcp/connection.h"

namespace finwait::tcp {

using wire::seq_gt;
using wire::seq_lt;
using wire::SeqNum;

namespace {

bool sent_after(Instant t1, SeqNum end1, Instant t2, SeqNum end2) {
  return t1 > t2 || (t1 == t2 && seq_gt(end1, end2));
}

// Linux's TCP_TIMEOUT_MIN: the reordering timer's slack.
constexpr Duration k_reorder_slack = milliseconds(2);

}  // namespace

std::uint32_t Connection::packets_in_flight() const {
  const std::uint32_t in_flight = rtx_.in_flight();
  if (negotiated_.sack) return in_flight;
  // Without SACK each duplicate ACK stands for a segment that left the network.
  return in_flight > dupacks_ ? in_flight - dupacks_ : 0;
}

bool Connection::cwnd_limited() const {
  // Linux's tcp_is_cwnd_limited(): grow only a window that is in use; in
  // slow start, up to twice what was in flight.
  if (is_cwnd_limited_) return true;
  return cwnd_.in_slow_start() && cwnd_.cwnd < 2 * max_packets_out_;
}

void Connection::note_cwnd_use(bool limited_now) {
  // Linux's tcp_cwnd_validate(): once a round, or when the window limited us.
  if (!seq_lt(snd_una_, cwnd_usage_seq_) || limited_now || rtx_.packets_out() > max_packets_out_) {
    is_cwnd_limited_ = limited_now;
    max_packets_out_ = rtx_.packets_out();
    cwnd_usage_seq_ = snd_nxt_;
  }
}

void Connection::rack_advance(const SentSegment& delivered, Instant now) {
  // RFC 8985 6.2 steps 1-3, per segment as Linux's tcp_rack_advance().
  const Duration rtt = now - delivered.sent;
  // A retransmission delivered faster than the minimum RTT may be the
  // original's delivery: it says nothing.
  if (delivered.retransmitted && min_rtt_.nanoseconds() >= 0 && rtt < min_rtt_) return;
  rack_.rtt = rtt;
  if (rack_.sent == Instant::never() || sent_after(delivered.sent, delivered.end(), rack_.sent, rack_.end)) {
    rack_.sent = delivered.sent;
    rack_.end = delivered.end();
  }
}

Duration Connection::rack_reorder_window() const {
  // RFC 8985 6.2 step 4, as Linux's tcp_rack_reo_wnd().
  if (!rack_.reordering_seen) {
    if (ca_state_ == CaState::recovery || ca_state_ == CaState::loss) return Duration{};
    if (rtx_.sacked_out() >= rack_.degree &&
        (tunables().get(TunableId::tcp_recovery) & 4) == 0)
      return Duration{};
  }
  const Duration min_rtt = min_rtt_.nanoseconds() >= 0 ? min_rtt_ : Duration{};
  return std::min(min_rtt / 4 * static_cast<std::int64_t>(rack_.reorder_steps), rtt_.srtt());
}

bool Connection::rack_detect_loss(Instant now) {
  reorder_at_ = Instant::never();
  if (rack_.sent == Instant::never()) return false;
  const Duration window = rack_reorder_window();
  Duration wait_longest;
  bool marked = false;
  // With no retransmission in flight the queue is in the order it was sent:
  // past the first segment sent after RACK's, none can be (Linux walks its
  // time-sorted queue and stops there too).
  const bool in_send_order = rtx_.retrans_out() == 0;
  for (std::size_t i = 0; i < rtx_.size(); ++i) {
    const SentSegment& s = rtx_.at(i);
    if (s.sacked || (s.lost && !s.retrans_in_flight)) continue;
    if (!sent_after(rack_.sent, rack_.end, s.sent, s.end())) {
      if (in_send_order) break;
      continue;
    }
    const Duration remaining = rack_.rtt + window - (now - s.sent);
    if (remaining.nanoseconds() <= 0) {
      rtx_.mark_lost(i);
      marked = true;
    } else {
      wait_longest = std::max(wait_longest, remaining);
    }
  }
  if (wait_longest.nanoseconds() > 0) reorder_at_ = now + wait_longest + k_reorder_slack;
  return marked;
}

void Connection::newreno_mark_lost(bool snd_una_advanced) {
  // Linux's tcp_newreno_mark_lost(): the first segment, cut to one MSS.
  const std::uint32_t threshold = rack_.degree;
  const bool start = ca_state_ != CaState::recovery && ca_state_ != CaState::loss && dupacks_ >= threshold;
  if (!(start || (ca_state_ == CaState::recovery && snd_una_advanced)) || rtx_.empty()) return;
  if (rtx_.front().lost) return;
  const std::uint32_t mss = rtx_.mss();
  if (rtx_.front().packets > 1) rtx_.split(0, mss);
  rtx_.mark_lost(0);
}

void Connection::start_cwnd_reduction(Instant now) {
  // Linux's tcp_init_cwnd_reduction().
  high_seq_ = snd_nxt_;
  cwnd_.cwnd_count = 0;
  prior_cwnd_ = cwnd_.cwnd;
  prr_delivered_ = 0;
  prr_out_ = 0;
  congestion_.on_loss(cwnd_, now);
  cwnd_.ssthresh = congestion_.ssthresh(cwnd_);
  ecn_.queue_cwr();
}

void Connection::enter_cwr(Instant now) {
  // Linux's tcp_enter_cwr(): once, until what was sent then is acknowledged.
  if (ca_state_ != CaState::open && ca_state_ != CaState::disorder) return;
  start_cwnd_reduction(now);
  ca_state_ = CaState::cwr;
}

void Connection::enter_recovery(Instant now) {
  // Linux's tcp_enter_recovery(): a reduction already under way for an ECN
  // echo (CWR) goes on as recovery's.
  if (ca_state_ != CaState::cwr) start_cwnd_reduction(now);
  ca_state_ = CaState::recovery;
  loss_probe_at_ = Instant::never();
  ++(negotiated_.sack ? counters().sack_recovery : counters().reno_recovery);
}

void Connection::check_sack_reordering(SeqNum low_seq) {
  // Linux's tcp_check_sack_reordering(): the distance from the highest SACKed
  // byte down to the late segment, in segments, raises the reordering degree
  // (at most tcp_max_reordering); RACK then keeps a reordering window even
  // in recovery (RFC 8985 6.2 step 4).
  const std::optional<SeqNum> highest = rtx_.highest_sacked();
  const SeqNum fack = highest ? *highest : snd_una_;
  if (!seq_lt(low_seq, fack)) return;
  const auto metric = static_cast<std::uint32_t>(wire::seq_diff(fack, low_seq));
  const std::uint32_t mss = rtx_.mss();
  if (mss > 0 && metric > rack_.degree * mss) {
    rack_.degree = std::min((metric + mss - 1) / mss,
                            static_cast<std::uint32_t>(tunables().get(TunableId::tcp_max_reordering)));
  }
  rack_.reordering_seen = true;
}

void Connection::enter_loss(Instant now) {
  // Linux's tcp_enter_loss(): a timeout after many SACKs with no recovery
  // says the degree of reordering was overestimated: back to tcp_reordering.
  const auto configured = static_cast<std::uint32_t>(tunables().get(TunableId::tcp_reordering));
  if ((ca_state_ == CaState::open || ca_state_ == CaState::disorder) && rtx_.sacked_out() >= configured)
    rack_.degree = std::min(rack_.degree, configured);
  // A new ssthresh unless one was set in this window.
  const bool new_window =
      ca_state_ == CaState::open || ca_state_ == CaState::disorder || !seq_gt(high_seq_, snd_una_) ||
      (ca_state_ == CaState::loss && retransmits_ == 0);
  rtx_.mark_all_lost();
  if (new_window) {
    prior_cwnd_ = cwnd_.cwnd;
    congestion_.on_loss(cwnd_, now);
    cwnd_.ssthresh = congestion_.ssthresh(cwnd_);
  }
  cwnd_.cwnd = packets_in_flight() + 1;
  cwnd_.cwnd_count = 0;
  dupacks_ = 0;
  ca_state_ = CaState::loss;
  high_seq_ = snd_nxt_;
  reorder_at_ = Instant::never();
  ecn_.queue_cwr();
}

void Connection::cwnd_reduction(std::uint32_t delivered, std::uint32_t newly_lost, bool snd_una_advanced) {
  // PRR (RFC 6937) as Linux's tcp_cwnd_reduction(): proportional while the
  // pipe is above ssthresh, slow start back up to it below.
  if (delivered == 0 || prior_cwnd_ == 0) return;
  prr_delivered_ += delivered;
  const std::int64_t in_flight = packets_in_flight();
  const std::int64_t delta = static_cast<std::int64_t>(cwnd_.ssthresh) - in_flight;
  std::int64_t send_count = 0;
  if (delta < 0) {
    const std::uint64_t dividend = std::uint64_t{cwnd_.ssthresh} * prr_delivered_ + prior_cwnd_ - 1;
    send_count = static_cast<std::int64_t>(dividend / prior_cwnd_) - prr_out_;
  } else {
    send_count = std::max<std::int64_t>(static_cast<std::int64_t>(prr_delivered_) - prr_out_, delivered);
    if (snd_una_advanced && newly_lost == 0) ++send_count;
    send_count = std::min(delta, send_count);
  }
  // A fast retransmit goes out on entering recovery, whatever PRR says.
  send_count = std::max<std::int64_t>(send_count, prr_out_ != 0 ? 0 : 1);
  cwnd_.cwnd = static_cast<std::uint32_t>(in_flight + send_count);
}

void Connection::retransmit_lost(Instant now) {
  // Linux's tcp_xmit_retransmit_queue(): lost segments in order while pipe < cwnd.
  const std::uint32_t mss = current_mss();
  bool sent = false;
  for (std::size_t i = 0; i < rtx_.size(); ++i) {
    const std::uint32_t room = cwnd_room();
    if (room == 0) break;
    const SentSegment& s = rtx_.at(i);
    if (s.sacked || !s.lost || s.retrans_in_flight) continue;
    if (s.syn) {
      retransmit_first(now);
      sent = true;
      continue;
    }
    const std::uint32_t data = s.length - (s.fin ? 1 : 0);
    // As many packets as the window has room for, each of one MSS.
    const std::uint32_t fits = std::min(room, std::max<std::uint32_t>(1, max_segmented_packet_ > 80 + mss
                                                                             ? (max_segmented_packet_ - 80) / mss
                                                                             : 1));
    if (data > fits * mss) rtx_.split(i, fits * mss);
    const SentSegment& piece = rtx_.at(i);
    send_data_segment(piece.start, piece.length - (piece.fin ? 1 : 0), true, now);
    rtx_.on_retransmit(i, last_data_sent_);
    sent = true;
  }
  if (sent && retransmit_at_ == Instant::never()) arm_retransmit(now);
}

void Connection::on_ack_congestion(const AckOutcome& ack, Instant now) {
  const std::uint32_t lost_before = rtx_.lost_out();
  const std::uint32_t threshold = rack_.degree;
  std::uint32_t delivered = ack.delivered;
  if (!negotiated_.sack) {
    // Linux counts a duplicate ACK as one packet delivered, and an ACK that
    // fills the hole as what it acknowledged beyond the duplicates (at least one).
    if (ack.snd_una_advanced) delivered = std::max<std::uint32_t>(ack.acked > dupacks_ ? ack.acked - dupacks_ : 0, 1);
    if (ack.duplicate) delivered = 1;
    if (ack.snd_una_advanced) {
      // Linux's tcp_remove_reno_sacks(): one ACK fills the hole, the rest eat duplicates.
      dupacks_ = ack.acked > dupacks_ + 1 ? 0 : dupacks_ - (ack.acked > 0 ? ack.acked - 1 : 0);
      if (ca_state_ != CaState::recovery) dupacks_ = 0;
    }
    if (ack.duplicate) {
      ++dupacks_;
      // Linux's tcp_limit_reno_sacked(): never more than what is out, less one
      // hole; more duplicates than that mean reordering of at least what is out
      // (tcp_check_reno_reordering).
      const std::uint32_t holes = std::min(std::max<std::uint32_t>(rtx_.lost_out(), 1), rtx_.packets_out());
      if (dupacks_ + holes > rtx_.packets_out()) {
        dupacks_ = rtx_.packets_out() - holes;
        rack_.degree = std::min(rtx_.packets_out(),
                                static_cast<std::uint32_t>(tunables().get(TunableId::tcp_max_reordering)));
        rack_.reordering_seen = true;
      }
    }
  }
  // State exit: CWR ends once SND.UNA passes what was sent when it began,
  // so that the CWR flag has reached the receiver (Linux's tcp_fastretrans_alert).
  if (ca_state_ == CaState::cwr && seq_gt(snd_una_, high_seq_)) {
    if (cwnd_.ssthresh < CongestionWindow::k_infinite_ssthresh) cwnd_.cwnd = cwnd_.ssthresh;
    ca_state_ = CaState::open;
  }
  // Recovery or loss ends once SND.UNA reaches what was sent when it began.
  if ((ca_state_ == CaState::recovery || ca_state_ == CaState::loss) && !seq_lt(snd_una_, high_seq_)) {
    // Linux's tcp_end_cwnd_reduction(): the window set to ssthresh after recovery.
    if (ca_state_ == CaState::recovery && cwnd_.ssthresh < CongestionWindow::k_infinite_ssthresh)
      cwnd_.cwnd = cwnd_.ssthresh;
    ca_state_ = CaState::open;
    dupacks_ = 0;
  }
  // Loss detection.
  const bool rack = negotiated_.sack && (tunables().get(TunableId::tcp_recovery) & 1) != 0;
  if (rack) {
    rack_detect_loss(now);
  } else if (negotiated_.sack) {
    // RFC 6675 IsLost() without RACK: DupThresh segments SACKed above an unSACKed one.
    if (rtx_.sacked_out() >= threshold) {
      const auto highest = rtx_.highest_sacked();
      for (std::size_t i = 0; highest && i < rtx_.size() && seq_lt(rtx_.at(i).start, *highest); ++i) {
        if (!rtx_.at(i).sacked && !rtx_.at(i).lost) rtx_.mark_lost(i);
      }
    }
  } else {
    newreno_mark_lost(ack.snd_una_advanced);
  }
  const std::uint32_t newly_lost = rtx_.lost_out() > lost_before ? rtx_.lost_out() - lost_before : 0;
  if (ca_state_ == CaState::open || ca_state_ == CaState::disorder || ca_state_ == CaState::cwr) {
    // Linux's tcp_time_to_recover(): the loss is proven; else tcp_try_to_open().
    if (rtx_.lost_out() > 0) {
      enter_recovery(now);
    } else {
      if (ack.ece) enter_cwr(now);
      if (ca_state_ != CaState::cwr) {
        ca_state_ = rtx_.sacked_out() > 0 || dupacks_ > 0 || rtx_.retrans_out() > 0 ? CaState::disorder : CaState::open;
      }
    }
  }
  // The congestion response (Linux's tcp_cong_control).
  const AckSample sample{delivered, ack.rtt, now, snd_una_.raw(), snd_nxt_.raw()};
  if (ack.rtt) congestion_.on_rtt(cwnd_, sample);
  if (ca_state_ == CaState::recovery || ca_state_ == CaState::cwr) {
    cwnd_reduction(delivered, newly_lost, ack.snd_una_advanced);
  } else if (ack.data_acked && cwnd_limited()) {
    congestion_.on_ack(cwnd_, sample);
  }
  if (ca_state_ == CaState::recovery || ca_state_ == CaState::loss) retransmit_lost(now);
}

void Connection::on_reorder_timer(Instant now) {
  // Linux's tcp_rack_reo_timeout(): the reordering window has passed.
  reorder_at_ = Instant::never();
  const std::uint32_t before = packets_in_flight();
  rack_detect_loss(now);
  if (packets_in_flight() != before) {
    if (ca_state_ != CaState::recovery) {
      enter_recovery(now);
      cwnd_reduction(1, 0, false);
    }
    retransmit_lost(now);
  }
  if (retransmit_at_ == Instant::never() && !rtx_.empty()) arm_retransmit(now);
}

bool Connection::on_path_mtu(std::uint32_t mtu, SeqNum quoted_seq, Instant now) {
  // RFC 1191 3 with Linux's floor (net.ipv4.route.min_pmtu, 552): a smaller
  // or missing next-hop MTU is taken as 552; a larger one changes nothing.
  constexpr std::uint32_t k_min_pmtu = 552;
  const auto mss = static_cast<std::uint16_t>(std::max(mtu, k_min_pmtu) - 40);
  if (state_ == State::syn_sent && syn_data_ > 0 && !seq_lt(quoted_seq, iss_) && !seq_gt(quoted_seq, snd_nxt_)) {
    // A SYN with data (RFC 7413) too large for the path: Linux's
    // tcp_simple_retransmit() resends the SYN at once, plain, offering the
    // path's MSS; the data goes after the handshake.
    if (mss >= path_mss_) return true;
    path_mss_ = mss;
    offer_->mss = std::min(offer_->mss, mss);
    advertised_mss_ = offer_->mss;
    ++counters().retrans_segs;
    ++total_retrans_;
    send_handshake(now);
    return true;
  }
  // Linux's tcp_v4_err(): only a quote of something in flight counts.
  if (!is_synchronized(state_) || seq_lt(quoted_seq, snd_una_) || seq_gt(quoted_seq, snd_nxt_)) return false;
  if (mss >= path_mss_) return true;
  path_mss_ = mss;
  rtx_.set_mss(effective_mss());
  // Linux's tcp_simple_retransmit(): what was sent larger is lost and goes
  // again in the new size; the window is not reduced (the data in flight
  // did not grow, only its units shrank).
  const std::uint32_t now_mss = current_mss();
  const std::uint32_t lost_before = rtx_.lost_out();
  for (std::size_t i = 0; i < rtx_.size(); ++i) {
    const SentSegment& s = rtx_.at(i);
    // Per packet: a large segment was cut by the device in its MSS of then.
    const std::uint32_t packet = (s.length - (s.fin ? 1 : 0) + s.packets - 1) / std::max<std::uint32_t>(s.packets, 1);
    if (!s.sacked && !s.syn && packet > now_mss) rtx_.mark_lost(i);
  }
  if (rtx_.lost_out() == lost_before) return true;
  if (ca_state_ != CaState::loss) {
    high_seq_ = snd_nxt_;
    cwnd_.ssthresh = std::max(cwnd_.ssthresh, (cwnd_.cwnd >> 1) + (cwnd_.cwnd >> 2));
    ca_state_ = CaState::loss;
  }
  retransmit_lost(now);
  return true;
}

bool Connection::on_unreachable(SeqNum seq, Errno error, Instant now) {
  (void)now;
  // Linux's tcp_v4_err: only a quote of what is in flight counts.
  if (state_ != State::listen && !(wire::seq_ge(seq, snd_una_) && wire::seq_le(seq, snd_nxt_))) return false;
  if (state_ == State::syn_received && fast_open_child_) enter_closed(Cause::icmp_unreachable, error);
  return true;
}

}  // namespace finwait::tcp
