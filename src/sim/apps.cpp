#include "sim/apps.h"

#include <algorithm>
#include <array>

namespace finwait::sim {
namespace {

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
void send_what_fits(stack::Stack& s, int fd, std::size_t total, std::size_t* sent, Instant now) {
  while (*sent < total) {
    auto n = s.send(fd, slice<Fill>(total - *sent), now);
    if (!n || *n == 0) return;  // full (EAGAIN: writable comes later) or an error
    *sent += *n;
  }
}

}  // namespace

void ServerApp::step(World& world, Instant now) {
  stack::Stack* s = world.stack(host());
  if (s == nullptr) return;
  if (listener_ < 0) {
    listener_ = s->socket();
    s->set_reuse_address(listener_, true);
    *s->options(listener_) = config_.options;  // inherited by accepted connections
    (void)s->bind(listener_, {}, config_.port);
    (void)s->listen(listener_, 4096);
  }
  // Only the descriptors that became ready: O(activity), not O(connections).
  for (int fd : world.ready(host())) {
    if (fd == listener_) {
      while (true) {
        auto accepted = s->accept(listener_);
        if (!accepted) break;
        const auto index = static_cast<std::size_t>(*accepted);
        if (index >= peers_.size()) peers_.resize(index + 1);
        peers_[index] = Peer{true};
        serve(*s, *accepted, now);
      }
    } else if (fd >= 0 && static_cast<std::size_t>(fd) < peers_.size() &&
               peers_[static_cast<std::size_t>(fd)].open) {
      serve(*s, fd, now);
    }
  }
}

void ServerApp::serve(stack::Stack& s, int fd, Instant now) {
  Peer& p = peers_[static_cast<std::size_t>(fd)];
  // Read everything there is: the request, and whatever follows it.
  bool peer_done = false;
  std::uint8_t buffer[4096];
  while (true) {
    auto n = s.receive(fd, buffer, now);
    if (!n) {
      peer_done = n.error() != Errno::eagain;
      break;
    }
    if (*n == 0) {
      peer_done = true;
      break;
    }
    p.request_received += *n;
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
  if (config_.close_after_response && (sent_all || s.readiness(fd).error)) {
    (void)s.close(fd, now);
    p.open = false;
  }
}

void ClientApp::step(World& world, Instant now) {
  stack::Stack* s = world.stack(host());
  if (s == nullptr) return;
  if (!started_) {
    if (now < config_.start) return;
    started_ = true;
    for (int i = 0; i < config_.connections; ++i) {
      const int fd = s->socket();
      s->set_nonblocking(fd, true);
      *s->options(fd) = config_.options;
      (void)s->connect(fd, config_.server, config_.port, now);
      if (static_cast<std::size_t>(fd) >= connections_.size())
        connections_.resize(static_cast<std::size_t>(fd) + 1);
      connections_[static_cast<std::size_t>(fd)] = Connection{true};
    }
  }
  for (int fd : world.ready(host())) {
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

void ClientApp::drive(stack::Stack& s, int fd, Instant now) {
  Connection& c = connections_[static_cast<std::size_t>(fd)];
  if (c.finished) return;
  c.connected = c.connected || s.connected_once(fd);
  if (c.connected) send_what_fits<'q'>(s, fd, config_.request_bytes, &c.request_sent, now);
  std::uint8_t buffer[4096];
  while (true) {
    auto n = s.receive(fd, buffer, now);
    if (n && *n > 0) {
      c.received += *n;
      if (config_.expect_bytes == 0 || c.received < config_.expect_bytes) continue;
    } else if (!n && n.error() == Errno::eagain) {
      return;
    }
    // The whole answer, the end of the stream, or an error: done.
    finish(s, fd, now);
    return;
  }
}

void ClientApp::finish(stack::Stack& s, int fd, Instant now) {
  Connection& c = connections_[static_cast<std::size_t>(fd)];
  c.finished = true;
  ++finished_;
  if (config_.after == AfterResponse::abort) {
    s.options(fd)->linger_on = true;
    s.options(fd)->linger_seconds = 0;
    (void)s.apply_options(fd, now);
  }
  if (config_.after == AfterResponse::close || config_.after == AfterResponse::abort) (void)s.close(fd, now);
  if (config_.after == AfterResponse::shutdown) (void)s.shutdown(fd, tcp::Shutdown::write, now);
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
}

}  // namespace finwait::sim
