// `finwait serve --tun NAME --addr A/N [--host-addr A/N] [--echo PORT]
// [--discard PORT] [--http PORT] [--profile P] [--set NAME=VALUE]...
// [--pcap FILE]`: a finwait stack on a TUN device in the current network
// namespace, with echo, discard and HTTP servers, until SIGINT or SIGTERM.
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
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

// How long after SIGINT/SIGTERM the stack keeps running so that the closes
// it started can reach the peers (FIN, its ACK); TIME_WAIT is not waited out.
constexpr Duration k_drain = seconds(5);

Result<std::optional<std::uint16_t>, std::string> parse_port(const std::string& option, const std::string& text) {
  if (text.empty()) return std::optional<std::uint16_t>{};
  auto port = decimal_in_range(option, text, 1, 65535);
  if (!port) return fail(port.error());
  return std::optional<std::uint16_t>{static_cast<std::uint16_t>(*port)};
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
  auto socket_path = control_socket_path(o.name.empty() ? o.tun.tun : o.name);
  if (!socket_path) return error("--name " + socket_path.error());
  auto opened = open_tun_stack(o.tun);
  if (!opened) return error(opened.error());
  TunStack& t = *opened;
  auto control_server = ControlServer::open(*socket_path, [&t](const nlohmann::json& request, uid_t peer) {
    return answer_control(t.stack.get(), t.loop->now(), request, peer);
  });
  if (!control_server) return error(control_server.error());
  ControlServer& control = **control_server;
  if (auto watched = t.loop->watch(control.poll_fd(), [&control](Instant) { control.serve(); }); !watched)
    return error(watched.error());
  EventPrinter printer(t.loop->now());
  if (o.events) t.stack->add_observer(&printer);
  Services services(*t.stack, services_config, o.keepalive);
  if (auto r = services.listen(); !r) return error(r.error());

  // SIGINT and SIGTERM arrive through a signalfd, in the loop like any event.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  const int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0) return error("signalfd failed");

  api::EventLoop& loop = *t.loop;
  std::optional<Instant> stop_at;
  loop.on_ready([&](std::span<const int> ready, Instant now) { services.on_ready(ready, now); });
  (void)loop.watch(signal_fd, [&](Instant now) {
    signalfd_siginfo info{};
    while (::read(signal_fd, &info, sizeof info) == sizeof info) {
    }
    if (!stop_at) {
      services.close_all(now);
      stop_at = now + k_drain;
    }
  });

  std::string serving;
  for (auto [name, port] : {std::pair{"http", services_config.http}, std::pair{"echo", services_config.echo},
                            std::pair{"discard", services_config.discard}}) {
    if (port) serving += fmt::format("{}{} {}", serving.empty() ? "" : ", ", name, *port);
  }
  fmt::print("finwait serve: ready on {}; {}; control {}\n", t.describe(), serving, control.path());
  std::fflush(stdout);

  // Serve until a signal; then drain until every connection is gone or only
  // waits out TIME-WAIT, or k_drain has passed.
  auto ran = loop.run([&] { return stop_at.has_value(); });
  if (ran) {
    ran = loop.run(
        [&] {
          bool busy = false;
          for (const auto& c : t.stack->connections(loop.now())) busy = busy || c.state != tcp::State::time_wait;
          return !busy || loop.now() >= *stop_at;
        },
        *stop_at);
  }
  ::close(signal_fd);
  if (!ran) {
    fmt::print(stderr, "finwait serve: {}\n", ran.error());
    return 1;
  }
  if (auto finished = t.finish(); !finished) {
    fmt::print(stderr, "finwait serve: {}\n", finished.error());
    return 1;
  }
  const std::size_t left = t.stack->connection_count();
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
  cmd->add_option("--name", o->name,
                  "the stack's name for `finwait no --stack` and `finwait netstat --stack` (default: the TUN name)");
  cmd->callback([o, &result] { result.exit_status = run_serve(*o); });
}

}  // namespace finwait::tools
