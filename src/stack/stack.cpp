// The stack: demultiplexing, listeners, the socket calls, timers and the
// compact table for parked connections.
#include "stack/stack.h"

#include <algorithm>

#include "base/check.h"
#include "wire/icmp.h"

namespace finwait::stack {

using tcp::Cause;
using tcp::State;
using wire::Ipv4Address;
using wire::TcpFlags;
using wire::TcpSegment;

namespace {

constexpr int k_max_backlog = 4096;  // Linux's somaxconn

// A connection built where its slot holds it: optional::emplace() of a
// factory's result would build a temporary and move its 900-odd bytes; a
// conversion to the connection is elided into the slot itself.
template <class Make>
struct BuiltInPlace {
  Make make;
  operator tcp::Connection() const { return make(); }  // NOLINT(google-explicit-constructor)
};
template <class Make>
BuiltInPlace(Make) -> BuiltInPlace<Make>;

}  // namespace

bool Stack::ChallengeAckBudget::allow(Instant now) {
  // Linux's tcp_challenge_ack_limit: so many challenge ACKs per second, for
  // the whole stack (RFC 5961 7).
  const std::int64_t second = now.nanoseconds() / 1'000'000'000;
  if (second != second_) {
    second_ = second;
    used_ = 0;
  }
  if (used_ >= stack_.tunables_.get(TunableId::tcp_challenge_ack_limit)) return false;
  ++used_;
  ++stack_.counters_.challenge_acks;
  return true;
}

Stack::Stack(const StackConfig& config)
    : config_(config),
      tunables_(config.profile),
      isn_(config.secret),
      ports_(SipKey{config.secret.k0 ^ 0x5a5a5a5a5a5a5a5aULL, config.secret.k1}),
      flow_table_(SipKey{config.secret.k1, config.secret.k0 ^ 0xa5a5a5a5a5a5a5a5ULL}),
      parked_(SipKey{config.secret.k1 ^ 0x3c3c3c3c3c3c3c3cULL, config.secret.k0}),
      fast_open_keys_{SipKey{config.secret.k0 ^ 0xc3c3c3c3c3c3c3c3ULL, config.secret.k1 ^ 0x3c3c3c3c3c3c3c3cULL},
                      std::nullopt} {}

bool Stack::set_fastopen_keys(std::string_view text) {
  auto keys = tcp::parse_fast_open_keys(text);
  if (!keys) return false;
  fast_open_keys_ = *keys;
  return true;
}

// --- the device side: IPv4 input and output are in src/ip/ --------------------

void Stack::on_frame(std::span<const std::uint8_t> packet, Instant now, bool checksum_trusted) {
  ip_.on_packet(packet, now, checksum_trusted);
}

void Stack::on_packet_seen(bool outbound, std::span<const std::uint8_t> packet, Instant now) {
  for (StackObserver* o : observers_) o->on_packet(outbound ? Direction::out : Direction::in, packet, now);
}

void Stack::on_tcp_unreachable(const ip::QuotedTcp& quoted, std::uint8_t code, Instant now) {
  const FlowKey flow{quoted.local, quoted.remote, quoted.local_port, quoted.remote_port};
  if (code == wire::k_icmp_fragmentation_needed) {
    // RFC 1191: not an error; the path's MTU is smaller than we thought.
    if (auto slot = flow_table_.find(flow)) {
      if (!slots_[*slot].connection->on_path_mtu(quoted.next_hop_mtu, quoted.seq, now)) ++counters_.out_of_window_icmps;
      sync(*slot, now);
    } else {
      ++counters_.out_of_window_icmps;
    }
    return;
  }
  // RFC 1122 4.2.3.9: a soft error for TCP; the connection carries on (its
  // retransmission timer decides), the error is remembered for SO_ERROR.
  const auto slot = flow_table_.find(flow);
  if (!slot) return;
  // Linux's icmp_err_convert, for the codes TCP hears.
  const Errno error = code == 0 || code == 6 || code == 9 || code == 11 ? Errno::enetunreach
                      : code == 2                                        ? Errno::enoprotoopt
                      : code == 3                                        ? Errno::econnrefused
                                                                         : Errno::ehostunreach;
  if (!slots_[*slot].connection->on_unreachable(quoted.seq, error, now)) {
    ++counters_.out_of_window_icmps;
    return;
  }
  if (slots_[*slot].fd >= 0) {
    Socket& s = sockets_[static_cast<std::size_t>(slots_[*slot].fd)];
    if (s.error == Errno::ok && !slots_[*slot].connection->is_closed()) s.error = error;
  }
  sync(*slot, now);
}

void Stack::on_tcp(const wire::Ipv4TcpPacket& packet, std::span<const std::uint8_t> bytes, Instant now) {
  (void)bytes;
  const TcpSegment& seg = packet.tcp;
  const FlowKey flow{packet.ip.dst, packet.ip.src, seg.dst_port, seg.src_port};
  // RFC 2385 2.0: a segment whose digest does not check is dropped with no
  // response. finwait holds no keys (there is no TCP_MD5SIG), so no signed
  // segment checks, whatever it is for: dropped, as Linux's tcp_inbound_hash()
  // drops a signed segment for a socket without a key (TCPMD5Unexpected).
  if (seg.options.has_md5()) {
    ++counters_.md5_unexpected;
    return;
  }
  // A waiting connection (TIME-WAIT, orphaned FIN-WAIT-2) is answered by one
  // rule, tcp::on_wait_segment(), whether it is a full connection or parked.
  // A new SYN that may reuse a TIME-WAIT 4-tuple goes to the listener if
  // there is one (Linux's TCP_TW_SYN); otherwise the waiting state answers it.
  // Looked up only where it matters: most segments belong to a connection.
  const auto listening = [&] { return find_listener(flow.local, flow.local_port) >= 0; };
  std::optional<wire::SeqNum> reuse_isn;
  if (auto slot = flow_table_.find(flow)) {
    tcp::Connection& c = *slots_[*slot].connection;
    if (!(c.only_waits() && tcp::syn_may_reuse(c.wait_state(), seg) && listening())) {
      c.on_segment(seg, now);
      sync(*slot, now);
      return;
    }
    reuse_isn = reused_time_wait_isn(c.wait_state());
    c.drop(now, Cause::time_wait_reused);
    sync(*slot, now);
  } else if (auto parked = parked_.find(flow)) {
    tcp::WaitState& wait = parked_.wait(*parked);
    if (tcp::syn_may_reuse(wait, seg) && listening()) {
      reuse_isn = reused_time_wait_isn(wait);
      note_transition(flow, wait.state, State::closed, Cause::time_wait_reused, now);
      parked_.remove(*parked);
    } else {
      const State before = wait.state;
      const tcp::WaitPolicy policy{tunables_.enabled(TunableId::tcp_rfc1337),
                                   tunables_.duration(TunableId::tcp_invalid_ratelimit)};
      const tcp::WaitDisposition d = tcp::on_wait_segment(wait, seg, now, policy);
      if (d.reply == tcp::WaitDisposition::Reply::ack) {
        emit_segment(flow, tcp::wait_ack(wait, flow.local_port, flow.remote_port, now), now);
      } else if (d.reply == tcp::WaitDisposition::Reply::reset) {
        emit_segment(flow, tcp::reset_reply(seg), now);
      }
      if (d.next) note_transition(flow, before, *d.next, d.cause, now);
      if (d.next == State::closed) {
        parked_.remove(*parked);
      } else if (d.restart_time_wait) {
        parked_.restart(*parked, tunables_.duration(TunableId::tcp_timewait), now);
      }
      return;
    }
  }
  if (const int listener = find_listener(flow.local, flow.local_port); listener >= 0) {
    // RFC 9293 3.10.7.2, LISTEN: a RST is ignored; an ACK gets <SEQ=SEG.ACK><CTL=RST>;
    // a SYN opens a connection.
    if (seg.flags.rst_set()) return;
    if (seg.flags.ack_set()) {
      emit_reset_for(packet, now);
      return;
    }
    if (seg.flags.syn_set()) on_syn_for_listener(listener, packet, now, reuse_isn);
    return;
  }
  // RFC 9293 3.10.7.1: no connection: reset (never for a RST).
  if (!seg.flags.rst_set()) emit_reset_for(packet, now);
}

wire::SeqNum Stack::reused_time_wait_isn(const tcp::WaitState& wait) {
  // Linux's TCP_TW_SYN: the new connection's ISN is the old SND.NXT + 65537,
  // beyond anything the old connection could still have in flight.
  const wire::SeqNum isn = wait.snd_nxt + 65537;
  return isn.raw() == 0 ? isn + 1 : isn;
}

void Stack::on_syn_for_listener(int listener_fd, const wire::Ipv4TcpPacket& packet, Instant now,
                                std::optional<wire::SeqNum> isn) {
  Socket& listener = sockets_[static_cast<std::size_t>(listener_fd)];
  // The backlog bounds the SYN and accept queues together; a full one drops
  // the SYN (the peer retries), as Linux does.
  if (listener.queues->syn_queue + listener.queues->accept_queue.size() >=
      static_cast<std::size_t>(std::max(listener.queues->backlog, 1))) {
    ++counters_.listen_drops;
    return;
  }
  const FlowKey flow{packet.ip.dst, packet.ip.src, packet.tcp.dst_port, packet.tcp.src_port};
  // RFC 7413: data in the SYN is taken now, or a cookie goes back, or neither.
  const tcp::SocketOptions& listener_options = options_of(listener);
  const tcp::FastOpenListener fast_open_listener{listener_options.fastopen_queue,
                                                 listener.queues->fast_open_pending,
                                                 listener_options.fastopen_no_cookie};
  const tcp::FastOpenDecision fast_open =
      tcp::decide_fast_open(tunables_.get(TunableId::tcp_fastopen), fast_open_listener, packet.tcp, fast_open_keys_,
                            packet.ip.src, packet.ip.dst);
  if (fast_open.cookie_requested) ++counters_.fastopen_cookie_reqd;
  if (fast_open.passive) ++counters_.fastopen_passive;
  if (fast_open.passive_fail) ++counters_.fastopen_passive_fail;
  if (fast_open.queue_full) ++counters_.fastopen_listen_overflow;
  if (fast_open.backup_key) ++counters_.fastopen_passive_alt_key;
  const std::uint32_t index = new_slot();
  Slot& slot = slots_[index];
  slot.flow = flow;
  slot.listener = listener_fd;
  slot.connection.emplace(BuiltInPlace{[&] {
    return tcp::Connection::open_passive(connection_config(flow, listener), packet.tcp,
                                         isn.value_or(isn_.next(flow, now)), now, fast_open.answer);
  }});
  flow_table_.insert(flow, index);
  if (fast_open.answer.accept_data) {
    // Linux's tcp_conn_request: a Fast Open child is accepted at once, still
    // in SYN-RECEIVED (RFC 7413 4.2.2).
    listener.queues->accept_queue.push_back(index);
    slot.in_accept_queue = true;
    slot.fast_open_pending = true;
    ++listener.queues->fast_open_pending;
    mark_ready(listener_fd);
  } else {
    ++listener.queues->syn_queue;
  }
  sync(index, now);
}

void Stack::on_timer(Instant now) {
  due_.clear();
  wheel_.advance(now, [&](TimerNode& node) { due_.push_back(node.cookie); });
  for (std::uint32_t index : due_) {
    Slot& slot = slots_[index];
    if (!slot.connection) continue;
    slot.connection->on_timer(now);
    sync(index, now);
  }
  parked_.expire(now, [&](const ParkedEntry& entry, Cause cause) {
    note_transition(entry.key, entry.wait.state, State::closed, cause, now);
  });
}

Instant Stack::next_deadline() const {
  return std::min(wheel_.next_wakeup(), parked_.next_deadline());
}

// --- connections ------------------------------------------------------------

tcp::ConnectionConfig Stack::connection_config(const FlowKey& flow, const Socket& socket) {
  const tcp::SocketOptions& options = options_of(socket);
  tcp::ConnectionConfig c;
  c.context = &connection_context_;
  c.local_port = flow.local_port;
  c.remote_port = flow.remote_port;
  // RFC 9293 3.7.1: the MSS we offer is the path's, or less if the
  // application asked for less (TCP_MAXSEG, Linux's tcp_mss_clamp).
  c.local_mss = static_cast<std::uint16_t>(config_.mtu - 40);
  if (options.max_segment != 0) c.local_mss = std::min(c.local_mss, options.max_segment);
  c.max_segmented_packet = config_.max_segmented_packet;
  c.received_segment_size = config_.received_segment_size;
  c.timestamp_offset = isn_.timestamp_offset(flow);
  c.options = shared_options_of(socket);
  return c;
}

std::uint32_t Stack::new_slot() {
  if (!free_slots_.empty()) {
    const std::uint32_t index = free_slots_.back();
    free_slots_.pop_back();
    return index;
  }
  slots_.emplace_back();
  const auto index = static_cast<std::uint32_t>(slots_.size() - 1);
  slots_.back().timer.cookie = index;
  return index;
}

void Stack::free_slot(std::uint32_t index) {
  Slot& slot = slots_[index];
  wheel_.cancel(slot.timer);
  slot.connection.reset();
  slot.fd = -1;
  slot.listener = -1;
  slot.in_accept_queue = false;
  free_slots_.push_back(index);
}

void Stack::note_transition(const FlowKey& flow, State from, State to, Cause cause, Instant now) {
  if (to == State::syn_sent) ++counters_.active_opens;
  if (from == State::listen && to == State::syn_received) ++counters_.passive_opens;
  if (to == State::closed) {
    if (from == State::syn_sent || from == State::syn_received) ++counters_.attempt_fails;
    if ((from == State::established || from == State::close_wait) && cause == Cause::rst_received) {
      ++counters_.estab_resets;
    }
    switch (cause) {
      case Cause::finwait2_timeout: ++counters_.finwait2_timeouts; break;
      case Cause::finwait2_halfclosed_timeout: ++counters_.finwait2_halfclosed_timeouts; break;
      case Cause::keepalive_timeout: ++counters_.keepalive_drops; break;
      case Cause::user_timeout: ++counters_.user_timeouts; break;
      case Cause::keepinit_timeout: ++counters_.keepinit_timeouts; break;
      case Cause::time_wait_expired: ++counters_.time_wait_expired; break;
      case Cause::retransmit_timeout: ++counters_.abort_on_timeout; break;
      case Cause::linger_abort:
      case Cause::linger2_negative: ++counters_.abort_on_linger; break;
      case Cause::unread_data_abort:
      case Cause::data_after_close: ++counters_.abort_on_data; break;
      case Cause::app_abort:
      case Cause::listener_closed: ++counters_.abort_on_close; break;
      default: break;
    }
  }
  for (StackObserver* o : observers_) o->on_state_change(flow, from, to, cause, now);
}

void Stack::end_fast_open_pending(Slot& slot) {
  slot.fast_open_pending = false;
  if (slot.listener >= 0) {
    Socket& listener = sockets_[static_cast<std::size_t>(slot.listener)];
    if (listener.queues->fast_open_pending > 0) --listener.queues->fast_open_pending;
  }
}

void Stack::sync(std::uint32_t index, Instant now) {
  Slot& slot = slots_[index];
  tcp::Connection& c = *slot.connection;
  for (const TcpSegment& segment : c.outgoing()) emit_segment(slot.flow, segment, now, c.segment_size_of(segment));
  if (!c.events().empty() && slot.fd >= 0) mark_ready(slot.fd);
  for (const tcp::Event& event : c.events()) {
    if (event.kind == tcp::EventKind::state_changed) {
      note_transition(slot.flow, event.from, event.to, event.cause, now);
      if (slot.fast_open_pending && event.from == State::syn_received) end_fast_open_pending(slot);
    } else if (event.kind == tcp::EventKind::connected && slot.listener >= 0 && !slot.in_accept_queue) {
      Socket& listener = sockets_[static_cast<std::size_t>(slot.listener)];
      --listener.queues->syn_queue;
      listener.queues->accept_queue.push_back(index);
      slot.in_accept_queue = true;
      mark_ready(slot.listener);
    } else if (event.kind == tcp::EventKind::linger_done && slot.fd >= 0) {
      if (sockets_[static_cast<std::size_t>(slot.fd)].closing) {
        // close() returns: the descriptor is released, the connection goes on alone.
        release_socket(slot.fd);
        slot.fd = -1;
      }
    }
  }
  c.clear_output();
  if (slot.fast_open_pending && c.state() != State::syn_received) end_fast_open_pending(slot);
  if (const wire::FastOpenCookie* cookie = c.learned_cookie()) {
    fast_open_cookies_[slot.flow.remote] = {*cookie, c.peer_mss()};
  }
  if (c.is_closed()) {
    flow_table_.erase(slot.flow);
    if (slot.listener >= 0) {
      Socket& listener = sockets_[static_cast<std::size_t>(slot.listener)];
      if (slot.in_accept_queue) {
        // Linux: a connection reset while it waits to be accepted stays in
        // the queue; accept() hands out the dead socket, whose reads then
        // say what happened (ECONNRESET).
        wheel_.cancel(slot.timer);
        return;
      }
      if (listener.queues->syn_queue > 0) {
        --listener.queues->syn_queue;
      }
      slot.listener = -1;
      slot.in_accept_queue = false;
    }
    if (slot.fd >= 0 && sockets_[static_cast<std::size_t>(slot.fd)].closing) {
      release_socket(slot.fd);
      slot.fd = -1;
    }
    if (slot.fd < 0) {
      free_slot(index);
    } else {
      wheel_.cancel(slot.timer);  // the socket keeps the closed connection for its reads
    }
    return;
  }
  maybe_park(index, now);
  if (!slots_[index].connection) return;
  const Instant deadline = c.next_deadline();
  if (deadline == Instant::never()) {
    wheel_.cancel(slot.timer);
  } else if (!slot.timer.armed() || slot.timer.deadline() != deadline) {
    wheel_.arm(slot.timer, deadline);
  }
}

void Stack::maybe_park(std::uint32_t index, Instant now) {
  Slot& slot = slots_[index];
  const tcp::Connection& c = *slot.connection;
  if (slot.fd >= 0 || slot.listener >= 0 || !c.orphaned()) return;
  // Only connections that just wait: TIME-WAIT, or FIN-WAIT-2 with nothing
  // else to do (keepalive needs the full connection).
  Duration timeout;
  if (c.state() == State::time_wait) {
    timeout = c.time_wait_deadline() - now;
  } else if (c.state() == State::fin_wait_2 && !c.options().keepalive) {
    timeout = c.finwait2_deadline() == Instant::never() ? Duration::max() : c.finwait2_deadline() - now;
  } else {
    return;
  }
  if (config_.parking == ParkingMode::never) return;
  if (config_.parking == ParkingMode::capped &&
      static_cast<std::int64_t>(parked_.size()) >= tunables_.get(TunableId::tcp_max_parked)) {
    ++counters_.parked_refused;  // it stays a full connection, still bounded by its timer
    return;
  }
  ParkedEntry entry;
  entry.key = slot.flow;
  entry.wait = c.wait_state();
  parked_.park(entry, timeout, now);
  ++counters_.parked;
  flow_table_.erase(slot.flow);
  free_slot(index);
}

// --- output -------------------------------------------------------------------

void Stack::emit_segment(const FlowKey& flow, const TcpSegment& segment, Instant now, std::uint16_t segment_size) {
  ip_.send_tcp(flow.local, flow.remote, segment, now, segment_size);
}

void Stack::emit_reset_for(const wire::Ipv4TcpPacket& packet, Instant now) {
  emit_segment(FlowKey{packet.ip.dst, packet.ip.src, packet.tcp.dst_port, packet.tcp.src_port},
               tcp::reset_reply(packet.tcp), now);
}

// --- sockets --------------------------------------------------------------------

Stack::Socket* Stack::socket_at(int fd) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= sockets_.size() ||
      !sockets_[static_cast<std::size_t>(fd)].open) {
    return nullptr;
  }
  return &sockets_[static_cast<std::size_t>(fd)];
}

