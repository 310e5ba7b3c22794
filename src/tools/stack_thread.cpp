#include "tools/stack_thread.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

namespace finwait::tools {
namespace {

void signal_eventfd(int fd) {
  const std::uint64_t one = 1;
  (void)::write(fd, &one, sizeof one);
}

}  // namespace

StackThread::StackThread(TunStack& lane, const ServiceConfig& services, bool keepalive, int ended_fd)
    : lane_(lane),
      services_(*lane.stack, services, keepalive),
      ended_fd_(ended_fd),
      mailbox_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

StackThread::~StackThread() {
  join();
  if (mailbox_fd_ >= 0) ::close(mailbox_fd_);
}

Result<bool, std::string> StackThread::start() {
  if (mailbox_fd_ < 0) return fail(fmt::format("eventfd: {}", std::strerror(errno)));
  api::EventLoop& loop = *lane_.loop;
  loop.on_ready([this](std::span<const int> ready, Instant now) { services_.on_ready(ready, now); });
  if (auto watched = loop.watch(mailbox_fd_, [this](Instant now) { run_tasks(now); }); !watched)
    return fail(watched.error());
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    return fail(fmt::format("cannot start a thread: {}", e.what()));
  }
  return true;
}

bool StackThread::post(std::function<void(Instant)> task) {
  {
    std::lock_guard guard(lock_);
    if (finished_) return false;
    tasks_.push_back(std::move(task));
  }
  signal_eventfd(mailbox_fd_);
  return true;
}

void StackThread::stop() {
  (void)post([this](Instant now) {
    if (stop_at_) return;
    services_.close_all(now);
    stop_at_ = now + k_drain;
  });
}

void StackThread::join() {
  if (thread_.joinable()) thread_.join();
}

void StackThread::run_tasks(Instant now) {
  std::uint64_t count = 0;
  (void)::read(mailbox_fd_, &count, sizeof count);
  std::vector<std::function<void(Instant)>> tasks;
  {
    std::lock_guard guard(lock_);
    tasks.swap(tasks_);
  }
  for (auto& task : tasks) task(now);
}

void StackThread::run() {
  api::EventLoop& loop = *lane_.loop;
  // Serve until stopped; then drain until every connection is gone or only
  // waits out TIME-WAIT, or k_drain has passed.
  result_ = loop.run([this] { return stop_at_.has_value(); });
  if (result_) {
    result_ = loop.run(
        [&] {
          bool busy = false;
          for (const auto& c : lane_.stack->connections(loop.now()))
            busy = busy || c.state != tcp::State::time_wait;
          return !busy || loop.now() >= *stop_at_;
        },
        *stop_at_);
  }
  // Tasks posted while the loop ended run here; none come after.
  while (true) {
    {
      std::lock_guard guard(lock_);
      if (tasks_.empty()) {
        finished_ = true;
        break;
      }
    }
    run_tasks(loop.now());
  }
  signal_eventfd(ended_fd_);
}

}  // namespace finwait::tools
