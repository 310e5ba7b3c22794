// `finwait netstat [-a] [-n] [-o] [-s] [--json] [--stack NAME]`: a running
// stack's connections, timers and counters, asked through its control socket
// (tools/control_socket.h), laid out as tools/netstat_view.h does.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "tools/command.h"
#include "tools/control_socket.h"

namespace finwait::tools {
namespace {

struct NetstatCommandOptions {
  bool all = false;
  bool numeric = false;  // always numeric: finwait has no names to look up
  bool timers = false;
  bool counters = false;
  bool json = false;
  std::string stack;
};

int run_netstat(const NetstatCommandOptions& o) {
  auto reply = control_request(o.stack, {{"op", "netstat"}, {"all", o.all}, {"timers", o.timers}});
  if (!reply) {
    fmt::print(stderr, "finwait netstat: {}\n", reply.error());
    return 2;
  }
  if (!reply->value("ok", false)) {
    fmt::print(stderr, "finwait netstat: {}\n", reply->value("error", std::string("the stack refused")));
    return 1;
  }
  if (o.json) {
    fmt::print("{}\n", (*reply)["netstat"].dump());
  } else if (o.counters) {
    fmt::print("{}", (*reply)["counters_text"].get<std::string>());
  } else {
    fmt::print("{}", (*reply)["table"].get<std::string>());
  }
  return 0;
}

}  // namespace

void add_netstat_command(CLI::App& app, CommandResult& result) {
  auto o = std::make_shared<NetstatCommandOptions>();
  auto* cmd = app.add_subcommand("netstat", "A running stack's connections, timers and counters");
  cmd->add_flag("-a", o->all, "listeners too");
  cmd->add_flag("-n", o->numeric, "numeric addresses and ports (always so)");
  cmd->add_flag("-o", o->timers, "timers, as ss -o writes them: timer:(finwait2,9min58s,0)");
  cmd->add_flag("-s", o->counters, "the counters, under Linux's nstat names");
  cmd->add_flag("--json", o->json, "connections, listeners and counters as one JSON object");
  cmd->add_option("--stack", o->stack, "the running stack (its name: finwait serve --name, default its TUN name)")
      ->required();
  cmd->callback([o, &result] { result.exit_status = run_netstat(*o); });
}

}  // namespace finwait::tools
