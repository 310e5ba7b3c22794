#include "api/socket_api.h"

#include <algorithm>

#include "api/linux_abi.h"

namespace finwait::api {
namespace abi = linux_abi;

// --- descriptors ----------------------------------------------------------------

SocketApi::Descriptor* SocketApi::find(int fd) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= table_.size() || !table_[static_cast<std::size_t>(fd)]) return nullptr;
  return &*table_[static_cast<std::size_t>(fd)];
}

const SocketApi::Descriptor* SocketApi::find(int fd) const {
  if (fd < 0 || static_cast<std::size_t>(fd) >= table_.size() || !table_[static_cast<std::size_t>(fd)]) return nullptr;
  return &*table_[static_cast<std::size_t>(fd)];
}

SocketApi::Descriptor* SocketApi::socket_at(int fd) {
  Descriptor* d = find(fd);
  return d == nullptr || d->is_epoll ? nullptr : d;
}

const SocketApi::Descriptor* SocketApi::socket_at(int fd) const {
  const Descriptor* d = find(fd);
  return d == nullptr || d->is_epoll ? nullptr : d;
}

int SocketApi::new_descriptor(Descriptor d) {
  // The lowest free number from 3, as a process with stdin, stdout and
  // stderr open gets from Linux.
  if (table_.size() < 3) table_.resize(3);
  int fd = static_cast<int>(table_.size());
  if (!free_numbers_.empty()) {
    fd = free_numbers_.top();
    free_numbers_.pop();
  } else {
    table_.emplace_back();
  }
  if (!d.is_epoll) {
    const auto index = static_cast<std::size_t>(d.stack_fd);
    if (index >= socket_of_stack_fd_.size()) socket_of_stack_fd_.resize(index + 1, -1);
    socket_of_stack_fd_[index] = fd;
  }
  table_[static_cast<std::size_t>(fd)] = std::move(d);
  return fd;
}

void SocketApi::release(int fd) {
  Descriptor* found = find(fd);
  if (found == nullptr) return;
  Descriptor& d = *found;
  if (d.is_epoll) {
    for (const auto& [watched, _] : d.interest) {
      if (Descriptor* w = find(watched)) std::erase(w->watched_by, fd);
    }
  } else {
    // A closed descriptor leaves every epoll set (its last reference is gone).
    for (const int epfd : d.watched_by) {
      if (Descriptor* ep = find(epfd)) ep->interest.erase(fd);  // its ready-list entry is skipped
    }
    socket_of_stack_fd_[static_cast<std::size_t>(d.stack_fd)] = -1;
  }
  table_[static_cast<std::size_t>(fd)].reset();
  free_numbers_.push(fd);
}

bool SocketApi::is_socket(int fd) const { return socket_at(fd) != nullptr; }

bool SocketApi::is_epoll(int fd) const {
  const Descriptor* d = find(fd);
  return d != nullptr && d->is_epoll;
}

int SocketApi::stack_fd(int fd) const {
  const Descriptor* d = socket_at(fd);
  return d == nullptr ? -1 : d->stack_fd;
}

// --- the calls ---------------------------------------------------------------------

CallResult SocketApi::socket(int domain, int type, int protocol) {
  if (domain != abi::af_inet) return CallResult::failed(Errno::eafnosupport);
  if ((type & 0xf) != abi::sock_stream || (type & ~(0xf | abi::sock_nonblock | abi::sock_cloexec)) != 0)
    return CallResult::failed(Errno::einval);
  if (protocol != 0 && protocol != abi::ipproto_tcp) return CallResult::failed(Errno::eprotonosupport);
  Descriptor d;
  d.stack_fd = stack_.socket();
  if ((type & abi::sock_nonblock) != 0) stack_.set_nonblocking(d.stack_fd, true);
  return CallResult::of(new_descriptor(std::move(d)));
}

CallResult SocketApi::bind(int fd, wire::Ipv4Address address, std::uint16_t port) {
  const Descriptor* d = socket_at(fd);
  if (d == nullptr) return CallResult::failed(is_epoll(fd) ? Errno::enotsock : Errno::ebadf);
  const Errno e = stack_.bind(d->stack_fd, address, port);
  return e == Errno::ok ? CallResult::of(0) : CallResult::failed(e);
}

