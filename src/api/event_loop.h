// The event loop that runs a stack on a real device (DESIGN.md "Layers"):
// one thread, epoll on the device and on any descriptor the program adds,
// woken at the stack's next deadline. It is the only place below the tools
// that reads a clock (steady, monotonic); the stack and the engine take
// `now` from it. A capture is a device too: netdev::PcapTap wraps the real one.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <vector>

#include "api/socket_api.h"
#include "base/result.h"
#include "netdev/device.h"
#include "stack/stack.h"

namespace finwait::api {

// The real clock as the stack counts time (steady, monotonic).
Instant real_clock_now();

class EventLoop {
 public:
  EventLoop(stack::Stack& stack, netdev::Device& device);
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  ~EventLoop();

  // The real clock as the stack counts time.
  Instant now() const;
  stack::Stack& stack() { return stack_; }

  // Called after the stack did something, with the descriptors that became
  // ready (data, space, connections to accept, errors, closes).
  void on_ready(std::function<void(std::span<const int> ready, Instant now)> handler) {
    on_ready_ = std::move(handler);
  }
  // Calls `handler` whenever `fd` polls readable (a signalfd, a pipe).
  Result<bool, std::string> watch(int fd, std::function<void(Instant now)> handler);
  // Stops watching `fd` (before it is closed); a handler may call it on its own.
  void unwatch(int fd);

  // Runs until `done()` is true after an iteration, or a device error. The
  // loop wakes at the stack's deadlines, on packets and watched descriptors,
  // and at `check_by` (a deadline of the caller's that done() looks at).
  Result<bool, std::string> run(const std::function<bool()>& done, Instant check_by = Instant::never());
  // Sends what the stack has queued (after socket calls made outside a handler).
  Result<bool, std::string> flush();
  // The poll-style way: sends what the program's calls queued, then runs
  // until `api`'s epoll instance `epfd` has something to report or `timeout`
  // passes; returns how many events are in `events` (0: timed out). Use it
  // or on_ready(), not both: a handler takes the readiness the API reads.
  Result<std::size_t, std::string> wait(SocketApi& api, int epfd, std::vector<EpollEvent>& events,
                                        Duration timeout = Duration::from_nanoseconds(-1));

 private:
  Result<bool, std::string> read_device(Instant now);
  void deliver_ready(Instant now);

  stack::Stack& stack_;
  netdev::Device& device_;
  int epoll_fd_ = -1;
  std::map<int, std::function<void(Instant)>> watched_;
  std::function<void(std::span<const int>, Instant)> on_ready_;
  std::vector<netdev::ReceivedPacket> batch_;
  std::vector<int> ready_;
  std::uint64_t dropped_ = 0;  // packets the device queue had no room for
};

}  // namespace finwait::api
