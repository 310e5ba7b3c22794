// Opening, user calls, options and state changes (RFC 9293 3.10.1-3.10.6).
#include "tcp/connection.h"

#include <algorithm>

#include "base/check.h"

namespace finwait::tcp {

using wire::SeqNum;
using wire::TcpFlags;

namespace {

// Where a connection outside any stack (a unit test's) counts.
TransferCounters& uncounted() {
  static TransferCounters sink;
  return sink;
}

// Linux's TCP_MSS_DEFAULT, and the largest skb a device with 64 KiB GSO takes
// (sk_gso_max_size: GSO_MAX_SIZE less MAX_TCP_HEADER and one byte).
constexpr std::uint32_t k_default_mss = 536;
constexpr std::uint32_t k_gso_max_size = 65536 - 321;

const ConnectionContext* required(const ConnectionContext* context) {
  FINWAIT_CHECK(context != nullptr && context->tunables != nullptr);
  return context;
}

// One copy of the defaults for every connection that took them.
const std::shared_ptr<const SocketOptions>& default_options() {
  static const auto defaults = std::make_shared<const SocketOptions>();
  return defaults;
}

}  // namespace

void Connection::take_output() {
  output_ = spares() != nullptr ? spares()->outputs.take() : std::make_unique<ConnectionOutput>();
}

// Constant-initialised (empty vectors): read without a guard.
constinit const ConnectionOutput Connection::k_no_output;

TransferCounters& Connection::counters() const {
  return context_->counters != nullptr ? *context_->counters : uncounted();
}

Connection::Connection(const ConnectionConfig& config)
    : context_(required(config.context)),
      options_(config.options != nullptr ? config.options : default_options()),
      local_port_(config.local_port),
      remote_port_(config.remote_port),
      local_mss_(config.local_mss),
      path_mss_(config.local_mss),
      max_segmented_packet_(config.max_segmented_packet),
      received_segment_size_(config.received_segment_size),
      timestamp_offset_(config.timestamp_offset),
      rtt_(context_->tunables->profile() == Profile::rfc793 ? RttEstimator::Flavor::rfc6298
                                                         : RttEstimator::Flavor::linux,
           context_->tunables->duration(TunableId::tcp_rto_initial),
           context_->tunables->duration(TunableId::tcp_rto_min),
           context_->tunables->duration(TunableId::tcp_rto_max)) {
  if (spares() != nullptr) {
    rtx_.set_pool(&spares()->retransmit);
    send_queue_.set_pool(&spares()->byte_buffers);
    receive_queue_.set_pool(&spares()->byte_buffers);
  }
  congestion_ = CongestionControl(options_->congestion.value_or(
      tunables().get(TunableId::tcp_congestion_control) == k_congestion_reno ? CongestionAlgorithm::reno
                                                                              : CongestionAlgorithm::cubic));
  send_queue_.set_capacity(
      options_->send_buffer.value_or(static_cast<std::uint32_t>(tunables().get(TunableId::tcp_sendspace))));
  const bool linux_window = tunables().profile() == Profile::linux;
  ReceiveWindow::Setup window;
  window.flavor = linux_window ? ReceiveWindow::Flavor::linux : ReceiveWindow::Flavor::bytes;
  window.buffer =
      options_->receive_buffer.value_or(static_cast<std::uint32_t>(tunables().get(TunableId::tcp_recvspace)));
  window.locked = options_->receive_buffer.has_value();
  window.max_buffer = static_cast<std::uint32_t>(tunables().get(TunableId::tcp_rmem_max));
  rwin_ = ReceiveWindow(window);
  receive_queue_.set_capacity(receive_capacity());
  rack_.degree = static_cast<std::uint32_t>(tunables().get(TunableId::tcp_reordering));
  ack_scheduler_.configure(tunables().duration(TunableId::tcp_delack_min),
                           tunables().enabled(TunableId::tcp_nodelayack));
}

bool Connection::send_room(bool for_wakeup) const {
  if (send_queue_.free_space() == 0) return false;
  if (options_->notsent_lowat == 0) return true;
  const std::uint64_t unsent = unsent_bytes();
  return (unsent << (for_wakeup ? 1 : 0)) < options_->notsent_lowat;
}

Connection Connection::open_active(const ConnectionConfig& config, SeqNum iss, Instant now,
                                   const std::optional<FastOpenRequest>& fast_open) {
  Connection c(config);
  c.iss_ = iss;
  c.snd_una_ = iss;
  c.last_small_end_ = iss;
  c.snd_nxt_ = iss;
  c.send_base_ = iss + 1;
  // Linux's tcp_connect_init(): the window for segments of our own MSS.
  c.rwin_.choose_initial(c.local_mss_, c.tunables().enabled(TunableId::tcp_window_scaling));
  c.set_offer(c.our_offer(now));
  c.last_received_ = now;
  c.held_by_application_ = true;
  c.set_state(State::syn_sent, Cause::app_connect);
  if (fast_open) {
    // RFC 7413 4.1.1 and 4.2.1: with a cookie, the SYN carries it and as much
    // of the first write as fits a segment less the 40 bytes options may
    // take (Linux's tcp_send_syn_data); without one, it asks for one.
    c.offer_->fast_open = fast_open->cookie.value_or(wire::FastOpenCookie{});
    if (fast_open->cookie && !fast_open->data.empty()) {
      // Linux's tcp_fastopen_cookie_check: the MSS cached with the cookie
      // clamps the segment.
      const std::size_t mss = fast_open->server_mss != 0 ? std::min(c.local_mss_, fast_open->server_mss) : c.local_mss_;
      const std::size_t room = mss > 40 ? mss - 40u : 0u;
      c.syn_data_ = static_cast<std::uint32_t>(c.send_queue_.append(fast_open->data.first(std::min(room, fast_open->data.size()))));
    }
  }
  c.ecn_.on_syn_sent(EcnState::asks_on_connect(static_cast<int>(c.tunables().get(TunableId::tcp_ecn))));
  c.send_handshake(now);
  // Only the first SYN carries the option and the data; a retransmitted SYN
  // is a plain one (Linux retransmits the SYN it kept apart from the data).
  c.offer_->fast_open.reset();
  const Duration keepinit = c.tunables().duration(TunableId::tcp_keepinit);
  if (!keepinit.is_zero()) c.keepinit_at_ = now + keepinit;
  return c;
}

Connection Connection::open_passive(const ConnectionConfig& config, const wire::TcpSegment& syn, SeqNum iss,
                                    Instant now, const FastOpenAnswer& fast_open) {
  Connection c(config);
  c.passive_ = true;
  c.state_ = State::listen;
  c.iss_ = iss;
  c.snd_una_ = iss;
  c.last_small_end_ = iss;
  c.snd_nxt_ = iss;
  c.send_base_ = iss + 1;
  // RFC 9293 3.10.7.2: RCV.NXT = SEG.SEQ+1, IRS = SEG.SEQ.
  c.irs_ = syn.seq;
  c.rcv_nxt_ = syn.seq + 1;
  c.rcv_adv_ = c.rcv_nxt_;
  c.last_ack_sent_ = c.rcv_nxt_;
  // RFC 7323 4.3: TS.Recent starts as the SYN's TSval.
  if (auto ts = syn.options.timestamps()) {
    c.ts_recent_ = ts->value;
    c.ts_recent_at_ = now;
  }
  // Linux's tcp_openreq_init_rwin(): segments of our MSS less the
  // timestamps both will carry.
  const bool timestamps = c.tunables().enabled(TunableId::tcp_timestamps) && syn.options.timestamps();
  c.rwin_.choose_initial(c.local_mss_ - (timestamps ? 12 : 0),
                         c.tunables().enabled(TunableId::tcp_window_scaling) && syn.options.window_scale());
  c.set_offer(answer_offer(c.our_offer(now), syn.options));
  c.apply_negotiated(
      negotiate(*c.offer_, syn.options, static_cast<std::uint16_t>(c.tunables().get(TunableId::tcp_mssdflt))));
  // RFC 7323 2.2: the window of a SYN is never scaled.
  c.snd_wnd_ = syn.window;
  c.max_snd_wnd_ = c.snd_wnd_;
  c.snd_wl1_ = syn.seq;
  c.snd_wl2_ = iss;
  c.last_received_ = now;
  c.set_state(State::syn_received, Cause::syn_received);
  c.ecn_.on_syn_received(EcnState::listener_agrees(static_cast<int>(c.tunables().get(TunableId::tcp_ecn)), syn));
  c.offer_->fast_open = fast_open.cookie;
  if (fast_open.accept_data) {
    // RFC 7413 4.2.2: the SYN's data is taken before the handshake ends and
    // the SYN-ACK acknowledges it (Linux's tcp_fastopen_add_skb).
    c.fast_open_child_ = true;
    const std::size_t taken = c.receive_queue_.append(syn.payload);
    c.rwin_.charge(static_cast<std::uint32_t>(taken), static_cast<std::uint32_t>(40 + syn.options.size() + taken));
    c.rcv_nxt_ = c.rcv_nxt_ + static_cast<std::uint32_t>(taken);
    c.rcv_adv_ = c.rcv_nxt_;
    c.last_ack_sent_ = c.rcv_nxt_;
    c.syn_data_acked_ = taken > 0;
    if (taken > 0) c.emit_event(EventKind::readable);
  }
  c.send_handshake(now);
  const Duration keepinit = c.tunables().duration(TunableId::tcp_keepinit);
  if (!keepinit.is_zero()) c.keepinit_at_ = now + keepinit;
  return c;
}

OptionOffer Connection::our_offer(Instant now) const {
  OptionOffer offer;
  offer.mss = local_mss_;
  if (tunables().enabled(TunableId::tcp_window_scaling)) offer.window_scale = rwin_.offered_scale();
  offer.sack_permitted = tunables().enabled(TunableId::sack);
  if (tunables().enabled(TunableId::tcp_timestamps)) {
    offer.timestamps = wire::TcpTimestamps{timestamp_value(now), ts_recent_};
  }
  return offer;
}

void Connection::apply_negotiated(const Negotiated& negotiated) {
  negotiated_ = negotiated;
  // RFC 5681 3.1 and RFC 6928: an initial window of ten segments, as Linux.
  cwnd_.cwnd = 10;
  rtx_.set_mss(effective_mss());
}

std::uint32_t Connection::effective_mss() const {
  // RFC 9293 3.7.1: the smaller of the peer's MSS and ours, less the options
  // every segment will carry (RFC 7323 timestamps: 12 bytes).
  // Linux's tcp_min_snd_mss (48) keeps a tiny advertised MSS from turning a
  // stream into a flood of minute segments.
  constexpr std::uint32_t k_min_mss = 48;
  const std::uint32_t options = negotiated_.timestamps ? 12 : 0;
  const std::uint32_t mss = std::min<std::uint32_t>({negotiated_.peer_mss, local_mss_, path_mss_});
  return std::max(mss, k_min_mss + options) - options;
}

std::uint32_t Connection::current_mss() const {
  const std::uint32_t mss = effective_mss();
  if (!negotiated_.sack) return mss;
  const std::size_t blocks = sacks_pending() ? out_of_order_->sacks.pending(negotiated_.timestamps ? 3 : 4) : 0;
  const std::uint32_t sack_bytes = blocks == 0 ? 0 : 4 + 8 * static_cast<std::uint32_t>(blocks);
  return mss > sack_bytes + 48 ? mss - sack_bytes : 48;
}

std::uint16_t Connection::segment_size_of(const wire::TcpSegment& segment) const {
  const std::uint32_t mss = std::min<std::uint32_t>({negotiated_.peer_mss, local_mss_, path_mss_});
  const auto options = static_cast<std::uint32_t>(segment.options.size());
  return static_cast<std::uint16_t>(mss > options + 48 ? mss - options : 48);
}

Duration Connection::rto() const {
  return rtt_.rto();
}

std::size_t Connection::unsent_bytes() const {
  const SeqNum data_end = send_base_ + static_cast<std::uint32_t>(send_queue_.size());
  return wire::seq_lt(snd_nxt_, data_end) ? static_cast<std::size_t>(wire::seq_diff(data_end, snd_nxt_)) : 0;
}

WaitState Connection::wait_state() const {
  if (waiting_) return *waiting_;
  WaitState w;
  w.snd_nxt = snd_nxt_;
  w.rcv_nxt = rcv_nxt_;
  w.ts_recent = ts_recent_;
  w.ts_offset = timestamp_offset_;
  const std::int32_t promised = wire::seq_diff(rcv_adv_, rcv_nxt_);
  w.rcv_wnd = std::max(receive_window(), static_cast<std::uint32_t>(std::max(promised, 0)));
  w.window = window_field(false);
  w.state = state_;
  w.timestamps = negotiated_.timestamps;
  return w;
}

void Connection::set_offer(const OptionOffer& offer) {
  if (offer_ == nullptr) offer_ = spares() != nullptr ? spares()->offers.take() : std::make_unique<OptionOffer>();
  *offer_ = offer;
  advertised_mss_ = offer.mss;
}

void Connection::release_offer() {
  if (spares() != nullptr) spares()->offers.give(std::move(offer_));
  offer_.reset();
}

void Connection::set_state(State next, Cause cause) {
  if (next == state_) return;
  Event event;
  event.kind = EventKind::state_changed;
  event.from = state_;
  event.to = next;
  event.cause = cause;
  queue_event(event);
  const State previous = state_;
  state_ = next;
  if (next == State::established && (previous == State::syn_sent || previous == State::syn_received)) {
    release_offer();
    keepinit_at_ = Instant::never();
    rwin_.established(negotiated_.rcv_wscale, local_mss_);
    emit_event(EventKind::connected);
  }
}

void Connection::emit_event(EventKind kind, Errno error) {
  Event event;
  event.kind = kind;
  event.from = state_;
  event.to = state_;
  event.error = error;
  queue_event(event);
}

void Connection::enter_closed(Cause cause, Errno error) {
  if (state_ == State::closed) return;
  set_state(State::closed, cause);
  if (error != Errno::ok) {
    error_ = error;
    emit_event(EventKind::error, error);
  }
  if (linger_at_ != Instant::never()) {
    linger_at_ = Instant::never();
    Event done;
    done.kind = EventKind::linger_done;
    done.completed = false;
    queue_event(done);
  }
  // Whoever reads learns of the end: data still queued stays readable.
  emit_event(EventKind::readable);
  retransmit_at_ = loss_probe_at_ = persist_at_ = keepalive_at_ = Instant::never();
  finwait2_at_ = time_wait_at_ = keepinit_at_ = Instant::never();
  ack_scheduler_.on_ack_sent();
  rtx_.clear();
  reorder_at_ = Instant::never();
}

Result<std::size_t, Errno> Connection::send(std::span<const std::uint8_t> data, Instant now, SendFlags flags) {
  if (error_ != Errno::ok) {
    // Reported once, as Linux reports sk_err; later writes see EPIPE.
    const Errno error = error_;
    error_ = Errno::ok;
    return fail(error);
  }
  if (write_shut_ || fin_queued_) return fail(Errno::epipe);
  switch (state_) {
    case State::syn_received:
      // RFC 7413 4.2.2: a Fast Open server may send before the handshake ends.
      if (fast_open_child_) break;
      return fail(Errno::eagain);
    case State::syn_sent: return fail(Errno::eagain);  // the socket layer waits for ESTABLISHED
    case State::established:
    case State::close_wait: break;
    case State::closed:
    case State::listen: return fail(snd_nxt_ == iss_ ? Errno::enotconn : Errno::epipe);
    default: return fail(Errno::epipe);
  }
  if (data.empty()) return std::size_t{0};
  if (!send_room(false)) {
    writable_blocked_ = true;
    return fail(Errno::eagain);
  }
  restart_after_idle(now);
  const std::size_t accepted = options_->notsent_lowat != 0 && tunables().profile() == Profile::linux
                                   ? append_under_notsent_lowat(data)
                                   : send_queue_.append(data);
  // A full buffer, even after a partial write, asks for a writable event
  // once room frees (Linux's SOCK_NOSPACE): a caller that wrote what fit
  // learns when to write the rest.
  if (accepted < data.size()) writable_blocked_ = true;
  if (accepted == 0) return fail(Errno::eagain);
  chrono_.start(SendChrono::Kind::busy, now);  // Linux's tcp_add_write_queue_tail()
  ack_scheduler_.on_data_sent(now);
  // DESIGN.md "The story": data sent resets the keepalive idle clock.
  last_received_ = std::max(last_received_, now);
  arm_keepalive(now);
  // MSG_EOR: only when the whole write was taken does the record end here
  // (Linux marks the skb that holds the write's last byte).
  if (flags.end_of_record && accepted == data.size()) {
    if (record_ends_ == nullptr) record_ends_ = std::make_unique<std::vector<SeqNum>>();
    record_ends_->push_back(send_base_ + static_cast<std::uint32_t>(send_queue_.size()));
  }
  // MSG_MORE: Linux's tcp_push() with TCP_NAGLE_CORK for this call. What it
  // holds with nothing in flight leaves when the probe timer fires
  // (tcp_check_probe_timer, then tcp_write_wakeup), one RTO on.
  cork_once_ = flags.more;
  last_write_more_ = flags.more;
  output(now);
  cork_once_ = false;
  if (flags.more && unsent_bytes() > 0 && flight_size() == 0 && persist_at_ == Instant::never()) {
    persist_since_ = now;
    persist_probes_ = 0;
    persist_at_ = now + rtt_.rto();
  }
  return accepted;
}

// Deviation: Linux's tcp_sendmsg_locked() tests TCP_NOTSENT_LOWAT only when
// a write needs a new skb, one of size_goal bytes (tcp_xmit_size_goal: half
// the largest window the peer offered, in whole segments), and sends each
// skb it fills while it heads the queue (tcp_push_one). The unsent rest of a
// skb that went out in part stays the tail and is topped up untested. So a
// write takes up to one skb past the mark; this models those skbs, and
// returns what Linux would take. What tcp_push_one would send is counted,
// not sent: a segment made now would point into the send buffer, which the
// rest of the write may move; output() sends it all once the write is in.
std::size_t Connection::append_under_notsent_lowat(std::span<const std::uint8_t> data) {
  const std::uint32_t mss = std::max<std::uint32_t>(current_mss(), 1);
  const std::uint32_t half_window = max_snd_wnd_ > k_default_mss ? max_snd_wnd_ / 2 : max_snd_wnd_;
  const std::uint32_t size_goal = std::max(mss, std::min(half_window, k_gso_max_size) / mss * mss);
  // What the windows let go at once (tcp_push_one ignores Nagle).
  const std::uint32_t flight = flight_size();
  const std::uint64_t peer_room = snd_wnd_ > flight ? snd_wnd_ - flight : 0;
  std::uint64_t can_send = std::min<std::uint64_t>(peer_room, std::uint64_t{cwnd_room()} * mss);
  std::uint64_t unsent = unsent_bytes();
  std::size_t accepted = 0;
  std::size_t tail_room = 0;  // a fresh write starts a new skb (tcp_skb_can_collapse_to aside)
  while (accepted < data.size()) {
    if (tail_room == 0) {
      if (send_queue_.free_space() == 0 || unsent >= options_->notsent_lowat) break;
      tail_room = size_goal;
    }
    const std::size_t taken = send_queue_.append(data.subspan(accepted, std::min(tail_room, data.size() - accepted)));
    if (taken == 0) break;
    accepted += taken;
    unsent += taken;
    tail_room -= taken;
    if (tail_room != 0) continue;
    if (unsent <= size_goal) {  // the full skb heads the queue: it goes as far as the windows allow
      const std::uint64_t sent = std::min(can_send, unsent);
      can_send -= sent;
      unsent -= sent;
    }
    // What of the full skb stayed unsent is the new tail, with room again;
    // a skb sent whole leaves the next write a new one.
    tail_room = unsent == 0 ? 0 : size_goal - static_cast<std::size_t>(std::min<std::uint64_t>(unsent, size_goal));
  }
  return accepted;
}

Result<std::size_t, Errno> Connection::receive(std::span<std::uint8_t> out, Instant now) {
  if (!receive_queue_.empty()) {
    const std::size_t n = receive_queue_.read(out);
    rwin_.release(n, receive_queue_.size() + held_out_of_order());
    // Linux's tcp_cleanup_rbuf(): reading sends a window update only when it
    // at least doubles the window the peer knows of (RFC 9293 3.8.6.2.2's
    // receiver-side silly window avoidance in Linux's form).
    const std::int32_t known = wire::seq_diff(rcv_adv_, rcv_nxt_);
    const std::uint32_t now_open = receive_window();
    const auto known_open = static_cast<std::uint32_t>(std::max(known, 0));
    // Linux looks only once the known window is at most half the clamp.
    const bool worth_looking = tunables().profile() != Profile::linux || 2 * known_open <= rwin_.clamp();
    if ((state_ == State::established || state_ == State::fin_wait_1 || state_ == State::fin_wait_2) &&
        !fin_received_ && worth_looking && now_open > 0 && now_open >= 2 * known_open) {
      send_ack(now);
    }
    return n;
  }
  if (fin_received_) return std::size_t{0};
  if (error_ != Errno::ok) {
    const Errno error = error_;
    error_ = Errno::ok;
    return fail(error);
  }
  if (read_shut_ || state_ == State::closed) return std::size_t{0};
  return fail(Errno::eagain);
}

Errno Connection::shutdown(Shutdown how, Instant now) {
  if (state_ == State::closed || state_ == State::listen) return Errno::enotconn;
  if (state_ == State::syn_sent) {
    // Linux's inet_shutdown() disconnects a connection still in SYN-SENT.
    enter_closed(Cause::app_shutdown, Errno::ok);
    return Errno::ok;
  }
  if (how == Shutdown::read || how == Shutdown::both) read_shut_ = true;
  if ((how == Shutdown::write || how == Shutdown::both) && !write_shut_) {
    write_shut_ = true;
    fin_queued_ = true;
    // RFC 9293 3.10.4: the FIN follows the queued data; the state changes now.
    if (state_ == State::established || state_ == State::syn_received) {
      set_state(State::fin_wait_1, Cause::app_shutdown);
    } else if (state_ == State::close_wait) {
      set_state(State::last_ack, Cause::app_shutdown);
    }
    output(now);
  }
  return Errno::ok;
}

CloseOutcome Connection::close(Instant now) {
  orphaned_ = true;
  read_shut_ = true;
  switch (state_) {
    case State::closed:
    case State::listen: return CloseOutcome::closed;
    case State::syn_sent:
      // RFC 9293 3.10.4: delete the TCB; no RST (nothing is synchronized).
      enter_closed(Cause::app_close, Errno::ok);
      return CloseOutcome::closed;
    default: break;
  }
  const bool resets = state_ == State::syn_received || state_ == State::established ||
                      state_ == State::close_wait || state_ == State::fin_wait_1 ||
                      state_ == State::fin_wait_2;
  if (!receive_queue_.empty()) {
    // RFC 2525 2.17 (RFC 1122 4.2.2.13): closing with unread data resets, so
    // the peer learns that data was lost.
    receive_queue_.clear();
    if (resets) send_reset_active(now);
    enter_closed(Cause::unread_data_abort, Errno::ok);
    return CloseOutcome::closed;
  }
  if (options_->linger_on && options_->linger_seconds == 0) {
    // SO_LINGER {1, 0}: abort (Linux's tcp_disconnect: RST only where the peer
    // may still hold the connection).
    if (resets) send_reset_active(now);
    enter_closed(Cause::linger_abort, Errno::ok);
    return CloseOutcome::closed;
  }
  if (!fin_queued_) {
    fin_queued_ = true;
    write_shut_ = true;
    if (state_ == State::established || state_ == State::syn_received) {
      set_state(State::fin_wait_1, Cause::app_close);
    } else if (state_ == State::close_wait) {
      set_state(State::last_ack, Cause::app_close);
    }
    output(now);
  }
  if (state_ == State::closed) return CloseOutcome::closed;
  // Already in FIN-WAIT-2 (after shutdown): the orphan bound starts now.
  if (state_ == State::fin_wait_2) arm_finwait2(now);
  if (state_ == State::closed) return CloseOutcome::closed;
  const bool fin_acked = fin_sent_ && wire::seq_gt(snd_una_, fin_seq_);
  if (options_->linger_on && options_->linger_seconds > 0 && !fin_acked) {
    linger_at_ = now + seconds(options_->linger_seconds);
    return CloseOutcome::lingering;
  }
  return CloseOutcome::orphaned;
}

void Connection::abort(Instant now, Cause cause) {
  // RFC 9293 3.10.5 ABORT.
  switch (state_) {
    case State::syn_received:
    case State::established:
    case State::fin_wait_1:
    case State::fin_wait_2:
    case State::close_wait: send_reset_active(now); break;
    default: break;
  }
  enter_closed(cause, Errno::ok);
}

void Connection::drop(Instant now, Cause cause) {
  (void)now;
  enter_closed(cause, Errno::ok);
}

void Connection::set_options(const SocketOptions& options, Instant now) {
  const bool keepalive_changed = options.keepalive != options_->keepalive ||
                                 options.keepalive_idle != options_->keepalive_idle ||
                                 options.keepalive_interval != options_->keepalive_interval;
  const bool linger2_changed =
      options.linger2 != options_->linger2 || options.linger2_negative != options_->linger2_negative;
  const bool keepalive_turned_on = options.keepalive && !options_->keepalive;
  // Uncorking, or turning Nagle off, sends what they held (Linux's
  // tcp_push_pending_frames from __tcp_sock_set_cork and __tcp_sock_set_nodelay).
  const bool push = (options_->cork && !options.cork) || (options.nodelay && !options_->nodelay);
  const bool congestion_changed = options.congestion && options.congestion != options_->congestion &&
                                  *options.congestion != congestion_.algorithm();
  options_ = std::make_shared<const SocketOptions>(options);
  // Linux's tcp_set_congestion_control(): the new algorithm starts fresh, the window stays.
  if (congestion_changed) congestion_ = CongestionControl(*options_->congestion);
  if (options_->send_buffer) send_queue_.set_capacity(*options_->send_buffer);
  if (options_->receive_buffer) {
    rwin_.resize(*options_->receive_buffer, true);
    receive_queue_.set_capacity(receive_capacity());
  }
  if (keepalive_turned_on) {
    // Linux's tcp_set_keepalive(): the idle time counts from now.
    last_received_ = std::max(last_received_, now);
    keepalive_probes_ = 0;
  }
  if (keepalive_changed) {
    keepalive_at_ = Instant::never();
    arm_keepalive(now);
  }
  if (linger2_changed && state_ == State::fin_wait_2 && orphaned_) arm_finwait2(now);
  if (push && is_synchronized(state_)) output(now);
}

}  // namespace finwait::tcp