const Stack::Socket* Stack::socket_at(int fd) const {
  return const_cast<Stack*>(this)->socket_at(fd);
}

tcp::Connection* Stack::connection_of(int fd) {
  Socket* s = socket_at(fd);
  if (s == nullptr || !s->slot) return nullptr;
  auto& slot = slots_[*s->slot];
  return slot.connection ? &*slot.connection : nullptr;
}

const tcp::Connection* Stack::connection_of(int fd) const {
  return const_cast<Stack*>(this)->connection_of(fd);
}

bool Stack::valid(int fd) const {
  return socket_at(fd) != nullptr;
}

int Stack::socket() {
  int fd;
  if (!free_fds_.empty()) {
    fd = free_fds_.back();
    free_fds_.pop_back();
  } else {
    fd = static_cast<int>(sockets_.size());
    sockets_.emplace_back();
  }
  sockets_[static_cast<std::size_t>(fd)] = Socket{};
  sockets_[static_cast<std::size_t>(fd)].open = true;
  return fd;
}

void Stack::release_socket(int fd) {
  Socket& s = sockets_[static_cast<std::size_t>(fd)];
  if (!s.open) return;
  if (s.explicitly_bound) {
    auto it = bound_by_port_.find(s.local_port);
    if (it != bound_by_port_.end()) {
      std::erase(it->second, fd);
      if (it->second.empty()) bound_by_port_.erase(it);
    }
  }
  s = Socket{};
  free_fds_.push_back(fd);
}

