#include "api/event_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>


namespace finwait::api {
namespace {

constexpr std::size_t k_batch = 64;
constexpr std::uint64_t k_device_cookie = ~std::uint64_t{0};

}  // namespace

EventLoop::EventLoop(stack::Stack& stack, netdev::Device& device)
    : stack_(stack), device_(device), epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)), batch_(k_batch) {
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.u64 = k_device_cookie;
  if (epoll_fd_ >= 0) (void)::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, device_.poll_fd(), &e);
}

EventLoop::~EventLoop() {
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

Instant real_clock_now() {
  const auto t = std::chrono::steady_clock::now().time_since_epoch();
  return Instant::from_nanoseconds(std::chrono::duration_cast<std::chrono::nanoseconds>(t).count());
}

Instant EventLoop::now() const { return real_clock_now(); }

Result<bool, std::string> EventLoop::watch(int fd, std::function<void(Instant)> handler) {
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.u64 = static_cast<std::uint64_t>(fd);
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &e) != 0)
    return fail(fmt::format("epoll: cannot watch descriptor {}: {}", fd, std::strerror(errno)));
  watched_[fd] = std::move(handler);
  return true;
}

void EventLoop::unwatch(int fd) {
  (void)::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  watched_.erase(fd);
}

Result<bool, std::string> EventLoop::flush() {
  for (std::size_t i = 0; i < stack_.outgoing_count(); ++i) {
    const auto packet = stack_.outgoing(i);
    auto sent = device_.send(packet, stack_.outgoing_segment_size(i));
    if (!sent) {
      stack_.clear_outgoing();
      return fail(sent.error());
    }
    if (!*sent) ++dropped_;
  }
  stack_.clear_outgoing();
  return true;
}

Result<bool, std::string> EventLoop::read_device(Instant now) {
  while (true) {
    auto got = device_.receive(batch_);
    if (!got) return fail(got.error());
    for (std::size_t i = 0; i < *got; ++i) {
      const netdev::ReceivedPacket& packet = batch_[i];
      stack_.on_frame(packet.bytes(), now, packet.checksum_trusted);
    }
    if (*got < batch_.size()) return true;
  }
}

void EventLoop::deliver_ready(Instant now) {
  if (!on_ready_) return;  // the readiness stays for SocketApi::epoll_wait
  stack_.take_ready(ready_);
  if (!ready_.empty()) on_ready_(ready_, now);
}

Result<std::size_t, std::string> EventLoop::wait(SocketApi& api, int epfd, std::vector<EpollEvent>& events,
                                                 Duration timeout) {
  if (auto r = flush(); !r) return fail(r.error());
  const Instant deadline = timeout.nanoseconds() < 0 ? Instant::never() : now() + timeout;
  CallResult got;
  auto ready = [&] {
    got = api.epoll_wait(epfd, events);
    return !got.ok() || got.value > 0 || now() >= deadline;
  };
  if (auto r = run(ready, deadline); !r) return fail(r.error());
  if (!got.ok()) return fail(fmt::format("epoll_wait({}): {}", epfd, describe(got.error)));
  return static_cast<std::size_t>(got.value);
}

Result<bool, std::string> EventLoop::run(const std::function<bool()>& done, Instant check_by) {
  if (epoll_fd_ < 0) return fail(fmt::format("epoll: {}", std::strerror(errno)));
  epoll_event events[16];
  while (!done()) {
    Instant now = this->now();
    const Instant deadline = std::min(stack_.next_deadline(), check_by);
    int timeout_ms = -1;
    if (stack_.has_ready() && on_ready_) {
      timeout_ms = 0;  // a handler made a descriptor ready (accept): deliver it now
    } else if (deadline != Instant::never()) {
      const std::int64_t wait_ns = (deadline - now).nanoseconds();
      timeout_ms = wait_ns <= 0 ? 0 : static_cast<int>(std::min<std::int64_t>((wait_ns + 999'999) / 1'000'000, 60'000));
    }
    const int n = ::epoll_wait(epoll_fd_, events, 16, timeout_ms);
    if (n < 0 && errno != EINTR) return fail(fmt::format("epoll_wait: {}", std::strerror(errno)));
    now = this->now();
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == k_device_cookie) {
        if (auto r = read_device(now); !r) return r;
      } else {
        // A copy: the handler may unwatch its own descriptor.
        auto it = watched_.find(static_cast<int>(events[i].data.u64));
        if (it == watched_.end()) continue;
        const auto handler = it->second;
        handler(now);
      }
    }
    if (stack_.next_deadline() <= now) stack_.on_timer(now);
    if (auto r = flush(); !r) return r;
    deliver_ready(now);
    if (auto r = flush(); !r) return r;
  }
  return true;
}

}  // namespace finwait::api