CallResult SocketApi::listen(int fd, int backlog) {
  const Descriptor* d = socket_at(fd);
  if (d == nullptr) return CallResult::failed(is_epoll(fd) ? Errno::enotsock : Errno::ebadf);
  const Errno e = stack_.listen(d->stack_fd, backlog);
  return e == Errno::ok ? CallResult::of(0) : CallResult::failed(e);
}

CallResult SocketApi::accept(int fd) {
  const Descriptor* d = socket_at(fd);
  if (d == nullptr) return CallResult::failed(is_epoll(fd) ? Errno::enotsock : Errno::ebadf);
  const int listener = d->stack_fd;
  auto accepted = stack_.accept(listener);
  if (accepted) {
    Descriptor child;
    child.stack_fd = *accepted;
    return CallResult::of(new_descriptor(std::move(child)));
  }
  if (accepted.error() == Errno::eagain && !stack_.nonblocking(listener)) return CallResult::blocked();
  return CallResult::failed(accepted.error());
}

CallResult SocketApi::connect(int fd, wire::Ipv4Address address, std::uint16_t port, Instant now) {
  Descriptor* d = socket_at(fd);
  if (d == nullptr) return CallResult::failed(is_epoll(fd) ? Errno::enotsock : Errno::ebadf);
  auto handshaking = [&] {
    const auto state = stack_.state_of(d->stack_fd);
    return state == tcp::State::syn_sent || state == tcp::State::syn_received;
  };
  auto outcome = [&] {
    const Errno e = stack_.take_error(d->stack_fd);
    return e == Errno::ok ? CallResult::of(0) : CallResult::failed(e);
  };
  if (d->connecting) {
    if (handshaking()) return CallResult::blocked();
    d->connecting = false;
    return outcome();
  }
  const Errno e = stack_.connect(d->stack_fd, address, port, now);
  if (e == Errno::einprogress && !stack_.nonblocking(d->stack_fd)) {
    if (!handshaking()) return outcome();
    d->connecting = true;
    return CallResult::blocked();
  }
  return e == Errno::ok ? CallResult::of(0) : CallResult::failed(e);
}

CallResult SocketApi::disconnect(int fd, Instant now) {
  Descriptor* d = socket_at(fd);
  if (d == nullptr) return CallResult::failed(is_epoll(fd) ? Errno::enotsock : Errno::ebadf);
  d->connecting = false;
  const Errno e = stack_.disconnect(d->stack_fd, now);
  return e == Errno::ok ? CallResult::of(0) : CallResult::failed(e);
}

CallResult SocketApi::read(int fd, std::span<std::uint8_t> out, int flags, Instant now) {
  const Descriptor* d = socket_at(fd);
  if (d == nullptr) return CallResult::failed(is_epoll(fd) ? Errno::einval : Errno::ebadf);
  auto r = stack_.receive(d->stack_fd, out, now);
  if (r) return CallResult::of(static_cast<std::int64_t>(*r));
  if (r.error() == Errno::eagain && !stack_.nonblocking(d->stack_fd) && (flags & abi::msg_dontwait) == 0)
    return CallResult::blocked();
  return CallResult::failed(r.error());
}

CallResult SocketApi::write(int fd, std::span<const std::uint8_t> data, int flags, Instant now) {
  const Descriptor* d = socket_at(fd);
  if (d == nullptr) return CallResult::failed(is_epoll(fd) ? Errno::einval : Errno::ebadf);
  const bool blocking = !stack_.nonblocking(d->stack_fd) && (flags & abi::msg_dontwait) == 0;
  auto r = stack_.send(d->stack_fd, data, now,
                       {.more = (flags & abi::msg_more) != 0, .end_of_record = (flags & abi::msg_eor) != 0});
  if (r) {
    if (*r < data.size() && blocking) return CallResult::blocked(static_cast<std::int64_t>(*r));
    return CallResult::of(static_cast<std::int64_t>(*r));
  }
  if (r.error() == Errno::eagain && blocking) return CallResult::blocked(0);
  return CallResult::failed(r.error());
}