bool Stack::port_in_use(std::uint16_t port) const {
  return bound_by_port_.count(port) > 0;
}

Errno Stack::bind(int fd, Ipv4Address address, std::uint16_t port) {
  Socket* s = socket_at(fd);
  if (s == nullptr) return Errno::ebadf;
  if (s->bound || s->slot) return Errno::einval;
  if (address != Ipv4Address{} && address != config_.address) return Errno::eaddrnotavail;
  if (port != 0) {
    // A port held by another socket is taken, unless both allow reuse and
    // neither listens (Linux's SO_REUSEADDR rule).
    if (auto it = bound_by_port_.find(port); it != bound_by_port_.end()) {
      for (int other_fd : it->second) {
        const Socket& other = sockets_[static_cast<std::size_t>(other_fd)];
        const bool reusable = s->reuse_address && other.reuse_address && !other.listening;
        if (!reusable) return Errno::eaddrinuse;
      }
    }
    bound_by_port_[port].push_back(fd);
    s->explicitly_bound = true;
  }
  s->bound = true;
  s->local_address = address;
  s->local_port = port;
  return Errno::ok;
}

Errno Stack::listen(int fd, int backlog) {
  Socket* s = socket_at(fd);
  if (s == nullptr) return Errno::ebadf;
  if (s->slot) return Errno::einval;
  if (!s->bound || s->local_port == 0) {
    // Linux binds an ephemeral port for a listen() without bind().
    std::uint16_t port = 0;
    for (std::int64_t p = tunables_.get(TunableId::tcp_ephemeral_low);
         p <= tunables_.get(TunableId::tcp_ephemeral_high); ++p) {
      if (!port_in_use(static_cast<std::uint16_t>(p))) {
        port = static_cast<std::uint16_t>(p);
        break;
      }
    }
    if (port == 0) return Errno::eaddrinuse;
    s->bound = true;
    s->local_port = port;
    s->explicitly_bound = true;
    bound_by_port_[port].push_back(fd);
  }
  s->listening = true;
  if (s->queues == nullptr) s->queues = std::make_unique<Socket::ListenQueues>();
  s->queues->backlog = std::clamp(backlog, 1, k_max_backlog);
  // Linux's inet_listen: TFO_SERVER_WO_SOCKOPT1 turns Fast Open on for a
  // listener that did not ask, with the backlog as its queue.
  const std::int64_t fast_open = tunables_.get(TunableId::tcp_fastopen);
  if ((fast_open & tcp::fast_open_bits::server_without_sockopt) != 0 &&
      (fast_open & tcp::fast_open_bits::server) != 0 && options_of(*s).fastopen_queue == 0) {
    own_options(*s).fastopen_queue = s->queues->backlog;
  }
  return Errno::ok;
}

