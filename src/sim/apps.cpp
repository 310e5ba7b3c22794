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
  while (true) {
    auto fd = s->accept(listener_);
    if (!fd) break;
    connections_.push_back({*fd});
  }
  std::vector<std::uint8_t> buffer(4096);
  for (Connection& c : connections_) {
    if (c.answered) continue;
    auto n = s->receive(c.fd, buffer, now);
    if (!n) continue;
    if (*n == 0) {  // the client left before asking
      (void)s->close(c.fd, now);
      c.answered = true;
      continue;
    }
    std::vector<std::uint8_t> response(config_.response_bytes, 'r');
    (void)s->send(c.fd, response, now);
    c.answered = true;
    if (config_.close_after_response) (void)s->close(c.fd, now);
  }
  std::erase_if(connections_, [&](const Connection& c) { return c.answered && config_.close_after_response; });
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
      connections_.push_back({fd});
    }
  }
  std::vector<std::uint8_t> buffer(4096);
  bool all_finished = !connections_.empty();
  for (Connection& c : connections_) {
    if (!c.finished) {
      const auto ready = s->readiness(c.fd);
      if (!c.sent && ready.writable) {
        std::vector<std::uint8_t> request(config_.request_bytes, 'q');
        (void)s->send(c.fd, request, now);
        c.sent = true;
      }
      while (true) {
        auto n = s->receive(c.fd, buffer, now);
        if (!n || *n == 0) {
          // End of stream (the answer is complete) or an error: done.
          if (!n && n.error() == Errno::eagain) break;
          c.finished = true;
          if (config_.after == AfterResponse::close) (void)s->close(c.fd, now);
          if (config_.after == AfterResponse::abort) {
            s->options(c.fd)->linger_on = true;
            s->options(c.fd)->linger_seconds = 0;
            (void)s->close(c.fd, now);
          }
          break;
        }
      }
    }
    all_finished = all_finished && c.finished;
  }
  if (all_finished && config_.after == AfterResponse::crash && !crash_scheduled_) {
    crash_scheduled_ = true;
    world.schedule_crash(host(), now + config_.crash_delay);
  }
}

}  // namespace finwait::sim
