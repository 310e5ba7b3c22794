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

std::vector<stack::Stack::ConnectionInfo> all_connections(StackGroup stacks, Instant now) {
  std::vector<stack::Stack::ConnectionInfo> all;
  for (const stack::Stack* s : stacks) {
    auto some = s->connections(now);
    all.insert(all.end(), std::make_move_iterator(some.begin()), std::make_move_iterator(some.end()));
  }
  return all;
}

// A port every stack listens on is one listener to whoever looks: its
// queues and backlogs add up.
std::vector<stack::Stack::ListenerInfo> all_listeners(StackGroup stacks) {
  std::vector<stack::Stack::ListenerInfo> all;
  for (const stack::Stack* s : stacks) {
    for (const auto& l : s->listeners()) {
      auto same = std::find_if(all.begin(), all.end(),
                               [&](const auto& seen) { return seen.address == l.address && seen.port == l.port; });
      if (same == all.end()) {
        all.push_back(l);
      } else {
        same->accept_queue += l.accept_queue;
        same->backlog += l.backlog;
      }
    }
  }
  return all;
}

std::string counter_line(std::string_view name, std::uint64_t value) {
  return fmt::format("{:<40} {}\n", stack::nstat_name(name), value);
}

// Every counter's name and its sum over the stacks, in Counters::for_each's order.
std::vector<stack::Counters::Row> summed_counters(StackGroup stacks) {
  std::vector<stack::Counters::Row> rows;
  for (const stack::Stack* s : stacks) {
    std::size_t i = 0;
    s->counters().for_each([&](const stack::Counters::Row& row) {
      if (i == rows.size()) rows.push_back({row.name, 0});
      rows[i++].value += row.value;
    });
  }
  return rows;
}

}  // namespace

std::string timer_text(const stack::Stack::ConnectionInfo& info) {
  if (info.timer.empty() || info.timer == "off") return "";
  return fmt::format("timer:({},{},{})", info.timer, ss_time(info.timer_remaining), info.timer_count);
}

std::string netstat_table(StackGroup stacks, Instant now, const NetstatOptions& options) {
  std::string out = options.all ? "Active Internet connections (servers and established)\n"
                                : "Active Internet connections (w/o servers)\n";
  out += fmt::format("{:<5} {:>6} {:>6} {:<23} {:<23} {:<11}{}\n", "Proto", "Recv-Q", "Send-Q", "Local Address",
                     "Foreign Address", "State", options.timers ? " Timer" : "");
  if (options.all) {
    for (const auto& l : all_listeners(stacks)) {
      out += fmt::format("{:<5} {:>6} {:>6} {:<23} {:<23} {}\n", "tcp", l.accept_queue, 0,
                         address_text(l.address, l.port), "0.0.0.0:*", "LISTEN");
    }
  }
  auto connections = all_connections(stacks, now);
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
  counters.for_each([&](const stack::Counters::Row& row) { out += counter_line(row.name, row.value); });
  return out;
}

std::string netstat_counters(StackGroup stacks) {
  std::string out;
  for (const auto& row : summed_counters(stacks)) out += counter_line(row.name, row.value);
  return out;
}

nlohmann::json netstat_json(StackGroup stacks, Instant now, const NetstatOptions& options) {
  nlohmann::json connections = nlohmann::json::array();
  for (const auto& c : all_connections(stacks, now)) {
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
    for (const auto& l : all_listeners(stacks)) {
      listeners.push_back({{"local", address_text(l.address, l.port)},
                           {"accept_queue", l.accept_queue},
                           {"backlog", l.backlog}});
    }
  }
  nlohmann::json counters = nlohmann::json::object();
  for (const auto& row : summed_counters(stacks)) counters[stack::nstat_name(row.name)] = row.value;
  return {{"connections", connections}, {"listeners", listeners}, {"counters", counters}};
}

}  // namespace finwait::tools