int Stack::find_listener(Ipv4Address address, std::uint16_t port) const {
  auto it = bound_by_port_.find(port);
  if (it == bound_by_port_.end()) return -1;
  for (int fd : it->second) {
    const Socket& s = sockets_[static_cast<std::size_t>(fd)];
    if (s.listening && !s.closing && (s.local_address == address || s.local_address == Ipv4Address{}))
      return fd;
  }
  return -1;
}

Result<int, Errno> Stack::accept(int fd) {
  Socket* s = socket_at(fd);
  if (s == nullptr) return fail(Errno::ebadf);
  if (!s->listening) return fail(Errno::einval);
  if (s->queues->accept_queue.empty()) return fail(Errno::eagain);
  const std::uint32_t index = s->queues->accept_queue.front();
  s->queues->accept_queue.erase(s->queues->accept_queue.begin());
  const int child = socket();
  Socket& c = sockets_[static_cast<std::size_t>(child)];
  Slot& slot = slots_[index];
  slot.listener = -1;
  slot.in_accept_queue = false;
  slot.fd = child;
  c.bound = true;
  c.local_address = slot.flow.local;
  c.local_port = slot.flow.local_port;
  c.slot = index;  // the connection holds the options it inherited
  c.connected_once = true;
  if (tcp::Connection* accepted = connection_of(child)) accepted->on_accepted();
  // A new descriptor is ready at once, as epoll reports a socket added to it:
  // writable, and readable if data (or the peer's FIN) came before accept().
  mark_ready(child);
  return child;
}

