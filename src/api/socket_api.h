// The BSD socket calls over a stack, with Linux's rules (DESIGN.md "Layers",
// api/): one descriptor table for sockets and epoll instances, option
// validation and errno choices as Linux makes them, blocking and
// nonblocking sockets, SO_ERROR, and readiness as tcp_poll() reports it,
// level- or edge-triggered. The script runner, the simulator's applications
// and programs on a real device all call this one API.
//
// Calls never wait: a call on a blocking socket that would wait says so
// (`would_block`), and the caller waits for readiness (in virtual time, or
// with api::EventLoop) and calls again. Numbers are Linux's (api/linux_abi.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "api/linux_abi.h"
#include "base/errno.h"
#include "stack/stack.h"

namespace finwait::api {

// SO_LINGER's struct linger.
struct Linger {
  std::int64_t onoff = 0;
  std::int64_t seconds = 0;
};
// An option's value: an int, SO_LINGER's struct, or TCP_CONGESTION's name.
using OptionValue = std::variant<std::int64_t, Linger, std::string>;

// What a call returns: a value, or -1 and an errno.
struct CallResult {
  std::int64_t value = 0;
  Errno error = Errno::ok;
  // A blocking call that has to wait: wait for readiness and call again.
  // (write: `value` bytes were taken; call again with the rest.)
  bool would_block = false;

  static CallResult of(std::int64_t value) { return {value, Errno::ok, false}; }
  static CallResult failed(Errno error) { return {-1, error, false}; }
  static CallResult blocked(std::int64_t value = -1) { return {value, Errno::ok, true}; }
  bool ok() const { return error == Errno::ok && !would_block; }
};

struct EpollEvent {
  int fd = -1;
  std::uint32_t events = 0;
};
struct PollFd {
  int fd = -1;
  std::uint32_t events = 0;
  std::uint32_t revents = 0;
};

class SocketApi {
 public:
  explicit SocketApi(stack::Stack& stack) : stack_(stack) {}
  SocketApi(const SocketApi&) = delete;
  SocketApi& operator=(const SocketApi&) = delete;
  stack::Stack& stack() { return stack_; }

  // AF_INET, SOCK_STREAM (| SOCK_NONBLOCK | SOCK_CLOEXEC), protocol 0 or TCP.
  CallResult socket(int domain, int type, int protocol);
  CallResult bind(int fd, wire::Ipv4Address address, std::uint16_t port);
  CallResult listen(int fd, int backlog);
  // Blocking with nothing to accept: would block.
  CallResult accept(int fd);
  // Nonblocking: EINPROGRESS, then writable (or an error) when the handshake
  // ends. Blocking: would block; calls again give 0 or the handshake's error.
  CallResult connect(int fd, wire::Ipv4Address address, std::uint16_t port, Instant now);
  // connect(fd, AF_UNSPEC): the socket is disconnected (Linux's tcp_disconnect).
  CallResult disconnect(int fd, Instant now);
  // read/recv: MSG_DONTWAIT in `flags` makes one call nonblocking.
  CallResult read(int fd, std::span<std::uint8_t> out, int flags, Instant now);
  // write/send: takes what fits. A blocking socket that took less than all
  // would block, with `value` the bytes taken.
  CallResult write(int fd, std::span<const std::uint8_t> data, int flags, Instant now);
  // sendto(): MSG_FASTOPEN on a socket not yet connected opens the
  // connection with the data in the SYN (RFC 7413); otherwise a write.
  // `family` is the address's (AF_UNSPEC is refused with MSG_FASTOPEN).
  CallResult sendto(int fd, std::span<const std::uint8_t> data, int flags, wire::Ipv4Address address,
                    std::uint16_t port, Instant now, int family = linux_abi::af_inet);
  // SO_LINGER {1, N} on a blocking socket: would block until the FIN is
  // acknowledged or N seconds pass; call again to learn it is done.
  CallResult close(int fd, Instant now);
  CallResult shutdown(int fd, int how, Instant now);
  CallResult fcntl(int fd, int command, std::int64_t argument);
  CallResult setsockopt(int fd, int level, int option, const OptionValue& value, Instant now);
  // On success `value` holds the option's value.
  CallResult getsockopt(int fd, int level, int option, OptionValue& value);
  // SIOCINQ (FIONREAD): the bytes there are to read, into `value`.
  CallResult ioctl(int fd, int request, std::int64_t& value);

  CallResult epoll_create();
  // EPOLL_CTL_ADD / MOD / DEL; EPOLLET and EPOLLONESHOT as Linux has them.
  CallResult epoll_ctl(int epfd, int op, int fd, std::uint32_t events);
  // The ready descriptors now, at most `max_events`; never waits (a program
  // waits with EventLoop::wait). Edge-triggered interest reports a
  // readiness once per new edge: after the stack did something on the
  // socket (data, space, state), not again for the same state.
  CallResult epoll_wait(int epfd, std::vector<EpollEvent>& out, std::size_t max_events = 64);
  // poll(): revents for each, POLLNVAL for a descriptor that is not a socket.
  CallResult poll(std::span<PollFd> fds);

  // tcp_poll()'s mask for a socket (0 for anything else).
  std::uint32_t events_of(int fd) const;
  bool is_socket(int fd) const;
  bool is_epoll(int fd) const;
  // The stack's descriptor behind a socket (for what only the stack tells).
  int stack_fd(int fd) const;

 private:
  struct Interest {
    std::uint32_t events = 0;
    bool queued = false;    // on the instance's ready list
    bool disabled = false;  // EPOLLONESHOT: reported, until EPOLL_CTL_MOD
  };
  struct Descriptor {
    bool is_epoll = false;
    int stack_fd = -1;
    bool connecting = false;  // a blocking connect() under way
    bool lingering = false;   // a blocking close() waiting out SO_LINGER
    // A socket: the epoll instances watching it.
    std::vector<int> watched_by;
    // An epoll instance: fd -> what it waits for, and, as Linux keeps it, a
    // list of the descriptors that may be ready (queued on activity, on
    // EPOLL_CTL_ADD and MOD, and again after a level-triggered report), so
    // that a wait costs what is ready, not what is watched.
    std::map<int, Interest> interest;
    std::vector<int> ready_list;
  };
  Descriptor* find(int fd);
  const Descriptor* find(int fd) const;
  Descriptor* socket_at(int fd);
  const Descriptor* socket_at(int fd) const;
  int new_descriptor(Descriptor d);
  void release(int fd);
  void enqueue(Descriptor& epoll, int fd);
  // Queues every socket the stack did something on, in the instances watching it.
  void note_activity();

  stack::Stack& stack_;
  // By number; a free number is reused lowest first, as Linux does.
  std::vector<std::optional<Descriptor>> table_;
  std::priority_queue<int, std::vector<int>, std::greater<>> free_numbers_;
  std::vector<int> socket_of_stack_fd_;  // the stack's descriptor -> ours (-1: none)
  std::vector<int> activity_;
};

}  // namespace finwait::api
