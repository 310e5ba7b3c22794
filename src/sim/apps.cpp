#include "sim/apps.h"

#include <algorithm>

namespace finwait::sim {

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
        if (static_cast<std::size_t>(*accepted) >= waiting_.size())
          waiting_.resize(static_cast<std::size_t>(*accepted) + 1);
        waiting_[static_cast<std::size_t>(*accepted)] = true;
        serve(*s, *accepted, now);
      }
    } else if (fd >= 0 && static_cast<std::size_t>(fd) < waiting_.size() &&
               waiting_[static_cast<std::size_t>(fd)]) {
      serve(*s, fd, now);
    }
  }
}

void ServerApp::serve(stack::Stack& s, int fd, Instant now) {
  std::uint8_t buffer[4096];
  auto n = s.receive(fd, buffer, now);
  if (!n) return;  // nothing yet
  waiting_[static_cast<std::size_t>(fd)] = false;
  if (*n == 0) {  // the client left before asking
    (void)s.close(fd, now);
    return;
  }
  const std::vector<std::uint8_t> response(config_.response_bytes, 'r');
  (void)s.send(fd, response, now);
  if (config_.close_after_response) (void)s.close(fd, now);
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
      connections_[static_cast<std::size_t>(fd)].open = true;
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
  if (!c.sent && s.readiness(fd).writable) {
    const std::vector<std::uint8_t> request(config_.request_bytes, 'q');
    (void)s.send(fd, request, now);
    c.sent = true;
  }
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
    c.finished = true;
    ++finished_;
    if (config_.after == AfterResponse::abort) {
      s.options(fd)->linger_on = true;
      s.options(fd)->linger_seconds = 0;
      (void)s.apply_options(fd, now);
    }
    if (config_.after == AfterResponse::close || config_.after == AfterResponse::abort)
      (void)s.close(fd, now);
    if (config_.after == AfterResponse::shutdown) (void)s.shutdown(fd, tcp::Shutdown::write, now);
    return;
  }
}

}  // namespace finwait::sim