Errno Stack::connect(int fd, Ipv4Address address, std::uint16_t port, Instant now) {
  Socket* s = socket_at(fd);
  if (s == nullptr) return Errno::ebadf;
  if (s->listening) return Errno::eisconn;
  if (s->slot) {
    const tcp::Connection* c = connection_of(fd);
    if (c == nullptr) return Errno::eisconn;
    if (c->state() == State::syn_sent || c->state() == State::syn_received) return Errno::ealready;
    if (c->is_closed()) {
      const Errno error = c->pending_error();
      return error == Errno::ok ? Errno::econnaborted : error;
    }
    return Errno::eisconn;
  }
  // Linux's __inet_stream_connect(): a connect() deferred already is
  // SS_CONNECTING with DEFER_CONNECT, which a second connect() finds EISCONN.
  if (s->deferred_connect) return Errno::eisconn;
  // TCP_FASTOPEN_CONNECT (Linux's tcp_fastopen_defer_connect): with a cookie
  // for this server, connect() succeeds at once and the first write sends
  // the SYN with its data; without one, the SYN asks for a cookie.
  if (options_of(*s).fastopen_connect) {
    if (fast_open_cookies_.count(address) != 0) {
      s->deferred_connect = std::pair{address, port};
      return Errno::ok;
    }
    return open_connection(fd, address, port, now, tcp::FastOpenRequest{});
  }
  return open_connection(fd, address, port, now, std::nullopt);
}

