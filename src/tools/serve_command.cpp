// `finwait serve --tun NAME --addr A/N [--host-addr A/N] [--echo PORT]
// [--discard PORT] [--http PORT] [--profile P] [--set NAME=VALUE]...
// [--pcap FILE] [--threads N]`: a finwait stack on a TUN device in the
// current network namespace, with echo, discard and HTTP servers, until
// SIGINT or SIGTERM. With --threads N, N stacks, each on a thread and a queue
// of its own (tools/stack_thread.h, netdev/flow_steering.h); this thread
// answers the control socket and the signals.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <CLI/CLI.hpp>

#include "api/event_loop.h"
#include "base/decimal.h"
#include "base/quote.h"
#include "time/duration_text.h"
#include "tools/command.h"
#include "tools/control_socket.h"
#include "tools/netstat_view.h"
#include "tools/serve_apps.h"
#include "tools/stack_control.h"
#include "tools/stack_thread.h"
#include "tools/tun_stack.h"

namespace finwait::tools {
namespace {

struct ServeOptions {
  TunStackOptions tun;
  std::string echo;
  std::string discard;
  std::string http;
  bool keepalive = false;
  bool events = false;
  std::string name;  // the control socket's: default the TUN device's name
  std::string threads = "1";
};

// --events: every state change as it happens, in the simulator's timeline
// format, timed from the start (the promise: every step can be seen).
class EventPrinter : public stack::StackObserver {
 public:
  explicit EventPrinter(Instant start) : start_(start) {}
  void on_state_change(const stack::FlowKey& flow, tcp::State from, tcp::State to, tcp::Cause cause,
                       Instant now) override {
    fmt::print("{:>12}  {:<32} {} -> {}  ({})\n", format_duration(now - start_), flow.to_string(), tcp::to_string(from),
               tcp::to_string(to), tcp::to_string(cause));
    std::fflush(stdout);
  }

 private:
  Instant start_;
};

Result<std::optional<std::uint16_t>, std::string> parse_port(const std::string& option, const std::string& text) {
  if (text.empty()) return std::optional<std::uint16_t>{};
  auto port = decimal_in_range(option, text, 1, 65535);
  if (!port) return fail(port.error());
  return std::optional<std::uint16_t>{static_cast<std::uint16_t>(*port)};
}

// Every stack held still on its own thread (a task that waits) while `read`
// runs on this one; a stack whose thread has ended holds still anyway. The
// tasks have let go of the lock and the flag on this frame before it returns.
template <class F>
auto with_stacks_held(std::vector<std::unique_ptr<StackThread>>& threads, F&& read) {
  std::mutex lock;
  std::condition_variable changed;
  std::size_t posted = 0;
  std::size_t holding = 0;
  bool released = false;
  for (auto& thread : threads) {
    posted += thread->post([&](Instant) {
      std::unique_lock guard(lock);
      ++holding;
      changed.notify_all();
      changed.wait(guard, [&] { return released; });
      --holding;
      changed.notify_all();
    });
  }
  std::unique_lock guard(lock);
  changed.wait(guard, [&] { return holding == posted; });
  auto result = read();
  released = true;
  changed.notify_all();
  changed.wait(guard, [&] { return holding == 0; });
  return result;
}

int run_serve(const ServeOptions& o) {
  auto error = [](const std::string& message) {
    fmt::print(stderr, "finwait serve: {}\n", message);
    return 2;
  };
  ServiceConfig services_config;
  for (auto [option, text, slot] : {std::tuple{"--echo", &o.echo, &services_config.echo},
                                    std::tuple{"--discard", &o.discard, &services_config.discard},
                                    std::tuple{"--http", &o.http, &services_config.http}}) {
    auto port = parse_port(option, *text);
    if (!port) return error(port.error());
    *slot = *port;
  }
  if (!services_config.echo && !services_config.discard && !services_config.http)
    return error("nothing to serve: give --echo PORT, --discard PORT and/or --http PORT");
  auto thread_count = decimal_in_range("--threads", o.threads, 1, netdev::TunDevice::k_max_queues);
  if (!thread_count) return error(thread_count.error());
  auto socket_path = control_socket_path(o.name.empty() ? o.tun.tun : o.name);
  if (!socket_path) return error("--name " + socket_path.error());
  auto opened = open_tun_stacks(o.tun, static_cast<int>(*thread_count));
  if (!opened) return error(opened.error());
  TunStacks& group = *opened;

  // SIGINT and SIGTERM arrive through a signalfd on this thread; blocked
  // before any stack thread starts, so that none of them takes one.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  const int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  const int ended_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (signal_fd < 0 || ended_fd < 0 || epoll_fd < 0)
    return error(fmt::format("signalfd, eventfd, epoll: {}", std::strerror(errno)));

  EventPrinter printer(api::real_clock_now());
  std::vector<std::unique_ptr<StackThread>> threads;
  std::vector<stack::Stack*> stacks;
  for (TunStack& lane : group.queues) {
    if (o.events) lane.stack->add_observer(&printer);
    threads.push_back(std::make_unique<StackThread>(lane, services_config, o.keepalive, ended_fd));
    stacks.push_back(lane.stack.get());
    if (auto r = threads.back()->listen(); !r) return error(r.error());
  }
  auto control_server = ControlServer::open(*socket_path, [&](const nlohmann::json& request, uid_t peer) {
    return with_stacks_held(threads, [&] { return answer_control(stacks, api::real_clock_now(), request, peer); });
  });
  if (!control_server) return error(control_server.error());
  ControlServer& control = **control_server;
  for (const int fd : {signal_fd, ended_fd, control.poll_fd()}) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.fd = fd;
    (void)::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &e);
  }
  for (auto& thread : threads) {
    if (auto r = thread->start(); !r) {
      for (auto& started : threads) started->stop();
      return error(r.error());
    }
  }

