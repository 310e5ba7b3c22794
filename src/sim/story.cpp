#include "sim/story.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "sim/apps.h"
#include "sim/world.h"

namespace finwait::sim {

namespace {

std::string make_label(const StoryConfig& c) {
  std::string label(to_string(c.profile));
  if (c.keepalive) label += ", keepalive";
  for (const auto& [name, value] : c.set) label += fmt::format(", {}={}", name, value);
  return label;
}

std::string make_verdict(const StoryResult& r, const StoryConfig& c) {
  const std::size_t total = r.server.size();
  std::size_t closed = 0;
  std::map<std::string, std::size_t> causes;
  std::map<std::string, std::size_t> still;
  Instant first = Instant::never();
  Instant last;
  for (const auto& s : r.server) {
    if (s.state == tcp::State::closed) {
      ++closed;
      first = std::min(first, s.closed_at);
      last = std::max(last, s.closed_at);
      ++causes[std::string(s.cause ? tcp::to_string(*s.cause) : "unknown")];
    } else {
      ++still[std::string(tcp::netstat_name(s.state))];
    }
  }
  std::string cause_text;
  for (const auto& [name, n] : causes) {
    cause_text +=
        fmt::format("{}{}{}", cause_text.empty() ? "" : ", ", name, total > 1 ? fmt::format(" x{}", n) : "");
  }
  if (closed == total && total > 0) {
    const std::string when =
        first == last ? format_time(first) : fmt::format("{}..{}", format_time(first), format_time(last));
    if (total == 1)
      return fmt::format("verdict: {}: the server connection reached CLOSED at {} ({})", r.label, when,
                         cause_text);
    return fmt::format("verdict: {}: all {} server connections reached CLOSED at {} ({})", r.label, total,
                       when, cause_text);
  }
  std::string states;
  for (const auto& [name, n] : still)
    states += fmt::format("{}{} in {}", states.empty() ? "" : ", ", n, name);
  const std::string why = c.profile == Profile::rfc793 ? " (RFC 793 gives FIN-WAIT-2 no timeout)" : "";
  // The run ended first, but a timer runs on every connection left: the
  // verdict names it and when it is due, rather than "nothing bounds it".
  Instant bound;
  std::map<std::string, int> timers;
  for (const ServerConnectionOutcome& s : r.server) {
    if (s.state == tcp::State::closed) continue;
    if (s.timer.empty()) {
      timers.clear();
      break;
    }
    ++timers[s.timer];
    bound = std::max(bound, s.timer_deadline);
  }
  if (!timers.empty()) {
    std::string names;
    for (const auto& [name, n] : timers) names += fmt::format("{}{}", names.empty() ? "" : ", ", name);
    if (total == 1) {
      return fmt::format("verdict: {}: the server connection is still in {} at {}, its {} timer due at {}",
                         r.label, still.begin()->first, format_time(r.end), names, format_time(bound));
    }
    return fmt::format("verdict: {}: {} of {} server connections still open at {} ({}), each with a timer "
                       "running ({}), the last due at {}",
                       r.label, total - closed, total, format_time(r.end), states, names, format_time(bound));
  }
  if (total == 1) {
    return fmt::format("verdict: {}: the server connection is still in {} at {}: nothing bounds it{}",
                       r.label, still.begin()->first, format_time(r.end), why);
  }
  return fmt::format("verdict: {}: {} of {} server connections still open at {} ({}): nothing bounds them{}",
                     r.label, total - closed, total, format_time(r.end), states, why);
}

}  // namespace

Result<bool, std::string> check_story(const StoryConfig& config) {
  if (config.connections < 1 || config.connections > 28000) {
    return fail(fmt::format("--connections: {} is out of range 1..28000 (one client host's ephemeral ports)",
                            config.connections));
  }
  Tunables check(config.profile);
  for (const auto& [name, value] : config.set) {
    if (auto set = check.set(name, value); !set) return fail(fmt::format("--set: {}", set.error()));
  }
  if (auto bad = check.inconsistency()) return fail(fmt::format("--set: {}", *bad));
  return true;
}

Result<StoryResult, std::string> run_story(const StoryConfig& config, wire::PcapWriter* tap) {
  return run_story(config, [tap](World& world) {
    if (tap != nullptr) world.add_pcap_tap(tap);
  });
}

Result<StoryResult, std::string> run_story(const StoryConfig& config, const std::function<void(World&)>& prepare,
                                           const std::function<void(World&)>& finished) {
  if (auto ok = check_story(config); !ok) return fail(ok.error());
  World world(config.seed);
  if (prepare) prepare(world);
  HostConfig server{"server", k_story_server, config.profile, config.set};
  // The client is an ordinary Linux host; its crash is the point of the story.
  HostConfig client{"client", k_story_client, Profile::linux, {}};
  if (auto r = world.add_host(server); !r) return fail(r.error());
  if (auto r = world.add_host(client); !r) return fail(r.error());
  LinkConfig link;
  link.a = "client";
  link.b = "server";
  link.delay = milliseconds(10);
  (void)world.add_link(link);

  ServerConfig sc;
  sc.port = 80;
  sc.response_bytes = 100;
  sc.options.keepalive = config.keepalive;
  world.add_app(std::make_unique<ServerApp>("server", sc));
  ClientConfig cc;
  cc.server = k_story_server;
  cc.port = 80;
  cc.connections = config.connections;
  cc.request_bytes = 10;
  cc.after = AfterResponse::crash;
  world.add_app(std::make_unique<ClientApp>("client", cc));

  const Instant end = Instant{} + config.until;
  world.run_until(end);
  if (finished) finished(world);

  StoryResult result;
  result.records = world.recorder().records();
  result.end = end;
  result.label = make_label(config);
  // The server's side of each connection: its last transition says where it is.
  std::map<std::pair<std::uint32_t, std::uint16_t>, ServerConnectionOutcome> by_flow;
  for (const Record& r : result.records) {
    if (r.kind != Record::Kind::transition || r.host != "server" || r.flow.local_port != 80) continue;
    auto& o = by_flow[{r.flow.remote.to_uint(), r.flow.remote_port}];
    o.flow = r.flow;
    o.state = r.to;
    if (r.to == tcp::State::closed) {
      o.closed_at = r.at;
      o.cause = r.cause;
    }
  }
  // What still runs on the connections left open (the stack's own view).
  if (const stack::Stack* server_stack = world.stack("server")) {
    for (const stack::Stack::ConnectionInfo& info : server_stack->connections(end)) {
      auto it = by_flow.find({info.flow.remote.to_uint(), info.flow.remote_port});
      if (it == by_flow.end() || info.timer == "off") continue;
      it->second.timer = info.timer;
      it->second.timer_deadline = end + info.timer_remaining;
    }
  }
  for (auto& [key, outcome] : by_flow) result.server.push_back(outcome);
  result.verdict = make_verdict(result, config);
  return result;
}

}  // namespace finwait::sim