CallResult SocketApi::sendto(int fd, std::span<const std::uint8_t> data, int flags, wire::Ipv4Address address,
                             std::uint16_t port, Instant now, int family) {
  const Descriptor* d = socket_at(fd);
  if (d == nullptr) return CallResult::failed(is_epoll(fd) ? Errno::enotsock : Errno::ebadf);
  if ((flags & abi::msg_fastopen) == 0) return write(fd, data, flags, now);
  // Linux's tcp_sendmsg_fastopen: AF_UNSPEC is not a Fast Open; a socket
  // still connecting is EALREADY (__inet_stream_connect's SS_CONNECTING).
  if (family == abi::af_unspec) return CallResult::failed(Errno::eopnotsupp);
  if (stack_.flow_of(d->stack_fd)) {
    if (stack_.state_of(d->stack_fd) == tcp::State::syn_sent) return CallResult::failed(Errno::ealready);
    return write(fd, data, flags, now);
  }
  const bool blocking = !stack_.nonblocking(d->stack_fd) && (flags & abi::msg_dontwait) == 0;
  auto r = stack_.connect_with_data(d->stack_fd, address, port, data, now);
  if (r) {
    // Linux's __inet_stream_connect from sendmsg: a blocking caller waits for
    // the handshake (inet_wait_for_connect), even when the SYN took it all,
    // and then writes the rest.
    if (blocking && (*r < data.size() || stack_.state_of(d->stack_fd) == tcp::State::syn_sent)) {
      if (*r < data.size()) stack_.set_write_pending(d->stack_fd);
      return CallResult::blocked(static_cast<std::int64_t>(*r));
    }
    return CallResult::of(static_cast<std::int64_t>(*r));
  }
  if (r.error() == Errno::einprogress && blocking) return CallResult::blocked(0);
  return CallResult::failed(r.error());
}

CallResult SocketApi::close(int fd, Instant now) {
  Descriptor* found = find(fd);
  if (found == nullptr) return CallResult::failed(Errno::ebadf);
  Descriptor& d = *found;
  if (d.is_epoll) {
    release(fd);
    return CallResult::of(0);
  }
  if (d.lingering) {  // close() again while SO_LINGER waits
    if (stack_.close_pending(d.stack_fd)) return CallResult::blocked();
    release(fd);
    return CallResult::of(0);
  }
  const int stack_fd = d.stack_fd;
  const Errno e = stack_.close(stack_fd, now);
  if (e == Errno::ok && stack_.close_pending(stack_fd)) {
    d.lingering = true;
    return CallResult::blocked();
  }
  release(fd);
  return e == Errno::ok ? CallResult::of(0) : CallResult::failed(e);
}

CallResult SocketApi::shutdown(int fd, int how, Instant now) {
  const Descriptor* d = socket_at(fd);
  if (d == nullptr) return CallResult::failed(is_epoll(fd) ? Errno::enotsock : Errno::ebadf);
  if (how < abi::shut_rd || how > abi::shut_rdwr) return CallResult::failed(Errno::einval);
  const Errno e = stack_.shutdown(d->stack_fd, static_cast<tcp::Shutdown>(how), now);
  return e == Errno::ok ? CallResult::of(0) : CallResult::failed(e);
}

CallResult SocketApi::fcntl(int fd, int command, std::int64_t argument) {
  const Descriptor* d = socket_at(fd);
  if (d == nullptr) return CallResult::failed(Errno::ebadf);
  if (command == abi::f_getfl) return CallResult::of(abi::o_rdwr | (stack_.nonblocking(d->stack_fd) ? abi::o_nonblock : 0));
  if (command == abi::f_setfl) {
    stack_.set_nonblocking(d->stack_fd, (argument & abi::o_nonblock) != 0);
    return CallResult::of(0);
  }
  return CallResult::failed(Errno::einval);
}

CallResult SocketApi::ioctl(int fd, int request, std::int64_t& value) {
  const Descriptor* d = socket_at(fd);
  if (d == nullptr) return CallResult::failed(Errno::ebadf);
  if (request != abi::siocinq) return CallResult::failed(Errno::enotty);
  value = static_cast<std::int64_t>(stack_.readable_bytes(d->stack_fd));
  return CallResult::of(0);
}

// --- readiness ------------------------------------------------------------------

std::uint32_t SocketApi::events_of(int fd) const {
  const Descriptor* d = socket_at(fd);
  if (d == nullptr) return 0;
  // Linux's tcp_poll().
  const stack::SocketReadiness r = stack_.readiness(d->stack_fd);
  std::uint32_t mask = 0;
  if (r.readable || r.read_hangup) mask |= abi::epollin;
  if (r.writable) mask |= abi::epollout;
  if (r.error) mask |= abi::epollerr;
  if (r.hangup) mask |= abi::epollhup;
  if (r.read_hangup || r.hangup) mask |= abi::epollrdhup | abi::epollin;
  return mask;
}