  std::string serving;
  for (auto [name, port] : {std::pair{"http", services_config.http}, std::pair{"echo", services_config.echo},
                            std::pair{"discard", services_config.discard}}) {
    if (port) serving += fmt::format("{}{} {}", serving.empty() ? "" : ", ", name, *port);
  }
  const std::string threads_text =
      threads.size() == 1 ? "" : fmt::format("; {} threads, a stack per queue of a multi-queue TUN", threads.size());
  fmt::print("finwait serve: ready on {}; {}{}; control {}\n", group.queues.front().describe(), serving, threads_text,
             control.path());
  std::fflush(stdout);

  // Serve control requests until a signal, or until a stack's loop ends
  // (a device error); then every stack drains on its own thread.
  bool stopping = false;
  while (!stopping) {
    epoll_event events[4];
    const int n = ::epoll_wait(epoll_fd, events, 4, -1);
    for (int i = 0; i < n; ++i) {
      if (events[i].data.fd == control.poll_fd()) {
        control.serve();
      } else {
        stopping = true;
      }
    }
  }
  for (auto& thread : threads) thread->stop();
  for (auto& thread : threads) thread->join();
  ::close(signal_fd);
  ::close(ended_fd);
  ::close(epoll_fd);
  int status = 0;
  for (auto& thread : threads) {
    if (!thread->result()) {
      fmt::print(stderr, "finwait serve: {}\n", thread->result().error());
      status = 1;
    }
  }
  if (auto finished = group.finish(); !finished) {
    fmt::print(stderr, "finwait serve: {}\n", finished.error());
    status = 1;
  }
  if (status != 0) return status;
  std::size_t left = 0;
  for (const stack::Stack* s : stacks) left += s->connection_count();
  if (threads.size() > 1) {
    // Which stack took which share, and how many packets the kernel brought
    // to a queue whose stack did not own them (handed over to the owner).
    for (std::size_t i = 0; i < group.queues.size(); ++i) {
      const TunStack& lane = group.queues[i];
      fmt::print("finwait serve: thread {} of {}: {} connections accepted, {} packets handed to another thread, "
                 "{} taken from another{}\n",
                 i + 1, group.queues.size(), lane.stack->counters().passive_opens, lane.steered->handed_off(),
                 lane.steered->taken_over(),
                 lane.steered->hand_off_drops() == 0
                     ? ""
                     : fmt::format(", {} dropped (the owner's inbox was full)", lane.steered->hand_off_drops()));
    }
  }
  fmt::print("finwait serve: stopped; {} connection{} left in TIME-WAIT\n", left, left == 1 ? "" : "s");
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, CommandResult& result) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Run a finwait stack on a TUN device: echo, discard and HTTP servers");
  o->tun.add_to(*cmd);
  cmd->add_option("--echo", o->echo, "serve echo (RFC 862) on this port");
  cmd->add_option("--discard", o->discard, "serve discard (RFC 863) on this port");
  cmd->add_option("--http", o->http, "serve HTTP/1.1 GET /bytes/N on this port");
  cmd->add_flag("--keepalive", o->keepalive, "SO_KEEPALIVE on every accepted connection");
  cmd->add_flag("--events", o->events, "print every state change as it happens, with its cause");
  cmd->add_option("--threads", o->threads,
                  "N stacks, each on its own thread and its own queue of a multi-queue TUN (default 1)");
  cmd->add_option("--name", o->name,
                  "the stack's name for `finwait no --stack` and `finwait netstat --stack` (default: the TUN name)");
  cmd->callback([o, &result] { result.exit_status = run_serve(*o); });
}

}  // namespace finwait::tools
