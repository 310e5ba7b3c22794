// Segment arrival: RFC 9293 3.10.7, with RFC 5961's defences as RFC 9293
// recommends, and Linux's choices where the two differ (marked "Deviation").
#include <algorithm>

#include "tcp/connection.h"

namespace finwait::tcp {

using wire::seq_ge;
using wire::seq_gt;
using wire::seq_le;
using wire::seq_lt;
using wire::SeqNum;
using wire::TcpSegment;

void Connection::on_segment(const TcpSegment& segment, Instant now) {
  if (only_waits()) {
    on_segment_waiting(segment, now);
    return;
  }
  switch (state_) {
    case State::closed:
    case State::listen: return;  // the stack answers for connections that do not exist
    case State::syn_sent: on_segment_syn_sent(segment, now); return;
    default: on_segment_synchronized(segment, now); return;
  }
}

void Connection::note_timestamps(const TcpSegment& segment, Instant now) {
  // RFC 7323 4.3: TS.Recent takes the TSval of a segment that covers
  // Last.ACK.sent (SEG.SEQ <= Last.ACK.sent), never moving back (Linux's
  // tcp_replace_ts_recent, with tcp_paws_check's window of 0).
  const auto ts = segment.options.timestamps();
  if (!ts || !negotiated_.timestamps || seq_gt(segment.seq, last_ack_sent_)) return;
  if (static_cast<std::int32_t>(ts_recent_ - ts->value) > 0 &&
      paws_rejects(ts_recent_, static_cast<std::uint32_t>(ts_recent_at_.nanoseconds() / 1'000'000'000), ts->value,
                   static_cast<std::uint32_t>(now.nanoseconds() / 1'000'000'000), 0, false))
    return;
  ts_recent_ = ts->value;
  ts_recent_at_ = now;
}

bool Connection::paws_rejects_segment(const TcpSegment& segment, Instant now) const {
  // RFC 7323 5.3 R1 as Linux's tcp_paws_discard(): TSval more than one tick
  // behind TS.Recent is an old duplicate ...
  const auto ts = segment.options.timestamps();
  if (!ts || !negotiated_.timestamps) return false;
  if (!paws_rejects(ts_recent_, static_cast<std::uint32_t>(ts_recent_at_.nanoseconds() / 1'000'000'000), ts->value,
                    static_cast<std::uint32_t>(now.nanoseconds() / 1'000'000'000), 1, false))
    return false;
  // ... except a pure duplicate ACK at RCV.NXT that changes no window and is
  // less than an RTO behind (Linux's tcp_disordered_ack(): ACKs reordered
  // on the way, not old duplicates).
  const bool pure_duplicate_ack = segment.flags.ack_set() && segment.sequence_length() == 0 && segment.seq == rcv_nxt_ &&
                                  segment.ack == snd_una_ &&
                                  (static_cast<std::uint32_t>(segment.window) << negotiated_.snd_wscale) == snd_wnd_;
  const auto rto_ticks = static_cast<std::int32_t>(rtt_.rto().nanoseconds() / 1'000'000);
  return !(pure_duplicate_ack && static_cast<std::int32_t>(ts_recent_ - ts->value) <= rto_ticks);
}

// RFC 9293 3.10.7.3: SEGMENT ARRIVES in SYN-SENT.
void Connection::on_segment_syn_sent(const TcpSegment& segment, Instant now) {
  const bool has_ack = segment.flags.ack_set();
  // First, check the ACK: "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset
  // (unless the RST bit is set, if so drop the segment and return)".
  if (has_ack && (seq_le(segment.ack, iss_) || seq_gt(segment.ack, snd_nxt_))) {
    if (!segment.flags.rst_set()) send_reset_reply(segment, now);
    return;
  }
  // Second, the RST: acceptable only with an acceptable ACK (RFC 5961 3.2
  // leaves SYN-SENT as RFC 793 had it): "connection reset", CLOSED.
  if (segment.flags.rst_set()) {
    if (has_ack) enter_closed(Cause::rst_received, Errno::econnrefused);
    return;
  }
  // Fifth: neither SYN nor RST: drop.
  if (!segment.flags.syn_set()) return;

  // Fourth: the SYN. RCV.NXT = SEG.SEQ+1, IRS = SEG.SEQ.
  irs_ = segment.seq;
  rcv_nxt_ = segment.seq + 1;
  rcv_adv_ = rcv_nxt_;
  last_ack_sent_ = rcv_nxt_;
  if (auto ts = segment.options.timestamps()) {  // RFC 7323 4.3: from the SYN
    ts_recent_ = ts->value;
    ts_recent_at_ = now;
  }
  apply_negotiated(
      negotiate(*offer_, segment.options, static_cast<std::uint16_t>(tunables().get(TunableId::tcp_mssdflt))));
  ecn_.on_syn_answer(segment);
  last_received_ = now;
  // RFC 7323 2.2: the window of a SYN is never scaled.
  snd_wnd_ = segment.window;
  max_snd_wnd_ = snd_wnd_;
  snd_wl1_ = segment.seq;
  snd_wl2_ = segment.ack;
  if (has_ack) {
    // "SND.UNA should be advanced to equal SEG.ACK ... If SND.UNA > ISS (our
    // SYN has been ACKed), change the connection state to ESTABLISHED, form an
    // ACK segment <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and send it."
    if (!rtx_.empty() && !rtx_.front().retransmitted) take_rtt_sample(now - rtx_.front().sent);
    snd_una_ = segment.ack;
    rtx_.clear();
    ++delivered_;  // the SYN
    ca_state_ = CaState::open;
    retransmit_at_ = Instant::never();
    retransmits_ = 0;
    retrans_stamp_ = Instant::never();
    // RFC 7413 4.2.1 (Linux's tcp_rcv_fastopen_synack): keep the cookie the
    // server sends; data of the SYN it did not acknowledge goes again at once,
    // and that segment acknowledges the SYN-ACK.
    if (auto cookie = segment.options.fast_open(); cookie && cookie->size > 0) {
      learned_cookie_ = std::make_unique<wire::FastOpenCookie>(*cookie);
    }
    bool resend_syn_data = false;
    if (syn_data_ > 0) {
      const auto acked = static_cast<std::uint32_t>(std::max(wire::seq_diff(segment.ack, iss_ + 1), 0));
      if (acked >= syn_data_) {
        send_queue_.consume(syn_data_);
        send_base_ = send_base_ + syn_data_;
        syn_data_acked_ = true;
        ++delivered_;
      } else {
        snd_nxt_ = segment.ack;
        resend_syn_data = true;
      }
    }
    set_state(State::established, Cause::syn_ack_received);
    if (!resend_syn_data) {
      if (write_pending_) {
        ack_scheduler_.hold_handshake_ack(now, receive_window());  // Linux: "Save one ACK"
      } else {
        send_ack(now);
      }
    }
    write_pending_ = false;
    arm_keepalive(now);
    output(now);
    if (resend_syn_data) {
      if (snd_nxt_ == segment.ack) {
        send_ack(now);  // nothing could go: the ACK alone
      } else {
        // A retransmission (Linux's tcp_xmit_retransmit_queue), not new
        // data: counted so, and no small segment for Nagle to wait on.
        ++counters().retrans_segs;
        ++total_retrans_;
        last_small_end_ = segment.ack;
      }
    }
    return;
  }
  // Simultaneous open: "Otherwise, enter SYN-RECEIVED, form a SYN,ACK segment
  // <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> and send it."
  set_offer(answer_offer(*offer_, segment.options));
  set_state(State::syn_received, Cause::syn_received);
  send_handshake(now);
}

std::size_t Connection::device_segment(const TcpSegment& segment) const {
  // A coalesced packet counts as segments of the size the device reports.
  const std::size_t size = segment.payload.size();
  return received_segment_size_ != 0 ? std::min<std::size_t>(size, received_segment_size_) : size;
}

std::size_t Connection::received_segment(const TcpSegment& segment) const {
  // Linux's tcp_measure_rcv_mss(): none is larger than our MSS.
  return std::min<std::size_t>(device_segment(segment), local_mss_);
}

void Connection::measure_received(const TcpSegment& segment, std::uint32_t packet_bytes) {
  // tcp_measure_rcv_mss() compares the segment size before the MSS bounds it.
  rwin_.measure(static_cast<std::uint32_t>(device_segment(segment)), static_cast<std::uint32_t>(ack_scheduler_.rcv_mss()),
                static_cast<std::uint32_t>(segment.payload.size()), packet_bytes);
}

bool Connection::is_acceptable(const TcpSegment& segment) {
  const std::uint32_t length = segment.sequence_length();
  if (tunables().profile() == Profile::linux) {
    // Linux 6.x's tcp_sequence() in place of the RFC's four cases: nothing
    // ending before the last window announcement, nothing ending past the
    // window announced (a FIN may stand just past it), except a segment
    // that starts inside while nothing waits to be read (a peer that
    // ignores a small window still makes progress).
    const SeqNum end = segment.seq + length;
    if (seq_lt(end, last_ack_sent_)) return false;
    const SeqNum limit = rcv_nxt_ + static_cast<std::uint32_t>(std::max(wire::seq_diff(rcv_adv_, rcv_nxt_), 0));
    if (!seq_gt(end, limit)) return true;
    if (segment.flags.fin_set() && !seq_gt(end - 1, limit)) return true;
    if (seq_gt(segment.seq, limit) || !receive_queue_.empty()) {
      ++counters().beyond_window;
      return false;
    }
    return true;
  }
  // RFC 9293 3.10.7.4 first: the four cases of the acceptability test.
  std::uint32_t window = receive_window();
  const std::int32_t promised = wire::seq_diff(rcv_adv_, rcv_nxt_);
  if (promised > 0) window = std::max(window, static_cast<std::uint32_t>(promised));
  if (length == 0) {
    if (window == 0) return segment.seq == rcv_nxt_;
    return wire::in_window(segment.seq, rcv_nxt_, window);
  }
  if (window == 0) return false;
  return wire::in_window(segment.seq, rcv_nxt_, window) ||
         wire::in_window(segment.seq + (length - 1), rcv_nxt_, window);
}

// RFC 9293 3.10.7.4: SYN-RECEIVED and the synchronized states but TIME-WAIT.
void Connection::on_segment_synchronized(const TcpSegment& segment, Instant now) {
  const bool rst = segment.flags.rst_set();
  const bool syn = segment.flags.syn_set();
  if (state_ == State::syn_received && passive_ && syn && !rst && segment.seq == irs_) {
    // A retransmitted SYN: our SYN-ACK was lost; send it again (Linux's tcp_check_req).
    retransmit_first(now);
    return;
  }
  // RFC 7323 5.3: PAWS before the sequence test (Linux's tcp_validate_incoming).
  // Deviation: RFC 7323 5.3 drops an old RST too; Linux lets a RST through
  // PAWS in these states, to be judged by its sequence number alone.
  if (!rst && paws_rejects_segment(segment, now)) {
    if (syn) {
      send_challenge_ack(now);
      return;
    }
    ++counters().paws_estab;
    // Linux's tcp_send_dupack(), rate-limited: the duplicate's old data as a D-SACK.
    const SeqNum end = segment.seq + static_cast<std::uint32_t>(segment.payload.size());
    if (!segment.payload.empty() && seq_lt(segment.seq, rcv_nxt_))
      note_duplicate(SeqRange{segment.seq, seq_lt(end, rcv_nxt_) ? end : rcv_nxt_});
    send_rate_limited_ack(now);
    return;
  }
  if (!is_acceptable(segment)) {
    // Deviation: Linux (tcp_reset_check) also takes a RST at RCV.NXT-1 once
    // our FIN... the peer's FIN has been received, since a peer that sent a
    // FIN may reset from just past it.
    if (rst && segment.seq == rcv_nxt_ - 1 &&
        (state_ == State::close_wait || state_ == State::last_ack || state_ == State::closing)) {
      on_reset(segment, now);
      return;
    }
    // "If an incoming segment is not acceptable, an acknowledgment should be
    // sent in reply (unless the RST bit is set ...)".
    if (rst) return;
    if (syn) {
      send_challenge_ack(now);  // RFC 5961 4.2, whatever the sequence number
    } else if (segment.payload.empty() && !segment.flags.fin_set()) {
      send_rate_limited_ack(now);
    } else {
      // Linux's tcp_send_dupack(): old data is reported as a D-SACK (RFC 2883 4.1).
      const SeqNum end = segment.seq + static_cast<std::uint32_t>(segment.payload.size());
      if (!segment.payload.empty() && seq_lt(segment.seq, rcv_nxt_))
        note_duplicate(SeqRange{segment.seq, seq_lt(end, rcv_nxt_) ? end : rcv_nxt_});
      send_ack(now);
    }
    return;
  }
  // Second, the RST bit (RFC 5961 3.2): reset only on an exact match of
  // RCV.NXT; anywhere else in the window, send a challenge ACK.
  if (rst) {
    if (segment.seq == rcv_nxt_) {
      on_reset(segment, now);
    } else {
      send_challenge_ack(now);
    }
    return;
  }
  // Fourth, the SYN bit (RFC 5961 4.2, RFC 9293 3.10.7.4): challenge ACK.
  // Except, as Linux's tcp_validate_incoming() lets it pass, the peer's
  // SYN-ACK in a simultaneous open that acknowledges all we sent: it
  // completes the handshake, and its SYN, already received, is a duplicate.
  const bool simultaneous_syn_ack = syn && state_ == State::syn_received && !passive_ &&
                                    segment.flags.ack_set() && segment.seq == irs_ && segment.ack == snd_nxt_;
  if (syn && !simultaneous_syn_ack) {
    send_challenge_ack(now);
    return;
  }
  // Fifth, the ACK field: "if the ACK bit is off, drop the segment and return".
  if (!segment.flags.ack_set()) return;
  note_timestamps(segment, now);
  // Keepalive: any segment from the peer resets the idle clock.
  last_received_ = now;
  keepalive_probes_ = 0;
  if (!process_ack(segment, now)) return;
  if (state_ == State::closed) return;
  arm_keepalive(now);
  if (simultaneous_syn_ack) {
    // Linux's tcp_data_queue(): a retransmission, reported as a D-SACK of
    // the SYN (RFC 2883) and acknowledged at once.
    note_duplicate(SeqRange{segment.seq, segment.seq + 1});
    send_ack(now);
    return;
  }
  // Sixth, URG: urgent data is not supported (RFC 6093 advises against it); the pointer is ignored.
  // Seventh, the segment text.
  const bool had_text = !segment.payload.empty();
  const SeqNum rcv_before = rcv_nxt_;
  const std::size_t queued_before = outgoing().size();
  process_text(segment, now);
  // An ACK for all of it may have gone already (a gap filled, a duplicate).
  const bool answered = outgoing().size() > queued_before && outgoing().back().flags.ack_set() &&
                        outgoing().back().ack == rcv_nxt_;
  if (state_ == State::closed) return;
  // Eighth, the FIN bit, once everything before it has been received (a
  // FIN that came out of order waits with its data).
  const bool fin_here = segment.flags.fin_set() &&
                        segment.seq + static_cast<std::uint32_t>(segment.payload.size()) == rcv_nxt_;
  const bool fin_reached = fin_held_at_ && *fin_held_at_ == rcv_nxt_;
  if ((fin_here || fin_reached) && !fin_received_ &&
      (state_ != State::close_wait && state_ != State::closing && state_ != State::last_ack)) {
    fin_held_at_.reset();
    process_fin(now);
    // The FIN came out of order: its gap just filled, so no delay (RFC 5681 4.2).
    if (fin_reached && !(outgoing().size() > queued_before && outgoing().back().ack == rcv_nxt_)) send_ack(now);
  } else if (segment.flags.fin_set() &&
             seq_lt(segment.seq + static_cast<std::uint32_t>(segment.payload.size()), rcv_nxt_)) {
    send_ack(now);  // a retransmitted FIN: acknowledge it again
  } else if (had_text && rcv_nxt_ != rcv_before && !answered) {
    schedule_ack(now);
  }
}

void Connection::on_reset(const TcpSegment& segment, Instant now) {
  (void)segment;
  (void)now;
  // RFC 9293 3.10.7.4 second.
  switch (state_) {
    case State::syn_received:
      // Passive: "return this connection to LISTEN" (the listener lives on; this
      // half-open connection goes). Active: "connection refused".
      // Linux's tcp_reset(): a Fast Open child, already a socket the
      // application may hold, learns ECONNRESET.
      enter_closed(Cause::rst_received,
                   fast_open_child_ ? Errno::econnreset : passive_ ? Errno::ok : Errno::econnrefused);
      return;
    case State::close_wait:
      // Deviation: Linux's tcp_reset() reports EPIPE once the peer had closed.
      enter_closed(Cause::rst_received, Errno::epipe);
      return;
    case State::established:
    case State::fin_wait_1:
    case State::fin_wait_2: enter_closed(Cause::rst_received, Errno::econnreset); return;
    default: enter_closed(Cause::rst_received, Errno::ok); return;
  }
}

void Connection::take_rtt_sample(Duration rtt) {
  // RFC 6298 3 (Karn): the caller takes it only from a segment never retransmitted.
  rtt_.on_sample(rtt, snd_una_, snd_nxt_);
  if (min_rtt_.nanoseconds() < 0 || rtt < min_rtt_) min_rtt_ = rtt;
}

Connection::AckOutcome Connection::take_acknowledgment(const TcpSegment& segment, Instant now) {
  AckOutcome outcome;
  // Reordering: a segment never sent twice is delivered below one SACKed
  // before it (check_sack_reordering).
  const std::optional<SeqNum> highest_sacked = rtx_.highest_sacked();
  const auto note_reordering = [&](const std::optional<SeqNum>& lowest_original) {
    if (lowest_original && highest_sacked && seq_lt(*lowest_original, *highest_sacked))
      check_sack_reordering(*lowest_original);
  };
  const RetransmitQueue::OnDelivered rack_update = [this, now](const SentSegment& s) { rack_advance(s, now); };
  // RFC 6675 4 (Linux's tcp_sacktag_write_queue, before the cumulative ACK).
  if (negotiated_.sack) {
    const wire::SackBlocks blocks = segment.options.sack_blocks();
    if (blocks.count > 0) {
      const RetransmitQueue::Sacked sacked = rtx_.apply_sack(blocks, snd_una_, snd_nxt_, rack_update);
      outcome.delivered += sacked.packets;
      note_reordering(sacked.lowest_original);
      // RFC 8985 6.2 step 4: a D-SACK widens the reordering window a step (at most 16).
      if (sacked.dsack && rack_.reorder_steps < 16) {
        ++rack_.reorder_steps;
        rack_.reordering_seen = true;
      }
    }
  }
  const SeqNum ack = segment.ack;
  if (!seq_gt(ack, snd_una_)) return outcome;
  // "SND.UNA <- SEG.ACK. Any segments on the retransmission queue that are
  // thereby entirely acknowledged are removed."
  outcome.snd_una_advanced = true;
  // Linux's tcp_clean_rtx_queue(): RACK learns only from a SACK-capable peer.
  const RetransmitQueue::Acked acked = rtx_.acknowledge(ack, negotiated_.sack ? rack_update : RetransmitQueue::OnDelivered{});
  outcome.acked = acked.packets;
  outcome.delivered += acked.delivered;
  outcome.retransmitted_acked = acked.retransmitted_acked;
  note_reordering(acked.lowest_original);
  if (acked.rtt_from) {
    outcome.rtt = now - *acked.rtt_from;
    take_rtt_sample(*outcome.rtt);
  }
  const SeqNum data_end = send_base_ + static_cast<std::uint32_t>(send_queue_.size());
  const SeqNum acked_data_end = seq_lt(ack, data_end) ? ack : data_end;
  if (seq_gt(acked_data_end, send_base_)) {
    const auto n = static_cast<std::size_t>(wire::seq_diff(acked_data_end, send_base_));
    send_queue_.consume(n);
    send_base_ = acked_data_end;
    if (record_ends_ != nullptr) {
      while (!record_ends_->empty() && !wire::seq_gt(record_ends_->front(), send_base_)) {
        record_ends_->erase(record_ends_->begin());
      }
      if (record_ends_->empty()) record_ends_.reset();
    }
    outcome.data_acked = true;
  }
  snd_una_ = ack;
  // Linux's tcp_clean_rtx_queue(): everything sent is acknowledged.
  if (rtx_.empty()) chrono_.stop(SendChrono::Kind::busy, unsent_bytes() == 0, now);
  return outcome;
}

bool Connection::process_ack(const TcpSegment& segment, Instant now) {
  const SeqNum ack = segment.ack;
  // "If the ACK acks something not yet sent (SEG.ACK > SND.NXT), then send an
  // ACK, drop the segment, and return."
  if (seq_gt(ack, snd_nxt_)) {
    if (state_ == State::syn_received) {
      send_reset_reply(segment, now);
    } else {
      send_challenge_ack(now);
    }
    return false;
  }
  // RFC 5961 5.2: an ACK older than SND.UNA - MAX.SND.WND is an attack or a
  // very old duplicate: challenge ACK and drop.
  const std::uint32_t max_window = std::max<std::uint32_t>(max_snd_wnd_, 1);
  if (seq_lt(ack, snd_una_ - max_window)) {
    send_challenge_ack(now);
    return false;
  }
  if (state_ == State::syn_received) {
    // "If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED ... If the
    // segment acknowledgment is not acceptable, form a reset segment
    // <SEQ=SEG.ACK><CTL=RST> and send it."
    if (!seq_gt(ack, snd_una_)) {
      send_reset_reply(segment, now);
      return false;
    }
    set_state(State::established, Cause::ack_received);
    snd_wnd_ = static_cast<std::uint32_t>(segment.window) << negotiated_.snd_wscale;
    max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
    snd_wl1_ = segment.seq;
    snd_wl2_ = ack;
  }
  const std::uint32_t window_before = snd_wnd_;
  AckOutcome outcome = take_acknowledgment(segment, now);
  delivered_ += outcome.delivered;
  if (outcome.snd_una_advanced) {
    retransmits_ = 0;
    retrans_stamp_ = Instant::never();
    loss_probe_out_ = false;
    loss_probe_at_ = Instant::never();
    persist_probes_ = 0;
  }
  // Window update: "If SND.UNA =< SEG.ACK =< SND.NXT ... if (SND.WL1 < SEG.SEQ
  // or (SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK)), set SND.WND <- SEG.WND".
  if (seq_ge(ack, snd_una_)) update_send_window(segment);
  outcome.window_update = snd_wnd_ != window_before;
  outcome.ece = ecn_.echo_received(segment);
  // RFC 5681 2: a duplicate ACK acknowledges nothing new, carries no data,
  // no SYN or FIN, leaves the window alone, while data is outstanding.
  outcome.duplicate = !outcome.snd_una_advanced && !outcome.window_update && segment.payload.empty() &&
                      !segment.flags.syn_set() && !segment.flags.fin_set() && ack == snd_una_ && flight_size() > 0;
  if (is_synchronized(state_) && state_ != State::syn_received &&
      (outcome.snd_una_advanced || outcome.delivered > 0 || outcome.duplicate || outcome.ece || !rtx_.empty()))
    on_ack_congestion(outcome, now);
  if (state_ == State::closed) return false;
  if (outcome.snd_una_advanced) {
    // RFC 6298 5.2-5.3: stop the timer when all is acknowledged, else restart it.
    retransmit_at_ = Instant::never();
    if (flight_size() > 0) {
      if (ca_state_ == CaState::open) arm_loss_probe(now);
      if (loss_probe_at_ == Instant::never()) arm_retransmit(now);
    } else {
      reorder_at_ = Instant::never();
    }
    if (writable_blocked_ && send_room(true)) {
      writable_blocked_ = false;
      emit_event(EventKind::writable);
    }
  }
  if (persist_at_ != Instant::never() && snd_wnd_ == 0) {
    // An answered probe, window still closed: the next probe counts from now,
    // with the backoff kept (Linux's tcp_ack_probe()).
    persist_at_ = now + backed_off(persist_probes_);
  }

  const bool fin_acked = fin_sent_ && seq_gt(snd_una_, fin_seq_);
  if (fin_acked && linger_at_ != Instant::never()) {
    linger_at_ = Instant::never();
    Event done;
    done.kind = EventKind::linger_done;
    done.completed = true;
    queue_event(done);
  }
  switch (state_) {
    case State::fin_wait_1:
      // "In addition to the processing for the ESTABLISHED state, if the FIN
      // segment is now acknowledged, then enter FIN-WAIT-2 and continue."
      if (fin_acked) {
        set_state(State::fin_wait_2, Cause::fin_acked);
        arm_finwait2(now);
        if (state_ == State::closed) return false;
      }
      break;
    case State::closing:
      // "if the ACK acknowledges our FIN, then enter the TIME-WAIT state;
      // otherwise, ignore the segment."
      if (fin_acked) {
        set_state(State::time_wait, Cause::fin_acked);
        arm_time_wait(now);
      } else {
        output(now);  // data queued before the close still goes, then the FIN
      }
      return false;
    case State::last_ack:
      // "If our FIN is now acknowledged, delete the TCB, enter the CLOSED state."
      if (fin_acked) {
        enter_closed(Cause::fin_acked, Errno::ok);
      } else {
        output(now);
      }
      return false;
    default: break;
  }
  output(now);
  return true;
}

void Connection::update_send_window(const TcpSegment& segment) {
  if (!(seq_lt(snd_wl1_, segment.seq) || (snd_wl1_ == segment.seq && seq_le(snd_wl2_, segment.ack)))) return;
  // RFC 7323 2.3: windows after the SYN are scaled by the peer's shift.
  snd_wnd_ = static_cast<std::uint32_t>(segment.window) << negotiated_.snd_wscale;
  max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
  snd_wl1_ = segment.seq;
  snd_wl2_ = segment.ack;
  if (snd_wnd_ > 0) {
    persist_at_ = Instant::never();
    persist_since_ = Instant::never();
    persist_probes_ = 0;
  }
}

void Connection::process_text(const TcpSegment& segment, Instant now) {
  if (segment.payload.empty()) return;
  switch (state_) {
    case State::established:
    case State::fin_wait_1:
    case State::fin_wait_2: break;
    default: return;  // "This should not occur, since a FIN has been received": ignore.
  }
  switch (ecn_.on_data(segment)) {
    case EcnState::AckUrge::quick_acks: ack_scheduler_.enter_quick_acks(2, receive_window()); break;
    case EcnState::AckUrge::ack_now: ack_scheduler_.ack_next_at_once(); break;
    case EcnState::AckUrge::none: break;
  }
  const SeqNum end = segment.seq + static_cast<std::uint32_t>(segment.payload.size());
  // RFC 1122 4.2.2.13 (and Linux's tcp_rcv_state_process): new data for a
  // connection whose application will never read it again is answered with
  // a RST, so the peer learns the data is lost.
  if (read_shut_ && (state_ == State::fin_wait_1 || state_ == State::fin_wait_2) && seq_gt(end, rcv_nxt_)) {
    send_reset_reply(segment, now);
    enter_closed(Cause::data_after_close, Errno::econnreset);
    return;
  }
  if (!seq_gt(end, rcv_nxt_)) {
    // All old (RFC 2883 4.1: D-SACK the duplicate). A plain retransmission is
    // acknowledged at once; if a FIN follows the old data, the FIN's own
    // acknowledgment answers it.
    note_duplicate(SeqRange{segment.seq, end});
    if (!segment.flags.fin_set()) send_ack(now);
    return;
  }
  // Memory bounds what is kept: the receive buffer's room past RCV.NXT.
  // Deviation: Linux keeps a segment that starts inside the window whole,
  // past the right edge too, while its memory allows; so does finwait, up
  // to the buffer. What lies beyond it is counted and dropped, never stored.
  // Linux counts memory: past its buffer (Linux's tcp_try_rmem_schedule
  // failing), a segment is dropped whole.
  const SeqNum limit = rcv_nxt_ + static_cast<std::uint32_t>(receive_queue_.free_space());
  if (!seq_lt(segment.seq, limit) || rwin_.charged() > rwin_.buffer()) {
    ++counters().rcvq_drop;
    send_ack(now);
    return;
  }
  const auto packet_bytes = static_cast<std::uint32_t>(40 + segment.options.size() + segment.payload.size());
  if (seq_gt(segment.seq, rcv_nxt_)) {
    receive_out_of_order(segment, seq_lt(limit, end) ? limit : end, now);
    return;
  }
  const auto skip = static_cast<std::size_t>(wire::seq_diff(rcv_nxt_, segment.seq));
  if (skip > 0) note_duplicate(SeqRange{segment.seq, rcv_nxt_});  // partly old: Linux's tcp_data_queue
  auto fresh = segment.payload.subspan(skip);
  const std::size_t taken = receive_queue_.append(fresh);
  rwin_.charge(static_cast<std::uint32_t>(taken), packet_bytes);
  const SeqNum delivered_to = rcv_nxt_ + static_cast<std::uint32_t>(taken);
  rcv_nxt_ = delivered_to;
  bool gap_filled = false;
  if (out_of_order_ != nullptr && !out_of_order_->held.empty()) {
    // The held data RCV.NXT now reaches joins the readable bytes.
    const Reassembly::Drained drained = out_of_order_->held.drain(rcv_nxt_);
    if (drained.duplicate) note_duplicate(*drained.duplicate);
    receive_queue_.extend(static_cast<std::size_t>(wire::seq_diff(drained.rcv_nxt, rcv_nxt_)));
    rcv_nxt_ = drained.rcv_nxt;
    out_of_order_->sacks.on_rcv_nxt(rcv_nxt_, out_of_order_->held.empty());
    release_out_of_order();
    gap_filled = true;  // Linux acknowledges at once while anything was held
  }
  const auto readable = static_cast<std::size_t>(wire::seq_diff(rcv_nxt_, delivered_to)) + taken;
  if (readable > 0) {
    measure_received(segment, packet_bytes);
    ack_scheduler_.on_data(readable, received_segment(segment), receive_window() + static_cast<std::uint32_t>(readable),
                           now);
    emit_event(EventKind::readable);
    rwin_.grow(static_cast<std::uint32_t>(taken), packet_bytes, static_cast<std::uint32_t>(ack_scheduler_.rcv_mss()));
  }
  if (taken < fresh.size()) {
    send_ack(now);  // beyond the buffer: tell the peer where we are
  } else if (gap_filled && fin_held_at_ != rcv_nxt_) {
    // RFC 5681 4.2: a segment that fills all or part of a gap is acknowledged
    // at once (with a held FIN now reached, by the FIN's ACK).
    send_ack(now);
  }
}

void Connection::receive_out_of_order(const TcpSegment& segment, SeqNum end, Instant now) {
  // RFC 9293 3.10.7.4 seventh: held until the gap fills; the bytes go into
  // the receive buffer past what is readable.
  const auto offset = static_cast<std::size_t>(wire::seq_diff(segment.seq, rcv_nxt_));
  const auto length = static_cast<std::size_t>(wire::seq_diff(end, segment.seq));
  const SeqRange range{segment.seq, end};
  const Reassembly::Added added = out_of_order().held.add(range);
  if (!added.stored) {
    ++counters().ofo_drop;
  } else {
    receive_queue_.write_ahead(offset, segment.payload.first(length));
    const auto packet_bytes = static_cast<std::uint32_t>(40 + segment.options.size() + segment.payload.size());
    rwin_.charge(static_cast<std::uint32_t>(length), packet_bytes);
    // Linux 6.x measures the peer's segment size from out-of-order data too,
    // and (with SACK only, so that duplicate ACKs still come) lets the window grow.
    measure_received(segment, packet_bytes);
    ack_scheduler_.observe_segment(received_segment(segment));
    if (negotiated_.sack) {
      rwin_.grow(static_cast<std::uint32_t>(length), packet_bytes, static_cast<std::uint32_t>(ack_scheduler_.rcv_mss()));
    }
    // Linux 6.18: not for a socket not yet accepted, nor an orphan.
    if (held_by_application_ && !orphaned_) {
      if (const auto held_to = out_of_order_->held.right_edge()) {
        rwin_.grow_for_out_of_order(static_cast<std::uint32_t>(wire::seq_diff(*held_to, rcv_nxt_)));
        // The bytes kept follow the memory allowed (the window may now offer more).
        receive_queue_.set_capacity(std::max(receive_queue_.capacity(), receive_capacity()));
      }
    }
    if (added.duplicate) {
      note_duplicate(*added.duplicate);
    } else {
      ++counters().ofo_queue;
    }
    const bool with_fin =
        segment.flags.fin_set() && end == segment.seq + static_cast<std::uint32_t>(segment.payload.size());
    if (with_fin) fin_held_at_ = end;
    // Linux's SACK block covers the FIN's sequence number too.
    if (negotiated_.sack) out_of_order_->sacks.on_out_of_order(SeqRange{range.left, with_fin ? end + 1 : end});
  }
  release_out_of_order();  // a segment nothing took leaves nothing behind
  // RFC 5681 4.2 (and 3.2): an out-of-order segment is acknowledged at once,
  // the duplicate ACK carrying the SACK blocks (RFC 2018 4).
  send_ack(now);
}

Connection::OutOfOrder& Connection::out_of_order() {
  if (out_of_order_ == nullptr) out_of_order_ = std::make_unique<OutOfOrder>();
  return *out_of_order_;
}

void Connection::release_out_of_order() {
  if (out_of_order_ != nullptr && out_of_order_->held.empty() && !out_of_order_->sacks.any()) out_of_order_.reset();
}

void Connection::note_duplicate(SeqRange range) {
  if (negotiated_.sack && tunables().enabled(TunableId::tcp_dsack)) {
    out_of_order().sacks.on_duplicate(range);
    ++counters().dsack_sent;
  }
}

void Connection::process_fin(Instant now) {
  // RFC 9293 3.10.7.4 eighth: "advance RCV.NXT over the FIN, and send an
  // acknowledgment for the FIN ... signal the user 'connection closing'".
  // A FIN that came to a closed window is acknowledged at once, as Linux
  // does (the kernel's tcp_rcv_zero_wnd_fin test): the peer learns it got in.
  const bool to_closed_window = wire::seq_diff(rcv_adv_, rcv_nxt_) <= 0;
  rcv_nxt_ += 1;
  fin_received_ = true;
  // Linux's tcp_fin(): nothing after the FIN can be data; the SACK state,
  // the pending D-SACK too, is reset (so a FIN on old data gets no D-SACK).
  out_of_order_.reset();
  emit_event(EventKind::readable);
  switch (state_) {
    case State::syn_received:
    case State::established:
      set_state(State::close_wait, Cause::fin_received);
      // Linux's tcp_fin(): the ACK may be delayed (ping-pong mode), since the
      // application is likely to answer with its own FIN.
      ack_scheduler_.on_fin_in_established();
      if (to_closed_window) {
        send_ack(now);
      } else {
        schedule_ack(now);
      }
      return;
    case State::fin_wait_1:
      // Our FIN is not yet acknowledged (else we would be in FIN-WAIT-2):
      // simultaneous close.
      set_state(State::closing, Cause::fin_received);
      send_ack(now);
      return;
    case State::fin_wait_2:
      set_state(State::time_wait, Cause::fin_received);
      send_ack(now);
      arm_time_wait(now);
      return;
    default: send_ack(now); return;
  }
}

// TIME-WAIT and orphaned FIN-WAIT-2: one rule for the full connection and
// the stack's parked entries (tcp/wait_state.h).
void Connection::on_segment_waiting(const TcpSegment& segment, Instant now) {
  if (!waiting_) waiting_ = std::make_unique<WaitState>(wait_state());
  const WaitPolicy policy{tunables().enabled(TunableId::tcp_rfc1337),
                          tunables().duration(TunableId::tcp_invalid_ratelimit)};
  const WaitDisposition d = on_wait_segment(*waiting_, segment, now, policy);
  rcv_nxt_ = waiting_->rcv_nxt;
  ts_recent_ = waiting_->ts_recent;
  if (d.reply == WaitDisposition::Reply::ack) {
    queue_segment(wait_ack(*waiting_, local_port_, remote_port_, now));
  } else if (d.reply == WaitDisposition::Reply::reset) {
    queue_segment(reset_reply(segment));
  }
  if (d.next == State::closed) {
    enter_closed(d.cause, d.cause == Cause::data_after_close ? Errno::econnreset : Errno::ok);
    return;
  }
  if (d.next == State::time_wait) {
    fin_received_ = true;
    set_state(State::time_wait, d.cause);
  }
  if (d.restart_time_wait) arm_time_wait(now);
  if (d.from_peer && state_ == State::fin_wait_2) {
    // Keepalive (an orphan that asked for it): the peer answered.
    last_received_ = now;
    keepalive_probes_ = 0;
    arm_keepalive(now);
  }
}

}  // namespace finwait::tcp