CallResult SocketApi::epoll_create() {
  Descriptor d;
  d.is_epoll = true;
  return CallResult::of(new_descriptor(std::move(d)));
}

void SocketApi::enqueue(Descriptor& epoll, int fd) {
  auto it = epoll.interest.find(fd);
  if (it == epoll.interest.end() || it->second.queued) return;
  it->second.queued = true;
  epoll.ready_list.push_back(fd);
}

CallResult SocketApi::epoll_ctl(int epfd, int op, int fd, std::uint32_t events) {
  Descriptor* ep = find(epfd);
  Descriptor* target = find(fd);
  if (ep == nullptr || target == nullptr) return CallResult::failed(Errno::ebadf);
  if (!ep->is_epoll || fd == epfd) return CallResult::failed(Errno::einval);
  if (target->is_epoll) return CallResult::failed(Errno::eopnotsupp);  // no nested epoll here
  Descriptor& epoll = *ep;
  auto& interest = epoll.interest;
  const bool present = interest.count(fd) != 0;
  switch (op) {
    case abi::epoll_ctl_add:
      if (present) return CallResult::failed(Errno::eexist);
      interest[fd] = Interest{events, false, false};
      target->watched_by.push_back(epfd);
      enqueue(epoll, fd);  // ready now: reported by the next wait, as Linux checks at ADD
      return CallResult::of(0);
    case abi::epoll_ctl_mod:
      if (!present) return CallResult::failed(Errno::enoent);
      interest[fd].events = events;
      interest[fd].disabled = false;
      enqueue(epoll, fd);
      return CallResult::of(0);
    case abi::epoll_ctl_del:
      if (!present) return CallResult::failed(Errno::enoent);
      interest.erase(fd);
      std::erase(target->watched_by, epfd);
      return CallResult::of(0);
    default: return CallResult::failed(Errno::einval);
  }
}

void SocketApi::note_activity() {
  stack_.take_ready(activity_);
  for (const int sfd : activity_) {
    if (sfd < 0 || static_cast<std::size_t>(sfd) >= socket_of_stack_fd_.size()) continue;
    const int fd = socket_of_stack_fd_[static_cast<std::size_t>(sfd)];
    if (fd < 0) continue;
    for (const int epfd : find(fd)->watched_by) enqueue(*find(epfd), fd);
  }
}

CallResult SocketApi::epoll_wait(int epfd, std::vector<EpollEvent>& out, std::size_t max_events) {
  out.clear();
  Descriptor* ep = find(epfd);
  if (ep == nullptr) return CallResult::failed(Errno::ebadf);
  if (!ep->is_epoll || max_events == 0) return CallResult::failed(Errno::einval);
  note_activity();
  Descriptor& epoll = *ep;
  std::vector<int> candidates;
  candidates.swap(epoll.ready_list);
  for (const int fd : candidates) {
    auto it = epoll.interest.find(fd);
    if (it == epoll.interest.end() || !it->second.queued) continue;  // removed meanwhile
    Interest& interest = it->second;
    if (out.size() == max_events) {  // no room: it waits for the next call
      epoll.ready_list.push_back(fd);
      continue;
    }
    interest.queued = false;
    if (interest.disabled) continue;
    // EPOLLERR and EPOLLHUP are reported whether asked for or not.
    const std::uint32_t events = events_of(fd) & (interest.events | abi::epollerr | abi::epollhup);
    if (events == 0) continue;  // not ready after all: off the list until the next activity
    out.push_back(EpollEvent{fd, events});
    if ((interest.events & abi::epolloneshot) != 0) {
      interest.disabled = true;
    } else if ((interest.events & abi::epollet) == 0) {
      enqueue(epoll, fd);  // level-triggered: it stays on the list while ready
    }
  }
  return CallResult::of(static_cast<std::int64_t>(out.size()));
}

CallResult SocketApi::poll(std::span<PollFd> fds) {
  std::int64_t ready = 0;
  for (PollFd& p : fds) {
    p.revents = is_socket(p.fd) ? events_of(p.fd) & (p.events | abi::epollerr | abi::epollhup) : abi::pollnval;
    if (p.revents != 0) ++ready;
  }
  return CallResult::of(ready);
}

}  // namespace finwait::api
