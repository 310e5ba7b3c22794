// `finwait scan`: the stuck connections of the real Linux host, explained.
// It reads the kernel through NETLINK_SOCK_DIAG (host/sock_diag.h), finds
// who holds each socket (host/socket_owners.h), judges whether it ends by
// itself (host/verdict.h) and prints one table per group, the verdict first;
// `--kill` closes what was selected with SOCK_DESTROY after asking.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/decimal.h"
#include "base/quote.h"
#include "host/host_settings.h"
#include "host/kernel_socket.h"
#include "host/network_namespace.h"
#include "host/sock_diag.h"
#include "host/socket_owners.h"
#include "host/verdict.h"
#include "time/duration_text.h"
#include "tools/command.h"

namespace finwait::tools {
namespace {

using host::KernelSocket;
using host::KernelState;

constexpr std::array<KernelState, 6> k_closing_states{KernelState::fin_wait1, KernelState::fin_wait2,
                                                      KernelState::close_wait, KernelState::last_ack,
                                                      KernelState::closing, KernelState::time_wait};

struct ScanCommandOptions {
  std::string netns;
  std::vector<std::string> states;
  std::string port;
  std::string older_than;
  std::string watch;
  std::string samples;
  bool json = false;
  bool kill = false;
  bool yes = false;
};

// The options, checked: every bad one is named before anything is read.
struct ScanRequest {
  host::StateMask states = 0;
  std::optional<std::uint16_t> port;
  std::optional<Duration> older_than;
  std::optional<Duration> watch;
  std::optional<std::int64_t> samples;
};

struct Row {
  KernelSocket socket;
  host::Ownership ownership = host::Ownership::orphan;
  std::string owner;  // "nginx (pid 812)", "orphan", "not yet accepted by nginx (pid 812)"
  int pid = 0;
  std::string command;
  host::Verdict verdict;
  std::optional<double> seen_s;  // --watch: how long in this state so far
};

volatile std::sig_atomic_t g_interrupted = 0;
void on_interrupt(int) { g_interrupted = 1; }

Result<ScanRequest, std::string> check_options(const ScanCommandOptions& o) {
  ScanRequest r;
  for (const std::string& name : o.states) {
    auto state = host::parse_state_name(name);
    if (!state || std::find(k_closing_states.begin(), k_closing_states.end(), *state) == k_closing_states.end()) {
      return fail(fmt::format("--state '{}' is not one of FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, LAST_ACK, CLOSING, "
                              "TIME_WAIT",
                              quote_for_message(name)));
    }
    r.states |= host::state_bit(*state);
  }
  if (r.states == 0) {
    for (KernelState s : k_closing_states) r.states |= host::state_bit(s);
  }
  if (!o.port.empty()) {
    auto port = parse_decimal_integer(o.port);
    if (!port || *port < 1 || *port > 65535)
      return fail(fmt::format("--port '{}' is not a port (1 to 65535)", quote_for_message(o.port)));
    r.port = static_cast<std::uint16_t>(*port);
  }
  if (!o.older_than.empty()) {
    auto d = parse_duration(o.older_than);
    if (!d) return fail(fmt::format("--older-than '{}' is not a duration (30s, 10m, 2h)", quote_for_message(o.older_than)));
    r.older_than = *d;
  }
  if (!o.watch.empty()) {
    auto d = parse_duration(o.watch);
    if (!d || d->nanoseconds() < 100'000'000 || *d > hours(24)) {
      return fail(fmt::format("--watch '{}' is not an interval from 100ms to 24h (1s, 500ms)",
                              quote_for_message(o.watch)));
    }
    r.watch = *d;
  }
  if (!o.samples.empty()) {
    auto n = parse_decimal_integer(o.samples);
    if (!n || *n < 1 || *n > 1'000'000)
      return fail(fmt::format("--samples '{}' is not a count from 1 to 1000000", quote_for_message(o.samples)));
    if (!r.watch) return fail(std::string("--samples counts --watch's samples: give --watch INTERVAL too"));
    r.samples = *n;
  }
  if (o.kill && r.watch) return fail(std::string("--kill acts on one look: it does not go with --watch"));
  if (o.yes && !o.kill) return fail(std::string("--yes answers --kill's question: give --kill too"));
  return r;
}

std::string owner_text(const host::SocketOwner& owner) { return fmt::format("{} (pid {})", owner.command, owner.pid); }

// One look at the kernel: the selected sockets, each judged.
Result<std::vector<Row>, std::string> look(const ScanRequest& request) {
  auto sockets = host::dump_tcp_sockets(request.states | host::state_bit(KernelState::listen));
  if (!sockets) return fail(sockets.error());
  const auto owners = host::socket_owners();
  const host::HostSettings settings = host::read_host_settings();
  // Listeners by local port: a queued connection's owner is its listener's.
  std::map<std::uint16_t, const KernelSocket*> listeners;
  for (const KernelSocket& s : *sockets) {
    if (s.state == KernelState::listen) listeners.emplace(s.local_port, &s);
  }
  std::vector<Row> rows;
  for (const KernelSocket& s : *sockets) {
    if (s.state == KernelState::listen) continue;
    if (request.port && s.local_port != *request.port && s.remote_port != *request.port) continue;
    Row row;
    row.socket = s;
    std::string holder;  // the process named in the verdict
    if (s.inode != 0) {
      row.ownership = host::Ownership::process;
      if (auto it = owners.find(s.inode); it != owners.end()) {
        row.owner = owner_text(it->second);
        row.pid = it->second.pid;
        row.command = it->second.command;
      } else {
        row.owner = fmt::format("a process of uid {} (not visible to this user)", s.uid);
      }
      holder = row.owner;
    } else if (s.state == KernelState::close_wait && listeners.contains(s.local_port)) {
      row.ownership = host::Ownership::not_yet_accepted;
      const KernelSocket* listener = listeners.at(s.local_port);
      std::string listener_owner = "the listener";
      if (auto it = owners.find(listener->inode); it != owners.end()) {
        listener_owner = owner_text(it->second);
        row.pid = it->second.pid;
        row.command = it->second.command;
      }
      row.owner = "not yet accepted by " + listener_owner;
      holder = listener_owner;
    } else {
      row.ownership = host::Ownership::orphan;
      row.owner = "orphan";
    }
    row.verdict = host::judge(s, row.ownership, settings, holder);
    rows.push_back(std::move(row));
  }
  return rows;
}

// How long it has been so, without --watch: since anything came from the
// peer (tcp_info), or for TIME_WAIT since it began.
std::optional<double> age_s(const Row& row) {
  if (row.seen_s) return row.seen_s;
  if (row.socket.last_received_ms) return *row.socket.last_received_ms / 1000.0;
  if (row.socket.state == KernelState::time_wait && row.socket.timer == host::KernelTimer::time_wait)
    return 60.0 - row.socket.timer_left_ms / 1000.0;
  return std::nullopt;
}

std::string timer_text(const KernelSocket& s) {
  if (s.timer == host::KernelTimer::none) return "-";
  return fmt::format("{},{:.1f}s,{}", host::timer_name(s.timer), s.timer_left_ms / 1000.0, s.retransmits);
}

std::string settings_text(const host::HostSettings& h) {
  auto n = [](const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : std::string("?"); };
  return fmt::format(
      "host: tcp_fin_timeout {} s (AIX tcp_finwait2 = {} half-seconds); keepalive {} s idle, {} probes "
      "{} s apart; tcp_max_orphans {}; now {} orphans, {} in TIME_WAIT (sockstat)\n",
      n(h.fin_timeout_s), h.fin_timeout_s ? std::to_string(*h.fin_timeout_s * 2) : std::string("?"),
      n(h.keepalive_time_s), n(h.keepalive_probes), n(h.keepalive_intvl_s), n(h.max_orphans), n(h.orphans),
      n(h.time_waits));
}

nlohmann::json row_json(const Row& row, std::optional<double> t_s) {
  nlohmann::json j;
  if (t_s) j["t_s"] = *t_s;
  j["conn"] = host::conn_name(row.socket);
  j["state"] = std::string(host::state_name(row.socket.state));
  j["owner"] = row.ownership == host::Ownership::process          ? "process"
               : row.ownership == host::Ownership::not_yet_accepted ? "not_yet_accepted"
                                                                   : "orphan";
  if (row.pid != 0) {
    j["pid"] = row.pid;
    j["command"] = row.command;
  }
  j["timer"] = std::string(host::timer_name(row.socket.timer));
  if (row.socket.timer != host::KernelTimer::none) j["timer_left_s"] = row.socket.timer_left_ms / 1000.0;
  j["retrans"] = row.socket.retransmits;
  j["recv_q"] = row.socket.receive_queue;
  j["send_q"] = row.socket.send_queue;
  if (row.seen_s) j["seen_s"] = *row.seen_s;
  j["verdict"] = row.verdict.bounded ? "bounded" : "unbounded";
  if (!row.verdict.bound_by.empty()) j["bound_by"] = row.verdict.bound_by;
  if (row.verdict.ends_in_s) j["ends_in_s"] = *row.verdict.ends_in_s;
  j["why"] = row.verdict.why;
  j["remedy"] = row.verdict.remedy;
  return j;
}

// One table per group (local endpoint, state, who holds it, verdict), the
// unbounded first; in each, the verdict, why, the remedy, then the rows.
void print_groups(const std::vector<Row>& rows) {
  std::map<std::tuple<bool, std::string, std::string, int>, std::vector<const Row*>> groups;
  for (const Row& row : rows) {
    groups[{row.verdict.bounded, host::local_endpoint(row.socket), std::string(host::state_name(row.socket.state)),
            static_cast<int>(row.ownership)}]
        .push_back(&row);
  }
  if (groups.empty()) {
    fmt::print("no connection in the states asked for\n");
    return;
  }
  for (const auto& [key, members] : groups) {
    const Row& first = *members.front();
    const auto& [bounded, local, state, ownership] = key;
    fmt::print("\n{}  {}  {} x{}", bounded ? "bounded" : "UNBOUNDED", local, state, members.size());
    if (bounded && !first.verdict.bound_by.empty()) fmt::print("  by {}", first.verdict.bound_by);
    fmt::print("\n  why: {}\n  remedy: {}\n", first.verdict.why, first.verdict.remedy);
    fmt::print("  {:<26} {:<36} {:<22} {:>7} {:>7} {:>8}\n", "remote", "owner", "timer", "recv-q", "send-q", "age");
    for (const Row* row : members) {
      const auto age = age_s(*row);
      fmt::print("  {:<26} {:<36} {:<22} {:>7} {:>7} {:>8}\n", host::remote_endpoint(row->socket), row->owner,
                 timer_text(row->socket), row->socket.receive_queue, row->socket.send_queue,
                 age ? fmt::format("{:.0f}s", *age) : std::string("-"));
    }
  }
}

std::vector<Row> older_than(std::vector<Row> rows, const std::optional<Duration>& limit) {
  if (!limit) return rows;
  const double want = static_cast<double>(limit->nanoseconds()) / 1e9;
  std::erase_if(rows, [&](const Row& row) {
    const auto age = age_s(row);
    return !age || *age < want;
  });
  return rows;
}

// What the peer will see when the kernel aborts it (Linux's tcp_abort):
// a RST from a full socket in a state that needs one, else nothing.
bool peer_gets_reset(const KernelSocket& s) {
  if (s.timer == host::KernelTimer::time_wait) return false;  // a TIME_WAIT minisocket
  switch (s.state) {
    case KernelState::fin_wait1:
    case KernelState::fin_wait2:
    case KernelState::close_wait: return true;
    default: return false;
  }
}

int kill_rows(const std::vector<Row>& rows, bool yes, bool json) {
  if (rows.empty()) {
    fmt::print("--kill: nothing selected, nothing killed\n");
    return 0;
  }
  if (!yes) {
    fmt::print("\nkill these {} connections? [y/N] ", rows.size());
    std::fflush(stdout);
    std::string answer;
    if (!std::getline(std::cin, answer) || (answer != "y" && answer != "yes" && answer != "Y")) {
      fmt::print("\nnot confirmed: nothing killed (--yes skips the question)\n");
      return 1;
    }
  }
  int failed = 0;
  for (const Row& row : rows) {
    const int error = host::destroy_tcp_socket(row.socket);
    std::string outcome;
    if (error == 0) {
      outcome = peer_gets_reset(row.socket) ? "killed; the peer gets a RST" : "killed; the peer sees nothing";
    } else if (error == EOPNOTSUPP) {
      outcome = "not killed: this kernel cannot (no CONFIG_INET_DIAG_DESTROY: EOPNOTSUPP)";
    } else if (error == EPERM || error == EACCES) {
      outcome = "not killed: SOCK_DESTROY needs CAP_NET_ADMIN (run as root)";
    } else if (error == ENOENT) {
      outcome = "not killed: it was gone already";
    } else {
      outcome = fmt::format("not killed: {}", std::strerror(error));
    }
    if (error != 0 && error != ENOENT) ++failed;
    if (json) {
      fmt::print("{}\n", nlohmann::json{{"conn", host::conn_name(row.socket)},
                                        {"state", std::string(host::state_name(row.socket.state))},
                                        {"killed", error == 0},
                                        {"outcome", outcome}}
                             .dump());
    } else {
      fmt::print("{} {}: {}\n", host::conn_name(row.socket), host::state_name(row.socket.state), outcome);
    }
  }
  return failed == 0 ? 0 : 1;
}

int run_scan(const ScanCommandOptions& o) {
  auto request = check_options(o);
  if (!request) {
    fmt::print(stderr, "finwait scan: {}\n", request.error());
    return 2;
  }
  if (!o.netns.empty()) {
    auto entered = host::enter_network_namespace(o.netns);
    if (!entered) {
      fmt::print(stderr, "finwait scan: {}\n", entered.error());
      return 2;
    }
  }
  if (!request->watch) {
    auto rows = look(*request);
    if (!rows) {
      fmt::print(stderr, "finwait scan: {}\n", rows.error());
      return 1;
    }
    const std::vector<Row> selected = older_than(std::move(*rows), request->older_than);
    if (o.json) {
      fmt::print("{}\n", nlohmann::json{{"settings_text", settings_text(host::read_host_settings())}}.dump());
      for (const Row& row : selected) fmt::print("{}\n", row_json(row, std::nullopt).dump());
    } else {
      fmt::print("{}", settings_text(host::read_host_settings()));
      print_groups(selected);
    }
    return o.kill ? kill_rows(selected, o.yes, o.json) : 0;
  }
  // --watch: sample until interrupted (or --samples), and say how long each
  // has been seen in its state and when it went.
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  const auto start = std::chrono::steady_clock::now();
  std::map<std::string, double> first_seen;  // conn + state
  for (std::int64_t sample = 0; !request->samples || sample < *request->samples; ++sample) {
    if (sample > 0) {
      const auto until = start + std::chrono::nanoseconds(request->watch->nanoseconds() * sample);
      while (!g_interrupted && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    if (g_interrupted) break;
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto rows = look(*request);
    if (!rows) {
      fmt::print(stderr, "finwait scan: {}\n", rows.error());
      return 1;
    }
    std::map<std::string, double> now_seen;
    for (Row& row : *rows) {
      const std::string key = host::conn_name(row.socket) + " " + std::string(host::state_name(row.socket.state));
      const double since = first_seen.contains(key) ? first_seen.at(key) : t;
      now_seen[key] = since;
      row.seen_s = t - since;
    }
    const std::vector<Row> selected = older_than(std::move(*rows), request->older_than);
    if (o.json) {
      for (const Row& row : selected) fmt::print("{}\n", row_json(row, t).dump());
    } else {
      fmt::print("\n--- {:.1f} s ---\n", t);
      print_groups(selected);
    }
    for (const auto& [key, since] : first_seen) {
      if (now_seen.contains(key)) continue;
      const std::string conn = key.substr(0, key.find(' '));
      const std::string state = key.substr(key.find(' ') + 1);
      if (o.json) {
        fmt::print("{}\n", nlohmann::json{{"t_s", t}, {"conn", conn}, {"from", state}, {"gone", true}, {"seen_s", t - since}}.dump());
      } else {
        fmt::print("gone: {} (in {} for at least {:.0f} s)\n", conn, state, t - since);
      }
    }
    first_seen = std::move(now_seen);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

void add_scan_command(CLI::App& app, CommandResult& result) {
  auto o = std::make_shared<ScanCommandOptions>();
  auto* cmd = app.add_subcommand("scan", "The real Linux host's stuck TCP connections, explained (sock_diag)");
  cmd->add_option("--netns", o->netns, "the network namespace to look into: a name (ip netns) or a process id");
  cmd->add_option("--state", o->states, "only this state (FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, LAST_ACK, CLOSING, "
                                        "TIME_WAIT); again for more");
  cmd->add_option("--port", o->port, "only connections with this local or remote port");
  cmd->add_option("--older-than", o->older_than,
                  "only those so for at least this long (30s, 10m): seen so under --watch, else silent so long");
  cmd->add_option("--watch", o->watch, "look again every INTERVAL (1s) until interrupted");
  cmd->add_option("--samples", o->samples, "with --watch: stop after N looks");
  cmd->add_flag("--json", o->json, "one JSON object per line, with DESIGN.md's field names");
  cmd->add_flag("--kill", o->kill, "close the selected connections (SOCK_DESTROY), after listing them and asking");
  cmd->add_flag("--yes", o->yes, "with --kill: do not ask");
  cmd->callback([o, &result] { result.exit_status = run_scan(*o); });
}

}  // namespace finwait::tools