Result<std::size_t, Errno> Stack::connect_with_data(int fd, Ipv4Address address, std::uint16_t port,
                                                    std::span<const std::uint8_t> data, Instant now) {
  Socket* s = socket_at(fd);
  if (s == nullptr) return fail(Errno::ebadf);
  // Linux's tcp_sendmsg_fastopen.
  if ((tunables_.get(TunableId::tcp_fastopen) & tcp::fast_open_bits::client) == 0) return fail(Errno::eopnotsupp);
  if (s->listening || s->slot) return fail(Errno::eisconn);
  tcp::FastOpenRequest request;
  if (auto found = fast_open_cookies_.find(address); found != fast_open_cookies_.end()) {
    request.cookie = found->second.cookie;
    request.server_mss = found->second.server_mss;
  }
  request.data = data;
  s->deferred_connect.reset();
  const Errno e = open_connection(fd, address, port, now, request);
  if (e != Errno::einprogress) return fail(e);
  const tcp::Connection* c = connection_of(fd);
  const std::uint32_t sent = c == nullptr ? 0 : c->syn_data_length();
  if (sent == 0) return fail(Errno::einprogress);
  return std::size_t{sent};
}

Errno Stack::open_connection(int fd, Ipv4Address address, std::uint16_t port, Instant now,
                             const std::optional<tcp::FastOpenRequest>& fast_open) {
  Socket* s = socket_at(fd);
  const Ipv4Address local = config_.address;
  FlowKey flow{local, address, s->local_port, port};
  if (!s->bound || s->local_port == 0) {
    auto chosen = ports_.allocate(
        local, address, port, static_cast<std::uint16_t>(tunables_.get(TunableId::tcp_ephemeral_low)),
        static_cast<std::uint16_t>(tunables_.get(TunableId::tcp_ephemeral_high)), [&](std::uint16_t p) {
          const FlowKey candidate{local, address, p, port};
          return port_in_use(p) || flow_table_.find(candidate).has_value() ||
                 parked_.find(candidate).has_value();
        });
    if (!chosen) return Errno::eaddrnotavail;
    flow.local_port = *chosen;
    s->bound = true;
    s->local_address = local;
    s->local_port = *chosen;
  } else if (flow_table_.find(flow) || parked_.find(flow)) {
    return Errno::eaddrinuse;
  }
  const std::uint32_t index = new_slot();
  Slot& slot = slots_[index];
  slot.flow = flow;
  slot.fd = fd;
  const tcp::ConnectionConfig config = connection_config(flow, *s);
  s->slot = index;
  s->own_options.reset();  // the connection holds them now
  slot.connection.emplace(
      BuiltInPlace{[&] { return tcp::Connection::open_active(config, isn_.next(flow, now), now, fast_open); }});
  flow_table_.insert(flow, index);
  sync(index, now);
  return Errno::einprogress;
}

Result<std::size_t, Errno> Stack::send(int fd, std::span<const std::uint8_t> data, Instant now,
                                       tcp::SendFlags flags) {
  Socket* s = socket_at(fd);
  if (s == nullptr) return fail(Errno::ebadf);
  if (s->error != Errno::ok) {
    const Errno error = s->error;
    s->error = Errno::ok;
    return fail(error);
  }
  if (!s->slot && s->deferred_connect) {
    const auto [address, port] = *s->deferred_connect;
    auto sent = connect_with_data(fd, address, port, data, now);
    // Linux's tcp_sendmsg(): the SYN took none of the data, so the caller
    // waits (EAGAIN); a write of nothing only started the handshake, and
    // says so (EINPROGRESS from tcp_sendmsg_fastopen).
    if (!sent && sent.error() == Errno::einprogress && !data.empty()) return fail(Errno::eagain);
    return sent;
  }
  // POSIX: ENOTCONN. Deviation (linux profile): Linux's sk_stream_wait_connect()
  // answers EPIPE for a socket neither connected nor connecting.
  if (!s->slot) return fail(tunables_.profile() == Profile::linux ? Errno::epipe : Errno::enotconn);
  Slot& slot = slots_[*s->slot];
  auto result = slot.connection->send(data, now, flags);
  sync(*s->slot, now);
  return result;
}

Result<std::size_t, Errno> Stack::receive(int fd, std::span<std::uint8_t> out, Instant now) {
  Socket* s = socket_at(fd);
  if (s == nullptr) return fail(Errno::ebadf);
  if (!s->slot) return fail(Errno::enotconn);
  Slot& slot = slots_[*s->slot];
  auto result = slot.connection->receive(out, now);
  if (!slot.connection->is_closed()) sync(*s->slot, now);
  return result;
}

Errno Stack::shutdown(int fd, tcp::Shutdown how, Instant now) {
  Socket* s = socket_at(fd);
  if (s == nullptr) return Errno::ebadf;
  if (!s->slot) return Errno::enotconn;
  Slot& slot = slots_[*s->slot];
  const Errno result = slot.connection->shutdown(how, now);
  sync(*s->slot, now);
  return result;
}

