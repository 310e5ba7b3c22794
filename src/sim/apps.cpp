#include "sim/apps.h"

#include <algorithm>
#include <array>

#include "api/linux_abi.h"

namespace finwait::sim {
namespace {
namespace abi = api::linux_abi;

// The scenario's socket options, set as a program sets them.
void set_options(api::SocketApi& api, int fd, const tcp::SocketOptions& o, Instant now) {
  auto set = [&](int level, int option, api::OptionValue value) { (void)api.setsockopt(fd, level, option, value, now); };
  if (o.keepalive) set(abi::sol_socket, abi::so_keepalive, std::int64_t{1});
  if (o.linger_on) set(abi::sol_socket, abi::so_linger, api::Linger{1, o.linger_seconds});
  if (o.linger2_negative) set(abi::ipproto_tcp, abi::tcp_linger2, std::int64_t{-1});
  if (o.linger2) set(abi::ipproto_tcp, abi::tcp_linger2, ((*o.linger2).nanoseconds() + 999'999'999) / 1'000'000'000);
  if (o.user_timeout.nanoseconds() > 0) set(abi::ipproto_tcp, abi::tcp_user_timeout, o.user_timeout.milliseconds());
  auto whole_seconds = [](Duration d) { return std::max<std::int64_t>(1, d.nanoseconds() / 1'000'000'000); };
  if (o.keepalive_idle) set(abi::ipproto_tcp, abi::tcp_keepidle, whole_seconds(*o.keepalive_idle));
  if (o.keepalive_interval) set(abi::ipproto_tcp, abi::tcp_keepintvl, whole_seconds(*o.keepalive_interval));
  if (o.keepalive_count) set(abi::ipproto_tcp, abi::tcp_keepcnt, std::int64_t{*o.keepalive_count});
  if (o.syn_count) set(abi::ipproto_tcp, abi::tcp_syncnt, std::int64_t{*o.syn_count});
  if (o.nodelay) set(abi::ipproto_tcp, abi::tcp_nodelay, std::int64_t{1});
  // SO_SNDBUF and SO_RCVBUF take half of what the socket ends up with (Linux doubles them).
  if (o.send_buffer) set(abi::sol_socket, abi::so_sndbuf, std::int64_t{*o.send_buffer / 2});
  if (o.receive_buffer) set(abi::sol_socket, abi::so_rcvbuf, std::int64_t{*o.receive_buffer / 2});
}

// A new nonblocking socket, its options set, watched edge-triggered: an
// application hears of a descriptor when the stack did something on it.
int open_socket(api::SocketApi& api, int epoll, const tcp::SocketOptions& options, Instant now) {
  const int fd = static_cast<int>(api.socket(abi::af_inet, abi::sock_stream | abi::sock_nonblock, 0).value);
  set_options(api, fd, options, now);
  (void)api.epoll_ctl(epoll, abi::epoll_ctl_add, fd, abi::epollin | abi::epollout | abi::epollrdhup | abi::epollet);
  return fd;
}

// Requests and responses are made of one repeated byte: sent from a fixed
// buffer in slices, so a large one allocates nothing.
constexpr std::size_t k_slice = 16384;

template <std::uint8_t Fill>
std::span<const std::uint8_t> slice(std::size_t remaining) {
  static const auto k_bytes = [] {
    std::array<std::uint8_t, k_slice> a{};
    a.fill(Fill);
    return a;
  }();
  return std::span(k_bytes).first(std::min(remaining, k_slice));
}

// Sends from `*sent` up to `total`, as far as the send buffer takes it.
template <std::uint8_t Fill>
void send_what_fits(api::SocketApi& s, int fd, std::size_t total, std::size_t* sent, Instant now) {
  while (*sent < total) {
    const api::CallResult n = s.write(fd, slice<Fill>(total - *sent), 0, now);
    if (!n.ok() || n.value == 0) return;  // full (EAGAIN: writable comes later) or an error
    *sent += static_cast<std::size_t>(n.value);
  }
}

}  // namespace

void ServerApp::step(World& world, Instant now) {
  api::SocketApi* s = world.sockets(host());
  if (s == nullptr) return;
  if (listener_ < 0) {
    epoll_ = static_cast<int>(s->epoll_create().value);
    listener_ = open_socket(*s, epoll_, config_.options, now);  // options inherited by accepted connections
    (void)s->setsockopt(listener_, abi::sol_socket, abi::so_reuseaddr, std::int64_t{1}, now);
    (void)s->bind(listener_, {}, config_.port);
    (void)s->listen(listener_, 4096);
  }
  // Only the descriptors that became ready: O(activity), not O(connections).
  (void)s->epoll_wait(epoll_, events_, 1 << 20);
  for (const api::EpollEvent& e : events_) {
    const int fd = e.fd;
    if (fd == listener_) {
      while (true) {
        const api::CallResult accepted = s->accept(listener_);
        if (!accepted.ok()) break;
        const int child = static_cast<int>(accepted.value);
        (void)s->fcntl(child, abi::f_setfl, abi::o_nonblock);
        (void)s->epoll_ctl(epoll_, abi::epoll_ctl_add, child,
                           abi::epollin | abi::epollout | abi::epollrdhup | abi::epollet);
        const auto index = static_cast<std::size_t>(child);
        if (index >= peers_.size()) peers_.resize(index + 1);
        peers_[index] = Peer{true};
        serve(*s, child, now);
      }
    } else if (fd >= 0 && static_cast<std::size_t>(fd) < peers_.size() &&
               peers_[static_cast<std::size_t>(fd)].open) {
      serve(*s, fd, now);
    }
  }
}

void ServerApp::serve(api::SocketApi& s, int fd, Instant now) {
  Peer& p = peers_[static_cast<std::size_t>(fd)];
  // Read everything there is: the request, and whatever follows it.
  bool peer_done = false;
  std::uint8_t buffer[4096];
  while (true) {
    const api::CallResult n = s.read(fd, buffer, 0, now);
    if (!n.ok()) {
      peer_done = n.error != Errno::eagain;
      break;
    }
    if (n.value == 0) {
      peer_done = true;
      break;
    }
    p.request_received += static_cast<std::size_t>(n.value);
  }
  if (!p.answering && p.request_received == 0 && peer_done) {  // the client left before asking
    (void)s.close(fd, now);
    p.open = false;
    return;
  }
  if (!p.answering && (p.request_received >= config_.request_bytes || peer_done)) p.answering = true;
  if (!p.answering) return;
  send_what_fits<'r'>(s, fd, config_.response_bytes, &p.response_sent, now);
  const bool sent_all = p.response_sent >= config_.response_bytes;
  if (config_.close_after_response && (sent_all || (s.events_of(fd) & abi::epollerr) != 0)) {
    (void)s.close(fd, now);
    p.open = false;
  }
}

void ClientApp::step(World& world, Instant now) {
  api::SocketApi* s = world.sockets(host());
  if (s == nullptr) return;
  if (!started_) {
    if (now < config_.start) return;
    started_ = true;
    epoll_ = static_cast<int>(s->epoll_create().value);
    for (int i = 0; i < config_.connections; ++i) {
      const int fd = open_socket(*s, epoll_, config_.options, now);
      (void)s->connect(fd, config_.server, config_.port, now);
      if (static_cast<std::size_t>(fd) >= connections_.size())
        connections_.resize(static_cast<std::size_t>(fd) + 1);
      connections_[static_cast<std::size_t>(fd)] = Connection{true};
    }
  }
  (void)s->epoll_wait(epoll_, events_, 1 << 20);
  for (const api::EpollEvent& e : events_) {
    const int fd = e.fd;
    if (fd >= 0 && static_cast<std::size_t>(fd) < connections_.size() &&
        connections_[static_cast<std::size_t>(fd)].open) {
      drive(*s, fd, now);
    }
  }
  if (finished_ == config_.connections && config_.after == AfterResponse::crash && !crash_scheduled_) {
    crash_scheduled_ = true;
    world.schedule_crash(host(), now + config_.crash_delay);
  }
}

void ClientApp::drive(api::SocketApi& s, int fd, Instant now) {
  Connection& c = connections_[static_cast<std::size_t>(fd)];
  if (c.finished) return;
  c.connected = c.connected || s.stack().connected_once(s.stack_fd(fd));
  if (c.connected) send_what_fits<'q'>(s, fd, config_.request_bytes, &c.request_sent, now);
  std::uint8_t buffer[4096];
  while (true) {
    const api::CallResult n = s.read(fd, buffer, 0, now);
    if (n.ok() && n.value > 0) {
      c.received += static_cast<std::size_t>(n.value);
      if (config_.expect_bytes == 0 || c.received < config_.expect_bytes) continue;
    } else if (!n.ok() && n.error == Errno::eagain) {
      return;
    }
    // The whole answer, the end of the stream, or an error: done.
    finish(s, fd, now);
    return;
  }
}

void ClientApp::finish(api::SocketApi& s, int fd, Instant now) {
  Connection& c = connections_[static_cast<std::size_t>(fd)];
  c.finished = true;
  ++finished_;
  if (config_.after == AfterResponse::abort)
    (void)s.setsockopt(fd, abi::sol_socket, abi::so_linger, api::Linger{1, 0}, now);
  if (config_.after == AfterResponse::close || config_.after == AfterResponse::abort) (void)s.close(fd, now);
  if (config_.after == AfterResponse::shutdown) (void)s.shutdown(fd, abi::shut_wr, now);
}

ClientTally ClientApp::tally() const {
  ClientTally t = lost_;
  int seen = 0;
  for (const Connection& c : connections_) {
    if (!c.open) continue;
    ++seen;
    t.bytes_received += c.received;
    if (!c.finished) {
      ++t.unfinished;
    } else if (!c.connected) {
      ++t.never_connected;
    } else if (config_.expect_bytes > 0 && c.received < config_.expect_bytes) {
      ++t.short_answers;
    } else {
      ++t.answered;
    }
  }
  // Connections the host never got to open (it crashed before the start).
  if (!started_) t.unfinished += config_.connections - seen;
  return t;
}

void ClientApp::forget_sockets() {
  // The host crashed or rebooted: what was not finished never will be.
  const ClientTally before = tally();
  lost_ = before;
  connections_.clear();
  finished_ = 0;
  epoll_ = -1;
}

}  // namespace finwait::sim
