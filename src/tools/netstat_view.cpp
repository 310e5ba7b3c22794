#include "tools/netstat_view.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace finwait::tools {
namespace {

// ss's print_ms_timer(), with "s" for seconds: 9min58s, 59s, 1.500ms (its
// way of writing 1.5 s), 200ms.
std::string ss_time(Duration d) {
  const std::int64_t total_ms = std::max<std::int64_t>(0, d.milliseconds());
  const std::int64_t minutes = total_ms / 60'000;
  std::int64_t secs = total_ms / 1000 % 60;
  std::int64_t msecs = total_ms % 1000;
  std::string out;
  if (minutes > 0) {
    msecs = 0;
    out += fmt::format("{}min", minutes);
    if (minutes > 9) secs = 0;
  }
  if (secs > 0) {
    if (secs > 9) msecs = 0;
    out += fmt::format("{}{}", secs, msecs > 0 ? "." : "s");
  }
  if (msecs > 0) out += secs > 0 ? fmt::format("{:03}ms", msecs) : fmt::format("{}ms", msecs);
  return out.empty() ? "0ms" : out;
}

std::string address_text(wire::Ipv4Address address, std::uint16_t port) {
  return port == 0 ? fmt::format("{}:*", address) : fmt::format("{}:{}", address, port);
}

}  // namespace

std::string timer_text(const stack::Stack::ConnectionInfo& info) {
  if (info.timer.empty() || info.timer == "off") return "";
  return fmt::format("timer:({},{},{})", info.timer, ss_time(info.timer_remaining), info.timer_count);
}

std::string netstat_table(const stack::Stack& stack, Instant now, const NetstatOptions& options) {
  std::string out = options.all ? "Active Internet connections (servers and established)\n"
                                : "Active Internet connections (w/o servers)\n";
  out += fmt::format("{:<5} {:>6} {:>6} {:<23} {:<23} {:<11}{}\n", "Proto", "Recv-Q", "Send-Q", "Local Address",
                     "Foreign Address", "State", options.timers ? " Timer" : "");
  if (options.all) {
    for (const auto& l : stack.listeners()) {
      out += fmt::format("{:<5} {:>6} {:>6} {:<23} {:<23} {}\n", "tcp", l.accept_queue, 0,
                         address_text(l.address, l.port), "0.0.0.0:*", "LISTEN");
    }
  }
  auto connections = stack.connections(now);
  std::sort(connections.begin(), connections.end(), [](const auto& a, const auto& b) {
    return std::tuple(a.flow.local_port, a.flow.remote.to_uint(), a.flow.remote_port) <
           std::tuple(b.flow.local_port, b.flow.remote.to_uint(), b.flow.remote_port);
  });
  for (const auto& c : connections) {
    std::string line = fmt::format("{:<5} {:>6} {:>6} {:<23} {:<23} {:<11}", "tcp", c.receive_queue, c.send_queue,
                                   address_text(c.flow.local, c.flow.local_port),
                                   address_text(c.flow.remote, c.flow.remote_port), tcp::netstat_name(c.state));
    if (options.timers) line += " " + timer_text(c);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string netstat_counters(const stack::Counters& counters) {
  std::string out;
  counters.for_each([&](const stack::Counters::Row& row) { out += fmt::format("{:<40} {}\n", stack::nstat_name(row.name), row.value); });
  return out;
}

nlohmann::json netstat_json(const stack::Stack& stack, Instant now, const NetstatOptions& options) {
  nlohmann::json connections = nlohmann::json::array();
  for (const auto& c : stack.connections(now)) {
    nlohmann::json row{{"conn", c.flow.to_string()},
                       {"local", address_text(c.flow.local, c.flow.local_port)},
                       {"foreign", address_text(c.flow.remote, c.flow.remote_port)},
                       {"state", tcp::to_string(c.state)},
                       {"recv_q", c.receive_queue},
                       {"send_q", c.send_queue},
                       {"orphan", c.orphan},
                       {"parked", c.parked}};
    if (c.timer != "off") {
      row["timer"] = {{"name", c.timer}, {"remaining_s", c.timer_remaining.seconds_double()}, {"count", c.timer_count}};
    }
    connections.push_back(std::move(row));
  }
  nlohmann::json listeners = nlohmann::json::array();
  if (options.all) {
    for (const auto& l : stack.listeners()) {
      listeners.push_back({{"local", address_text(l.address, l.port)},
                           {"accept_queue", l.accept_queue},
                           {"backlog", l.backlog}});
    }
  }
  nlohmann::json counters = nlohmann::json::object();
  stack.counters().for_each([&](const stack::Counters::Row& row) { counters[stack::nstat_name(row.name)] = row.value; });
  return {{"connections", connections}, {"listeners", listeners}, {"counters", counters}};
}

}  // namespace finwait::tools
