// Building and sending segments: SYN, SYN-ACK, data, FIN, ACK, RST and probes.
#include <algorithm>

#include "tcp/connection.h"

namespace finwait::tcp {

using wire::SeqNum;
using wire::TcpFlags;
using wire::TcpSegment;

namespace {

constexpr std::uint8_t k_syn = TcpFlags::syn;
constexpr std::uint8_t k_ack = TcpFlags::ack;

}  // namespace

TcpSegment Connection::make_segment(std::uint8_t flags, SeqNum seq, Instant now) {
  TcpSegment segment;
  segment.src_port = local_port_;
  segment.dst_port = remote_port_;
  segment.seq = seq;
  segment.flags = TcpFlags(flags);
  if (segment.flags.ack_set()) segment.ack = rcv_nxt_;
  if (segment.flags.rst_set()) {
    // A connection's own reset (Linux's tcp_send_active_reset: abort,
    // SO_LINGER 0, unread data at close, connect(AF_UNSPEC), keepalive's end)
    // carries the receive window, as tcp_transmit_skb() computes it for any
    // segment; a reset answering a segment for no connection has window 0
    // (tcp_v4_send_reset, reset_reply). Other profiles send 0 (SCRIPTS.md 7).
    segment.window = tunables().profile() == Profile::linux ? window_field(false) : 0;
  } else {
    segment.window = window_field(segment.flags.syn_set());
  }
  if (negotiated_.timestamps && !segment.flags.syn_set()) {
    // RFC 7323 3.2: once negotiated, every segment carries TSval and TSecr;
    // Linux pads them with two NOPs to a word boundary.
    segment.options.add_nop().add_nop().add_timestamps(timestamp_value(now), ts_recent_);
  }
  if (negotiated_.sack && !segment.flags.syn_set() && !segment.flags.rst_set() && sacks_pending()) {
    // RFC 2018 3: as many blocks as fit beside the other options (3 with
    // timestamps, 4 without), after two NOPs as Linux aligns them.
    const wire::SackBlocks blocks = out_of_order_->sacks.take_blocks(negotiated_.timestamps ? 3 : 4);
    release_out_of_order();
    if (blocks.count > 0) segment.options.add_nop().add_nop().add_sack(std::span(blocks.blocks.data(), blocks.count));
  }
  return segment;
}

void Connection::transmit(TcpSegment segment, Instant now) {
  (void)now;
  ecn_.mark_echo(segment);
  if (segment.flags.ack_set() && !segment.flags.rst_set()) {
    ack_scheduler_.on_ack_sent();
    last_ack_sent_ = segment.ack;
    const std::uint32_t advertised = static_cast<std::uint32_t>(segment.window)
                                     << (segment.flags.syn_set() ? 0 : negotiated_.rcv_wscale);
    const SeqNum right_edge = rcv_nxt_ + advertised;
    if (!segment.flags.syn_set()) rwin_.announced(advertised);
    if (wire::seq_gt(right_edge, rcv_adv_)) rcv_adv_ = right_edge;
  }
  queue_segment(segment);
}

std::uint32_t Connection::receive_window() const {
  return rwin_.select(static_cast<std::uint32_t>(ack_scheduler_.rcv_mss()));
}

std::size_t Connection::receive_capacity() const {
  constexpr std::size_t k_largest_segment = 65536;
  return rwin_.buffer() + (tunables().profile() == Profile::linux ? k_largest_segment : 0);
}

std::uint64_t Connection::held_out_of_order() const {
  std::uint64_t held = 0;
  if (out_of_order_ == nullptr) return held;
  for (const SeqRange& range : out_of_order_->held.ranges()) held += static_cast<std::uint32_t>(wire::seq_diff(range.right, range.left));
  return held;
}

std::uint16_t Connection::window_field(bool syn) const {
  if (syn) return rwin_.syn_window();  // RFC 7323 2.2: never scaled
  // RFC 9293 3.8.6.2.2: never move the right edge back.
  std::uint32_t window = receive_window();
  const std::int32_t promised = wire::seq_diff(rcv_adv_, rcv_nxt_);
  if (promised > 0) window = std::max(window, static_cast<std::uint32_t>(promised));
  // Linux's __tcp_select_window rounds a scaled window up to the scale, so
  // that a small free space is not announced as zero.
  const std::uint32_t unit = 1u << negotiated_.rcv_wscale;
  const std::uint64_t rounded = (std::uint64_t{window} + unit - 1) / unit;
  return static_cast<std::uint16_t>(std::min<std::uint64_t>(rounded, 0xffff));
}

void Connection::send_handshake(Instant now) {
  // SYN from SYN-SENT, SYN-ACK from SYN-RECEIVED; a retransmission carries
  // the same options with a fresh TSval.
  const bool syn_ack = state_ != State::syn_sent;
  TcpSegment segment = make_segment(syn_ack ? (k_syn | k_ack) : k_syn, iss_, now);
  if (offer_->timestamps) *offer_->timestamps = wire::TcpTimestamps{timestamp_value(now), ts_recent_};
  segment.options = build_handshake_options(*offer_);
  if (rtx_.empty()) {
    SentSegment syn;
    syn.start = iss_;
    syn.length = 1;
    syn.sent = now;
    syn.syn = true;
    rtx_.push(syn);
    snd_nxt_ = iss_ + 1;
    if (syn_data_ > 0 && !syn_ack) {
      // RFC 7413: the data rides in this first SYN only.
      segment.payload = send_queue_.peek(0, syn_data_);
      snd_nxt_ = snd_nxt_ + syn_data_;
    }
  } else {
    rtx_.front().retransmitted = true;
    rtx_.front().sent = now;
    if (!syn_ack) ecn_.on_syn_retransmitted(tunables().enabled(TunableId::tcp_ecn_fallback));
  }
  ecn_.mark_handshake(segment, syn_ack);
  transmit(segment, now);
  if (retransmit_at_ == Instant::never()) arm_retransmit(now);
}

void Connection::send_ack(Instant now) {
  transmit(make_segment(k_ack, snd_nxt_, now), now);
}

void Connection::send_challenge_ack(Instant now) {
  // RFC 5961 7: challenge ACKs are rate-limited, per connection (Linux's
  // tcp_invalid_ratelimit) and per stack (tcp_challenge_ack_limit).
  const Duration gap = tunables().duration(TunableId::tcp_invalid_ratelimit);
  if (last_invalid_ack_ != Instant::never() && now - last_invalid_ack_ < gap) return;
  if (context_->challenge_acks != nullptr && !context_->challenge_acks->allow(now)) return;
  last_invalid_ack_ = now;
  send_ack(now);
}

void Connection::send_rate_limited_ack(Instant now) {
  // Linux's tcp_oow_rate_limited(): a duplicate ACK for an out-of-window pure
  // ACK at most every tcp_invalid_ratelimit, so two stacks cannot loop.
  const Duration gap = tunables().duration(TunableId::tcp_invalid_ratelimit);
  if (last_invalid_ack_ != Instant::never() && now - last_invalid_ack_ < gap) return;
  last_invalid_ack_ = now;
  send_ack(now);
}

void Connection::send_reset_active(Instant now) {
  // RFC 9293 3.10.5: <SEQ=SND.NXT><CTL=RST>; Linux's tcp_send_active_reset()
  // adds the ACK, which scripts expect (`R. 1:1(0) ack 1`).
  transmit(make_segment(TcpFlags::rst | k_ack, snd_nxt_, now), now);
}

void Connection::send_reset_reply(const TcpSegment& to, Instant now) {
  (void)now;
  queue_segment(reset_reply(to));
}

void Connection::send_window_probe(Instant now) {
  // RFC 1122 4.2.3.6 and Linux's tcp_xmit_probe_skb(): an ACK one below
  // SND.UNA carrying no data, which the peer must answer with an ACK.
  // It serves keepalive and zero-window probing alike.
  transmit(make_segment(k_ack, snd_una_ - 1, now), now);
}

void Connection::schedule_ack(Instant now) {
  if (ack_scheduler_.need_ack(now)) send_ack(now);
}

bool Connection::send_data_segment(SeqNum seq, std::uint32_t max_length, bool retransmission, Instant now,
                                   bool push) {
  const SeqNum data_end = send_base_ + static_cast<std::uint32_t>(send_queue_.size());
  const std::uint32_t offset = static_cast<std::uint32_t>(wire::seq_diff(seq, send_base_));
  const std::uint32_t available =
      wire::seq_lt(seq, data_end) ? static_cast<std::uint32_t>(wire::seq_diff(data_end, seq)) : 0;
  const std::uint32_t length = within_record(seq, std::min(max_length, available));
  // The FIN rides on the segment that carries the last byte, if it is queued.
  const bool with_fin = fin_queued_ && seq + length == data_end && (!fin_sent_ || fin_seq_ == data_end);
  if (length == 0 && !with_fin) return false;
  // Linux's tcp_write_xmit(): a packet the device's queue drops is not sent;
  // the data stays unsent and the probe timer tries again.
  if (!retransmission && device_refuses()) return false;
  if (retransmission) {
    ++counters().retrans_segs;
    ++total_retrans_;
  }
  // Segments sent in one instant of virtual time leave a nanosecond apart,
  // in order, as a device serialises them: RACK (RFC 8985 6.2) tells them
  // apart by when they were sent, as Linux does by their microsecond stamps.
  last_data_sent_ = last_data_sent_ != Instant::never() && !(last_data_sent_ < now)
                        ? last_data_sent_ + Duration::from_nanoseconds(1)
                        : now;
  std::uint8_t flags = k_ack;
  // PSH where a write ended that no later write extends: the end of the
  // data, and the end of a record (Linux marks the skb at each write's end).
  const bool record_end = record_ends_ != nullptr &&
                          std::find(record_ends_->begin(), record_ends_->end(), seq + length) != record_ends_->end();
  // MSG_MORE leaves its end unmarked (Linux's tcp_push skips tcp_mark_push);
  // what the probe timer sends is marked (tcp_write_wakeup).
  const bool write_end = seq + length == data_end && !last_write_more_;
  if (length > 0 && (push || write_end || record_end || wakeup_push_)) flags |= TcpFlags::psh;
  if (with_fin) flags |= TcpFlags::fin;
  TcpSegment segment = make_segment(flags, seq, now);
  segment.payload = send_queue_.peek(offset, length);
  const std::uint32_t sequence_length = length + (with_fin ? 1 : 0);
  if (ca_state_ == CaState::recovery || ca_state_ == CaState::cwr) prr_out_ += std::max<std::uint32_t>(1, (length + rtx_.mss() - 1) / rtx_.mss());
  if (!retransmission) {
    ecn_.mark_new_data(segment);
    SentSegment sent;
    sent.start = seq;
    sent.length = sequence_length;
    sent.sent = last_data_sent_;
    sent.fin = with_fin;
    rtx_.push(sent);
    snd_nxt_ = seq + sequence_length;
    if (with_fin) {
      fin_sent_ = true;
      fin_seq_ = data_end;
    }
  }
  transmit(segment, now);
  if (retransmit_at_ == Instant::never() && loss_probe_at_ == Instant::never()) arm_retransmit(now);
  return true;
}

void Connection::output(Instant now) {
  switch (state_) {
    case State::syn_received:
      if (!fast_open_child_) return;
      break;
    case State::established:
    case State::close_wait:
    case State::fin_wait_1:
    case State::closing:
    case State::last_ack: break;
    default: return;  // data waits for ESTABLISHED; nothing goes after FIN-WAIT-2
  }
  bool sent = false;
  bool cwnd_blocked = false;
  bool rwnd_limited = false;
  const bool sending = unsent_bytes() > 0 || (fin_queued_ && !fin_sent_);
  const std::uint32_t mss = current_mss();
  // With segmentation offload one segment carries as many whole MSS as fit
  // an IPv4 packet (less 40 bytes of headers and 40 of options at most).
  const std::uint32_t largest = max_segmented_packet_ > 80 + mss ? (max_segmented_packet_ - 80) / mss * mss : mss;
  while (!fin_sent_) {
    const std::uint32_t unsent = static_cast<std::uint32_t>(unsent_bytes());
    if (unsent == 0 && !fin_queued_) break;
    // RFC 9293 3.8.6 and RFC 5681: what the peer's window allows past what
    // is in flight, and what the congestion window allows: pipe < cwnd
    // (RFC 6675), in packets as Linux's tcp_cwnd_test() counts them.
    const std::uint32_t flight = flight_size();
    const std::uint32_t peer_room = snd_wnd_ > flight ? snd_wnd_ - flight : 0;
    const std::uint64_t cwnd_bytes = std::uint64_t{cwnd_room()} * mss;
    const std::uint32_t usable = static_cast<std::uint32_t>(std::min<std::uint64_t>(peer_room, cwnd_bytes));
    if (cwnd_bytes < peer_room && cwnd_bytes < unsent) cwnd_blocked = true;
    // Linux's tcp_snd_wnd_test(): the next segment's first MSS (a record
    // ends a segment) does not fit the peer's window. After the congestion
    // window's test, it is what limits the sender.
    const bool window_too_small = unsent > 0 && peer_room < within_record(snd_nxt_, std::min(unsent, mss));
    if (window_too_small && cwnd_room() > 0) rwnd_limited = true;
    std::uint32_t length = std::min({unsent, largest, usable});
    if (length > mss && length < unsent) length = length / mss * mss;  // only the tail is short
    // Nagle (RFC 1122 4.2.3.4) with Minshall's refinement, as Linux: hold a
    // small final piece while an earlier small segment is unacknowledged,
    // unless TCP_NODELAY or a FIN is waiting to go with it. TCP_CORK holds
    // it whatever is in flight (Linux's tcp_nagle_check, TCP_NAGLE_CORK).
    const bool nagle_holds = wire::seq_gt(last_small_end_, snd_una_) && !options_->nodelay;
    const bool hold_small = (options_->cork || cork_once_ || nagle_holds) && !fin_queued_;
    // A large segment leaves its short tail behind when that would be held
    // (Linux's tcp_mss_split_point).
    const bool split_for_hold = hold_small && length > mss && length == unsent && length % mss != 0;
    if (split_for_hold) length = length / mss * mss;
    if (unsent > 0 && length == 0) {
      start_persist(now);  // zero window, nothing in flight: probe it (RFC 9293 3.8.6.1)
      break;
    }
    // A record's end (MSG_EOR) cuts the segment; Linux never holds a segment
    // that is not the last in its queue (tcp_nagle_test's TCP_NAGLE_PUSH).
    const std::uint32_t in_record = within_record(snd_nxt_, length);
    const bool record_ends = in_record < length || (in_record == length && length < unsent &&
                                                    within_record(snd_nxt_, length + 1) == length);
    length = in_record;
    // Sender SWS avoidance (RFC 9293 3.8.6.2.1). Linux's form: nothing
    // leaves while the window is too small for the next segment; with
    // nothing in flight the persist timer then sends what fits (tcp_write_wakeup).
    if (tunables().profile() == Profile::linux && window_too_small && !fill_small_window_) {
      start_persist(now);
      break;
    }
    if (unsent > 0 && length < mss && length < unsent && flight > 0 && !record_ends) break;
    if (unsent > 0 && length < mss && length == unsent && hold_small) break;
    if (unsent == 0 && usable == 0 && snd_wnd_ <= flight) {
      start_persist(now);  // the FIN needs one unit of window too (Linux's tcp_snd_wnd_test)
      break;
    }
    // Linux sets PSH on a large segment the windows cut short of the data
    // written, as on the last (seen with packetdrill: a 12000-byte write
    // under a 10-segment window leaves as `P. 1:11001(11000)`).
    const bool cut_by_window = length < std::min(unsent, largest) && length > mss && !split_for_hold &&
                               tunables().profile() == Profile::linux;
    if (!send_data_segment(snd_nxt_, length, false, now, cut_by_window)) break;
    if (length < mss) last_small_end_ = snd_nxt_;
    sent = true;
  }
  if (!sent && device_refuses() && unsent_bytes() > 0 && flight_size() == 0 && persist_at_ == Instant::never()) {
    // Linux's tcp_check_probe_timer(), after a local drop: the user timeout
    // counts from the first probe (tcp_probe_timer's icsk_probes_tstamp).
    resource_probing_ = true;
    persist_since_ = Instant::never();
    persist_probes_ = 0;
    persist_at_ = now + rtt_.rto();
  }
  if (sent) {
    resource_probing_ = false;
    persist_at_ = Instant::never();
    arm_loss_probe(now);
    // Under TCP_NOTSENT_LOWAT sending, not only acknowledgment, makes room.
    if (writable_blocked_ && options_->notsent_lowat != 0 && send_room(true)) {
      writable_blocked_ = false;
      emit_event(EventKind::writable);
    }
  }
  if (sent || cwnd_blocked) note_cwnd_use(cwnd_blocked || packets_in_flight() >= cwnd_.cwnd);
  // Linux's tcp_write_xmit(), whenever there was something to send.
  if (rwnd_limited) {
    chrono_.start(SendChrono::Kind::rwnd_limited, now);
  } else if (sending) {
    chrono_.stop(SendChrono::Kind::rwnd_limited, rtx_.empty() && unsent_bytes() == 0, now);
  }
}

std::uint32_t Connection::within_record(SeqNum seq, std::uint32_t wanted) const {
  if (record_ends_ == nullptr) return wanted;
  for (const SeqNum end : *record_ends_) {
    if (wire::seq_gt(end, seq)) return std::min(wanted, static_cast<std::uint32_t>(wire::seq_diff(end, seq)));
  }
  return wanted;
}

void Connection::restart_after_idle(Instant now) {
  // RFC 5681 4.1, as Linux's tcp_cwnd_restart(): after more than an RTO
  // with nothing sent, the window halves per RTO idle, down to the
  // initial window, and ssthresh keeps three quarters of what it was.
  if (!tunables().enabled(TunableId::tcp_slow_start_after_idle) || packets_in_flight() > 0 ||
      last_data_sent_ == Instant::never()) {
    return;
  }
  Duration idle = now - last_data_sent_;
  const Duration rto_now = rto();
  if (idle <= rto_now) return;
  constexpr std::uint32_t k_initial_window = 10;
  if (ca_state_ == CaState::open || ca_state_ == CaState::disorder) {
    cwnd_.ssthresh = std::max(cwnd_.ssthresh, (cwnd_.cwnd >> 1) + (cwnd_.cwnd >> 2));
  }
  const std::uint32_t restart = std::min(k_initial_window, cwnd_.cwnd);
  std::uint32_t cwnd = cwnd_.cwnd;
  while ((idle = idle - rto_now) > Duration() && cwnd > restart) cwnd >>= 1;
  cwnd_.cwnd = std::max(cwnd, restart);
  cwnd_.cwnd_count = 0;
}

std::uint32_t Connection::cwnd_room() const {
  const std::uint32_t in_flight = packets_in_flight();
  return cwnd_.cwnd > in_flight ? cwnd_.cwnd - in_flight : 0;
}

void Connection::retransmit_first(Instant now) {
  if (rtx_.empty()) return;
  if (rtx_.front().syn) {
    rtx_.front().retransmitted = true;
    ++counters().retrans_segs;
    ++total_retrans_;
    send_handshake(now);
    return;
  }
  // One MSS of the oldest segment (RFC 6298 5.4), the rest stays as it was sent.
  const std::uint32_t mss = current_mss();
  if (rtx_.front().length > mss + (rtx_.front().fin ? 1 : 0)) rtx_.split(0, mss);
  const SentSegment& first = rtx_.front();
  send_data_segment(first.start, std::min(first.length, mss), true, now);
  rtx_.on_retransmit(0, last_data_sent_);
}

}  // namespace finwait::tcp