void Stack::stop_listening(int fd, Instant now) {
  // Connections never accepted go with the listener: RST for those
  // established (Linux's inet_csk_listen_stop), silence for half-open ones.
  Socket& s = sockets_[static_cast<std::size_t>(fd)];
  std::vector<std::uint32_t> children;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].connection && slots_[i].listener == fd) children.push_back(static_cast<std::uint32_t>(i));
  }
  s.queues->accept_queue.clear();
  for (std::uint32_t index : children) {
    tcp::Connection& child = *slots_[index].connection;
    const bool queued = slots_[index].in_accept_queue;
    slots_[index].in_accept_queue = false;
    if (child.state() == State::syn_received && !queued) {
      child.drop(now, Cause::listener_closed);  // half-open: Linux forgets it silently
    } else {
      // Established, or a Fast Open child already queued in SYN-RECEIVED
      // (a full socket in Linux, reset by tcp_disconnect).
      child.abort(now, Cause::listener_closed);
    }
    sync(index, now);
  }
  s.listening = false;
  s.queues.reset();
}

Errno Stack::disconnect(int fd, Instant now) {
  // connect(AF_UNSPEC), Linux's tcp_disconnect(): the connection is reset
  // where RFC 9293 3.10.5's ABORT would send one (a SYN-SENT attempt just
  // ends), a listener stops listening, and the socket is new again: it may
  // connect or listen, keeping only a port bind() gave it.
  Socket* s = socket_at(fd);
  if (s == nullptr) return Errno::ebadf;
  if (s->listening) stop_listening(fd, now);
  if (s->slot) {
    const std::uint32_t index = *s->slot;
    Slot& slot = slots_[index];
    tcp::Connection& c = *slot.connection;
    if (!c.is_closed()) {
      if (c.state() == State::syn_sent) {
        c.drop(now, Cause::app_abort);
      } else {
        c.abort(now, Cause::app_abort);
      }
    }
    slot.fd = -1;
    own_options(*s);  // the options outlive the connection
    s->slot.reset();
    sync(index, now);
  }
  s->deferred_connect.reset();
  s->connected_once = false;
  if (!s->explicitly_bound) {
    s->bound = false;
    s->local_port = 0;
  }
  return Errno::ok;
}

Errno Stack::close(int fd, Instant now) {
  Socket* s = socket_at(fd);
  if (s == nullptr) return Errno::ebadf;
  if (s->listening) {
    stop_listening(fd, now);
    release_socket(fd);
    return Errno::ok;
  }
  if (!s->slot) {
    release_socket(fd);
    return Errno::ok;
  }
  const std::uint32_t index = *s->slot;
  Slot& slot = slots_[index];
  if (slot.connection->is_closed()) {
    free_slot(index);
    release_socket(fd);
    return Errno::ok;
  }
  const tcp::CloseOutcome outcome = slot.connection->close(now);
  if (outcome == tcp::CloseOutcome::lingering) {
    s->closing = true;  // released when the linger ends (sync)
  } else {
    slot.fd = -1;
    release_socket(fd);
  }
  sync(index, now);
  return Errno::ok;
}

bool Stack::close_pending(int fd) const {
  const Socket* s = socket_at(fd);
  return s != nullptr && s->closing;
}

const tcp::SocketOptions* Stack::options(int fd) const {
  const Socket* s = socket_at(fd);
  return s == nullptr ? nullptr : &options_of(*s);
}

const tcp::SocketOptions& Stack::options_of(const Socket& s) const {
  if (s.own_options != nullptr) return *s.own_options;
  if (s.slot && slots_[*s.slot].connection) return slots_[*s.slot].connection->options();
  return *default_options_;
}

std::shared_ptr<const tcp::SocketOptions> Stack::shared_options_of(const Socket& s) const {
  if (s.own_options != nullptr) return s.own_options;
  if (s.slot && slots_[*s.slot].connection) return slots_[*s.slot].connection->shared_options();
  return default_options_;
}

tcp::SocketOptions& Stack::own_options(Socket& s) {
  // Copy on write: connections may share the socket's copy (a listener's children).
  if (s.own_options == nullptr || s.own_options.use_count() > 1) {
    s.own_options = std::make_shared<tcp::SocketOptions>(options_of(s));
  }
  return *s.own_options;
}

Errno Stack::set_options(int fd, const tcp::SocketOptions& options, Instant now) {
  Socket* s = socket_at(fd);
  if (s == nullptr) return Errno::ebadf;
  if (s->slot && slots_[*s->slot].connection && !slots_[*s->slot].connection->is_closed()) {
    s->own_options.reset();
    slots_[*s->slot].connection->set_options(options, now);
    sync(*s->slot, now);
  } else {
    own_options(*s) = options;
  }
  return Errno::ok;
}

bool Stack::set_nonblocking(int fd, bool on) {
  Socket* s = socket_at(fd);
  if (s == nullptr) return false;
  s->nonblocking = on;
  return true;
}

bool Stack::set_reuse_address(int fd, bool on) {
  Socket* s = socket_at(fd);
  if (s == nullptr) return false;
  s->reuse_address = on;
  return true;
}

bool Stack::reuse_address(int fd) const {
  const Socket* s = socket_at(fd);
  return s != nullptr && s->reuse_address;
}

bool Stack::nonblocking(int fd) const {
  const Socket* s = socket_at(fd);
  return s != nullptr && s->nonblocking;
}

Errno Stack::take_error(int fd) {
  Socket* s = socket_at(fd);
  if (s == nullptr) return Errno::ebadf;
  if (s->error != Errno::ok) {
    const Errno error = s->error;
    s->error = Errno::ok;
    return error;
  }
  if (s->slot && slots_[*s->slot].connection) return slots_[*s->slot].connection->take_error();
  return Errno::ok;
}

