// Every timer of a connection, and the cause each one ends a connection with.
#include <algorithm>
#include <limits>

#include "tcp/connection.h"

namespace finwait::tcp {

using wire::SeqNum;

namespace {

// Linux's tcp_orphan_retries(): 0 means 8.
constexpr int k_default_orphan_retries = 8;

}  // namespace

Instant Connection::next_deadline() const {
  if (state_ == State::closed) return Instant::never();
  // Pairwise, not std::min of a list: the stack asks after every segment, and
  // the list was built in memory and walked (88 instructions, not 20).
  const Instant retransmission = std::min(std::min(retransmit_at_, loss_probe_at_), std::min(reorder_at_, persist_at_));
  const Instant idle = std::min(std::min(keepalive_at_, finwait2_at_), std::min(time_wait_at_, keepinit_at_));
  return std::min(std::min(retransmission, idle), std::min(linger_at_, ack_scheduler_.deadline()));
}

Connection::TimerView Connection::next_timer() const {
  TimerView view;
  auto consider = [&](const char* name, Instant at, int count) {
    if (at < view.deadline) view = TimerView{name, at, count};
  };
  consider("on", retransmit_at_, retransmits_);
  consider("on", reorder_at_, 0);  // Linux shows RACK's reordering timer as the retransmit timer
  consider("probe", loss_probe_at_, 0);
  consider("persist", persist_at_, persist_probes_);
  consider("keepalive", keepalive_at_, keepalive_probes_);
  consider("finwait2", finwait2_at_, 0);
  consider("timewait", time_wait_at_, 0);
  consider("keepinit", keepinit_at_, 0);
  consider("linger", linger_at_, 0);
  consider("delack", ack_scheduler_.deadline(), 0);
  return view;
}

void Connection::on_timer(Instant now) {
  if (state_ == State::closed) return;
  if (keepinit_at_ <= now) {
    keepinit_at_ = Instant::never();
    if (state_ == State::syn_sent || state_ == State::syn_received) {
      // AIX tcp_keepinit (BSD's TCPTV_KEEP_INIT): establishment took too
      // long. BSD's tcp_drop() resets a connection that has seen the peer's SYN.
      if (state_ == State::syn_received) send_reset_active(now);
      enter_closed(Cause::keepinit_timeout, Errno::etimedout);
      return;
    }
  }
  if (time_wait_at_ <= now) {
    // RFC 9293 3.10.8: "If the time-wait timeout expires on a connection,
    // delete the TCB, enter the CLOSED state, and return."
    time_wait_at_ = Instant::never();
    enter_closed(Cause::time_wait_expired, Errno::ok);
    return;
  }
  if (finwait2_at_ <= now) {
    finwait2_at_ = Instant::never();
    if (state_ == State::fin_wait_2) {
      // The remedy RFC 793 lacks: FIN-WAIT-2 is left silently, as Linux and
      // BSD do (the peer is presumed gone).
      if (finwait2_orphan_timer_) {
        enter_closed(Cause::finwait2_timeout, Errno::ok);
      } else {
        enter_closed(Cause::finwait2_halfclosed_timeout, Errno::etimedout);
      }
      return;
    }
  }
  if (linger_at_ <= now) {
    // SO_LINGER {1, N}: N seconds passed before the FIN was acknowledged.
    // close() returns; the connection goes on as an orphan.
    linger_at_ = Instant::never();
    Event done;
    done.kind = EventKind::linger_done;
    done.completed = false;
    queue_event(done);
  }
  if (ack_scheduler_.deadline() <= now) {
    ack_scheduler_.on_timer_fired();
    send_ack(now);
  }
  if (reorder_at_ <= now) on_reorder_timer(now);
  if (loss_probe_at_ <= now) on_loss_probe_timer(now);
  if (retransmit_at_ <= now) {
    on_retransmit_timer(now);
    if (state_ == State::closed) return;
  }
  if (persist_at_ <= now) {
    on_persist_timer(now);
    if (state_ == State::closed) return;
  }
  if (keepalive_at_ <= now) on_keepalive_timer(now);
}

bool Connection::user_timeout_expired(Instant since, Instant now) const {
  return !options_->user_timeout.is_zero() && since != Instant::never() &&
         now - since >= options_->user_timeout;
}

int Connection::retry_limit() const {
  const bool opening = state_ == State::syn_sent || state_ == State::syn_received;
  if (opening && options_->syn_count) return *options_->syn_count;
  // BSD (and so AIX): establishment is bounded by tcp_keepinit alone
  // (TCPTV_KEEP_INIT); SYNs and SYN-ACKs are retransmitted with backoff until
  // it expires. Without it (Linux), the retry counts end the attempt.
  if (opening && keepinit_at_ != Instant::never()) return std::numeric_limits<int>::max();
  switch (state_) {
    case State::syn_sent: return static_cast<int>(tunables().get(TunableId::tcp_syn_retries));
    case State::syn_received: return static_cast<int>(tunables().get(TunableId::tcp_synack_retries));
    default: break;
  }
  if (orphaned_) {
    const int orphan = static_cast<int>(tunables().get(TunableId::tcp_orphan_retries));
    return orphan == 0 ? k_default_orphan_retries : orphan;
  }
  return static_cast<int>(tunables().get(TunableId::tcp_retries2));
}

void Connection::arm_retransmit(Instant now) {
  if (rtx_.empty()) {
    retransmit_at_ = Instant::never();
    return;
  }
  // RFC 6298 5.5: the RTO doubles with each expiry, up to tcp_rto_max.
  Instant deadline = now + backed_off(retransmits_);
  // RFC 5482 / Linux's tcp_clamp_rto_to_user_timeout(): do not wait past the
  // user timeout to find out that it has expired.
  if (!options_->user_timeout.is_zero() && retrans_stamp_ != Instant::never()) {
    deadline = std::min(deadline, std::max(now, retrans_stamp_ + options_->user_timeout));
  }
  retransmit_at_ = deadline;
}

void Connection::on_retransmit_timer(Instant now) {
  retransmit_at_ = Instant::never();
  if (rtx_.empty()) return;
  if (retrans_stamp_ == Instant::never()) retrans_stamp_ = rtx_.front().sent;
  // RFC 5482: TCP_USER_TIMEOUT bounds how long sent data may stay unacknowledged.
  if (user_timeout_expired(retrans_stamp_, now)) {
    enter_closed(Cause::user_timeout, Errno::etimedout);
    return;
  }
  // RFC 9293 3.8.3 (R2): give up after the retry limit; the application
  // learns ETIMEDOUT (Linux's tcp_write_timeout(), which sends no RST).
  if (retransmits_ >= retry_limit()) {
    enter_closed(Cause::retransmit_timeout,
                 state_ == State::syn_received && passive_ ? Errno::ok : Errno::etimedout);
    return;
  }
  // RFC 5681 3.1 and RFC 6675 5.1: after a timeout the window is one
  // segment, ssthresh falls, and all that is not SACKed counts as lost.
  ++counters().timeouts;
  enter_loss(now);
  loss_probe_at_ = Instant::never();
  // RFC 6298 5.4-5.6: retransmit the earliest unacknowledged segment, back off, restart.
  retransmit_first(now);
  ++retransmits_;
  arm_retransmit(now);
}

void Connection::arm_loss_probe(Instant now) {
  // RFC 8985 7.2 (Linux's tcp_schedule_loss_probe): with SACK, outside loss
  // recovery, schedule a probe two RTTs after the last transmission, plus
  // room for a delayed ACK when a single segment is in flight.
  const std::int64_t early_retrans = tunables().get(TunableId::tcp_early_retrans);
  if ((early_retrans != 3 && early_retrans != 4) || !negotiated_.sack || ca_state_ != CaState::open ||
      loss_probe_out_ || flight_size() == 0 || !is_synchronized(state_)) {
    return;
  }
  Duration timeout = tunables().duration(TunableId::tcp_rto_initial);
  if (rtt_.has_sample()) {
    timeout = rtt_.srtt() * 2;
    const bool one_segment = rtx_.packets_out() == 1;
    timeout += one_segment ? tunables().duration(TunableId::tcp_rto_min) : milliseconds(2);
  }
  // "If the RTO formula yields an earlier time, then use that time."
  const Instant rto_deadline =
      retransmit_at_ != Instant::never() ? retransmit_at_ : rtx_.front().sent + rtt_.rto();
  loss_probe_at_ = std::min(now + timeout, std::max(now, rto_deadline));
  retransmit_at_ = Instant::never();
}

void Connection::on_loss_probe_timer(Instant now) {
  loss_probe_at_ = Instant::never();
  if (flight_size() == 0) return;
  // RFC 8985 7.3: send one new segment if the window allows, else retransmit
  // the most recently sent segment; then re-arm the RTO from now.
  loss_probe_out_ = true;
  ++counters().loss_probes;
  const std::uint32_t mss = current_mss();
  // Linux's tcp_send_loss_probe(): new data if the peer's window takes it
  // (the probe may exceed cwnd by one segment), else the last MSS sent.
  const bool new_data = unsent_bytes() > 0 && snd_wnd_ > flight_size();
  if (new_data) {
    send_data_segment(snd_nxt_, std::min(mss, snd_wnd_ - flight_size()), false, now);
  } else if (rtx_.back().syn) {
    retransmit_first(now);
  } else {
    std::size_t last = rtx_.size() - 1;
    const SentSegment& tail = rtx_.at(last);
    const std::uint32_t data = tail.length - (tail.fin ? 1 : 0);
    if (data > mss) {
      rtx_.split(last, (data - 1) / mss * mss);
      last = rtx_.size() - 1;
    }
    const SentSegment& piece = rtx_.at(last);
    send_data_segment(piece.start, piece.length - (piece.fin ? 1 : 0), true, now);
    rtx_.on_retransmit(last, last_data_sent_);
  }
  arm_retransmit(now);
}

void Connection::on_persist_timer(Instant now) {
  persist_at_ = Instant::never();
  if (device_refuses() && unsent_bytes() > 0 && flight_size() == 0) {
    on_resource_probe(now);
    return;
  }
  if (snd_wnd_ > 0 || unsent_bytes() == 0 || flight_size() > 0) {
    persist_since_ = Instant::never();
    // Linux's tcp_write_wakeup: what was held (MSG_MORE) leaves, pushed.
    // A window too small for a segment takes what fits, pushed.
    fill_small_window_ = snd_wnd_ > 0 && flight_size() == 0;
    wakeup_push_ = last_write_more_ || fill_small_window_;
    cork_once_ = false;
    output(now);
    wakeup_push_ = false;
    fill_small_window_ = false;
    return;
  }
  // RFC 5482 and Linux's tcp_probe_timer(): the user timeout bounds zero-window probing too.
  if (user_timeout_expired(persist_since_, now)) {
    enter_closed(Cause::user_timeout, Errno::etimedout);
    return;
  }
  if (persist_probes_ >= retry_limit()) {
    enter_closed(Cause::retransmit_timeout, Errno::etimedout);
    return;
  }
  // RFC 9293 3.8.6.1: keep probing a zero window as long as the peer answers.
  send_window_probe(now);
  ++persist_probes_;
  persist_at_ = now + backed_off(persist_probes_);
}

void Connection::on_resource_probe(Instant now) {
  // Linux's tcp_probe_timer() and tcp_send_probe0() when the device's queue
  // keeps refusing the data: the user timeout counts from the first probe;
  // each refused try is a probe, the next one TCP_RESOURCE_PROBE_INTERVAL
  // (500 ms) on, with no backoff, and never past the user timeout.
  resource_probing_ = true;
  if (persist_since_ == Instant::never()) {
    persist_since_ = now;
  } else if (user_timeout_expired(persist_since_, now)) {
    enter_closed(Cause::user_timeout, Errno::etimedout);
    return;
  }
  if (persist_probes_ >= retry_limit()) {
    enter_closed(Cause::retransmit_timeout, Errno::etimedout);
    return;
  }
  ++persist_probes_;
  Duration wait = milliseconds(500);
  if (!options_->user_timeout.is_zero()) {
    // tcp_clamp_probe0_to_user_timeout(), at least TCP_TIMEOUT_MIN (2 ms).
    const Duration left = options_->user_timeout - (now - persist_since_);
    wait = std::min(wait, std::max(left, milliseconds(2)));
  }
  persist_at_ = now + wait;
}

void Connection::start_persist(Instant now) {
  // Linux's tcp_check_probe_timer(): data waits, nothing is in flight.
  if (flight_size() != 0 || persist_at_ != Instant::never()) return;
  persist_since_ = now;
  persist_probes_ = 0;
  persist_at_ = now + rtt_.rto();
}

Duration Connection::backed_off(int times) const {
  Duration rto = rtt_.rto();
  const Duration max = tunables().duration(TunableId::tcp_rto_max);
  for (int i = 0; i < times && rto < max; ++i) rto = rto * 2;
  return std::min(rto, max);
}

Duration Connection::keepalive_idle() const {
  return options_->keepalive_idle.value_or(tunables().duration(TunableId::tcp_keepidle));
}

Duration Connection::keepalive_interval() const {
  return options_->keepalive_interval.value_or(tunables().duration(TunableId::tcp_keepintvl));
}

int Connection::keepalive_count() const {
  return options_->keepalive_count.value_or(static_cast<int>(tunables().get(TunableId::tcp_keepcnt)));
}

void Connection::arm_keepalive(Instant now) {
  // DESIGN.md "Tunables": keepalive runs in every synchronized state,
  // FIN-WAIT-2 and orphans included, as on Linux.
  if (!options_->keepalive || !is_synchronized(state_) || state_ == State::time_wait) {
    keepalive_at_ = Instant::never();
    return;
  }
  if (keepalive_probes_ > 0 && keepalive_at_ != Instant::never()) return;  // probing: keep its rhythm
  keepalive_at_ = std::max(now, last_received_ + keepalive_idle());
}

void Connection::on_keepalive_timer(Instant now) {
  keepalive_at_ = Instant::never();
  if (!options_->keepalive || !is_synchronized(state_) || state_ == State::time_wait) return;
  if (flight_size() > 0 || unsent_bytes() > 0) {
    // Data in flight has its own timer (Linux: keepalive waits while packets are out).
    keepalive_at_ = now + keepalive_idle();
    return;
  }
  const Duration idle = now - last_received_;
  if (idle < keepalive_idle()) {
    keepalive_at_ = last_received_ + keepalive_idle();
    return;
  }
  // RFC 1122 4.2.3.6, Linux's tcp_keepalive_timer(): after `count` unanswered
  // probes, drop with RST. With TCP_USER_TIMEOUT the bound is the user timeout
  // instead of the count (RFC 5482, as Linux).
  const bool by_user_timeout = !options_->user_timeout.is_zero();
  if ((by_user_timeout && idle >= options_->user_timeout && keepalive_probes_ > 0) ||
      (!by_user_timeout && keepalive_probes_ >= keepalive_count())) {
    send_reset_active(now);
    enter_closed(by_user_timeout ? Cause::user_timeout : Cause::keepalive_timeout, Errno::etimedout);
    return;
  }
  send_window_probe(now);
  ++keepalive_probes_;
  keepalive_at_ = now + keepalive_interval();
}

void Connection::arm_finwait2(Instant now) {
  finwait2_at_ = Instant::never();
  if (state_ != State::fin_wait_2) return;
  if (orphaned_) {
    if (options_->linger2_negative) {
      // Linux: TCP_LINGER2 < 0 sends RST instead of waiting in FIN-WAIT-2.
      send_reset_active(now);
      enter_closed(Cause::linger2_negative, Errno::ok);
      return;
    }
    Duration timeout = options_->linger2.value_or(tunables().duration(TunableId::tcp_finwait2));
    if (timeout.is_zero()) return;  // rfc793: no timer, as RFC 793 has none
    // Linux's tcp_fin_time(): never less than 3.5 RTO, so a slow final ACK can still come.
    const Duration floor = rtt_.rto() * 7 / 2;
    timeout = std::max(timeout, floor);
    finwait2_at_ = now + timeout;
    finwait2_orphan_timer_ = true;
  } else if (write_shut_) {
    // finwait's addition: bound a half-closed FIN-WAIT-2 whose application
    // still holds the socket but may never read or close it.
    const Duration timeout = tunables().duration(TunableId::tcp_finwait2_halfclosed);
    if (timeout.is_zero()) return;
    finwait2_at_ = now + timeout;
    finwait2_orphan_timer_ = false;
  }
}

void Connection::arm_time_wait(Instant now) {
  // RFC 9293 3.10.7.4: 2 MSL in TIME-WAIT; every other timer stops.
  time_wait_at_ = now + tunables().duration(TunableId::tcp_timewait);
  retransmit_at_ = loss_probe_at_ = persist_at_ = keepalive_at_ = finwait2_at_ = Instant::never();
}

}  // namespace finwait::tcp
