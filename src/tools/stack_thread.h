// One stack of `finwait serve` on a thread of its own: its queue's event
// loop and its servers, and a mailbox through which another thread has it
// do something between two turns of its loop (stop; hold still while a
// control request reads every stack).
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "tools/serve_apps.h"
#include "tools/tun_stack.h"

namespace finwait::tools {

class StackThread {
 public:
  // How long after stop() the stack keeps running so that the closes it
  // started can reach the peers (FIN, its ACK); TIME_WAIT is not waited out.
  static constexpr Duration k_drain = seconds(5);

  // `ended_fd`, an eventfd, is written when the thread's loop has ended.
  StackThread(TunStack& lane, const ServiceConfig& services, bool keepalive, int ended_fd);
  ~StackThread();
  StackThread(const StackThread&) = delete;
  StackThread& operator=(const StackThread&) = delete;

  // On the caller's thread, before start(): opens the listeners.
  Result<bool, std::string> listen() { return services_.listen(); }
  Result<bool, std::string> start();
  // Any thread: `task` runs on this stack's thread soon, or at once there
  // if its loop has ended. False once the thread has finished every task.
  bool post(std::function<void(Instant now)> task);
  // Any thread: close every listener and connection, drain, end.
  void stop();
  void join();
  // After join(): how the loop ended.
  const Result<bool, std::string>& result() const { return result_; }
  stack::Stack& stack() { return *lane_.stack; }

 private:
  void run();
  void run_tasks(Instant now);

  TunStack& lane_;
  Services services_;
  int ended_fd_;
  int mailbox_fd_ = -1;  // an eventfd: tasks wait
  std::mutex lock_;
  std::vector<std::function<void(Instant)>> tasks_;
  bool finished_ = false;
  std::optional<Instant> stop_at_;  // the thread's own
  Result<bool, std::string> result_ = true;
  std::thread thread_;
};

}  // namespace finwait::tools