SocketReadiness Stack::readiness(int fd) const {
  SocketReadiness r;
  const Socket* s = socket_at(fd);
  if (s == nullptr) return r;
  if (s->error != Errno::ok) r.error = true;
  if (s->listening) {
    r.readable = !s->queues->accept_queue.empty();
    return r;
  }
  const tcp::Connection* c = connection_of(fd);
  if (c == nullptr) {
    r.hangup = s->slot.has_value();
    return r;
  }
  const State state = c->state();
  if (c->pending_error() != Errno::ok) r.error = true;
  r.readable = c->readable_bytes() > 0 || c->end_of_stream() || r.error || c->is_closed();
  r.read_hangup = c->end_of_stream();
  const bool can_send = state == State::established || state == State::close_wait;
  r.writable = (can_send && c->send_room(true)) || r.error;
  // Linux's tcp_poll(): EPOLLHUP once both directions are shut, or the connection is gone.
  r.hangup =
      c->is_closed() || (c->end_of_stream() && (state == State::fin_wait_2 || state == State::time_wait ||
                                                state == State::last_ack || state == State::closing));
  return r;
}

bool Stack::is_listener(int fd) const {
  const Socket* s = socket_at(fd);
  return s != nullptr && s->listening;
}

std::optional<FlowKey> Stack::flow_of(int fd) const {
  const Socket* s = socket_at(fd);
  if (s == nullptr || !s->slot) return std::nullopt;
  return slots_[*s->slot].flow;
}

std::optional<State> Stack::state_of(int fd) const {
  const Socket* s = socket_at(fd);
  if (s == nullptr) return std::nullopt;
  if (s->listening) return State::listen;
  const tcp::Connection* c = connection_of(fd);
  if (c == nullptr) return State::closed;
  return c->state();
}

std::size_t Stack::readable_bytes(int fd) const {
  const tcp::Connection* c = connection_of(fd);
  return c == nullptr ? 0 : c->readable_bytes();
}

std::size_t Stack::inq_hint(int fd) const {
  const tcp::Connection* c = connection_of(fd);
  if (c == nullptr) return 0;
  return c->readable_bytes() == 0 && c->end_of_stream() ? 1 : c->readable_bytes();
}

std::optional<std::uint32_t> Stack::send_mss(int fd) const {
  const tcp::Connection* c = connection_of(fd);
  if (c == nullptr || c->state() == State::closed || c->state() == State::listen) return std::nullopt;
  return c->effective_mss();
}

void Stack::set_write_pending(int fd) {
  if (tcp::Connection* c = connection_of(fd)) c->set_write_pending(true);
}

std::optional<Stack::MemoryInfo> Stack::memory_info(int fd) const {
  const tcp::Connection* c = connection_of(fd);
  if (c == nullptr) return std::nullopt;
  return MemoryInfo{c->receive_memory(), c->receive_buffer()};
}

tcp::TcpInfo Stack::tcp_info(int fd, Instant now) const {
  if (const tcp::Connection* c = connection_of(fd)) return c->tcp_info(now);
  tcp::TcpInfo info;
  if (is_listener(fd)) info.state = 10;  // TCP_LISTEN
  return info;
}

bool Stack::connected_once(int fd) const {
  const tcp::Connection* c = connection_of(fd);
  if (c == nullptr) return false;
  return c->state() != State::syn_sent && c->state() != State::syn_received &&
         !(c->is_closed() && c->pending_error() == Errno::econnrefused);
}

std::optional<State> Stack::state_of(const FlowKey& flow) const {
  if (auto slot = flow_table_.find(flow)) return slots_[*slot].connection->state();
  if (auto parked = parked_.find(flow)) return parked_.entry(*parked).wait.state;
  return std::nullopt;
}

std::vector<Stack::ConnectionInfo> Stack::connections(Instant now) const {
  std::vector<ConnectionInfo> out;
  for (const Slot& slot : slots_) {
    if (!slot.connection || slot.connection->is_closed()) continue;
    const tcp::Connection& c = *slot.connection;
    ConnectionInfo info;
    info.flow = slot.flow;
    info.state = c.state();
    const auto timer = c.next_timer();
    info.timer = timer.name;
    if (timer.deadline != Instant::never()) info.timer_remaining = timer.deadline - now;
    info.timer_count = timer.count;
    info.receive_queue = c.readable_bytes();
    info.send_queue = c.unsent_bytes();
    info.orphan = slot.fd < 0 && slot.listener < 0;
    out.push_back(info);
  }
  parked_.for_each([&](const ParkedEntry& e) {
    ConnectionInfo info;
    info.flow = e.key;
    info.state = e.wait.state;
    info.parked = true;
    info.orphan = true;
    info.timer = e.wait.state == State::time_wait ? "timewait" : "finwait2";
    if (e.deadline_ns != std::numeric_limits<std::int64_t>::max()) {
      info.timer_remaining = Instant::from_nanoseconds(e.deadline_ns) - now;
    } else {
      info.timer = "off";
    }
    out.push_back(info);
  });
  return out;
}

std::vector<Stack::ListenerInfo> Stack::listeners() const {
  std::vector<ListenerInfo> out;
  for (const Socket& s : sockets_) {
    if (s.open && s.listening)
      out.push_back({s.local_address, s.local_port, s.queues->accept_queue.size(), s.queues->backlog});
  }
  return out;
}

}  // namespace finwait::stack
