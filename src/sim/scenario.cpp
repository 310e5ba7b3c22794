#include "sim/scenario.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include "sim/apps.h"
#include "base/quote.h"
#include "base/text_file.h"
#include "time/duration_text.h"

namespace finwait::sim {
namespace {

// The longest virtual time a scenario may ask for: ten years, far inside
// what Instant holds, so no deadline arithmetic can overflow.
constexpr Duration k_max_until = hours(24 * 3650);

// Reading with a schema: every table names the keys it allows, every value
// its type and range; a message says where (FILE:LINE:COLUMN), which key
// (its whole path, such as link[0].partitions[1].until) and what is allowed.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  std::string where(const toml::node& node, const std::string& key_path) const {
    const auto& source = node.source();
    if (source.begin) {
      return fmt::format("{}:{}:{}: {}", path_, source.begin.line, source.begin.column, key_path);
    }
    return fmt::format("{}: {}", path_, key_path);
  }
  const std::string& path() const { return path_; }

  // Unknown keys are refused, naming the ones allowed.
  Result<bool, std::string> keys(const toml::table& table, const std::string& table_path,
                                 std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, node] : table) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
      std::string list;
      for (std::string_view a : allowed) list += fmt::format("{}{}", list.empty() ? "" : ", ", a);
      return fail(fmt::format("{}: unknown key (allowed{}: {})",
                              where(node, join(table_path, quote_for_message(key.str()))),
                              table_path.empty() ? "" : " in " + table_path, list));
    }
    return true;
  }

  Result<Duration, std::string> duration(const toml::table& table, const std::string& table_path,
                                         const std::string& key, std::optional<Duration> fallback,
                                         Duration maximum = k_max_until) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      if (fallback) return *fallback;
      return fail(fmt::format("{}: {} is required", where(table, table_path), key));
    }
    if (auto text = node->value_exact<std::string>()) {
      if (auto d = parse_duration(*text); d && *d <= maximum) return *d;
    }
    return fail(fmt::format("{}: expected a duration up to {} such as \"10ms\", \"600s\", \"2h\"",
                            where(*node, join(table_path, key)), format_duration(maximum)));
  }

  Result<wire::Ipv4Address, std::string> address(const toml::table& table, const std::string& table_path,
                                                 const std::string& key) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return fail(fmt::format("{}: {} is required", where(table, table_path), key));
    if (auto text = node->value_exact<std::string>()) {
      if (auto a = wire::Ipv4Address::parse(*text)) return *a;
    }
    return fail(fmt::format("{}: expected an IPv4 address such as \"198.18.0.1\"",
                            where(*node, join(table_path, key))));
  }

  Result<std::string, std::string> text(const toml::table& table, const std::string& table_path,
                                        const std::string& key,
                                        std::optional<std::string> fallback = std::nullopt) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      if (fallback) return *fallback;
      return fail(fmt::format("{}: {} is required", where(table, table_path), key));
    }
    if (auto t = node->value_exact<std::string>()) return *t;
    return fail(fmt::format("{}: expected a string", where(*node, join(table_path, key))));
  }

  // A whole number, nothing else: no fraction, no boolean, no string.
  Result<std::int64_t, std::string> integer(const toml::table& table, const std::string& table_path,
                                            const std::string& key, std::int64_t fallback, std::int64_t low,
                                            std::int64_t high) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return fallback;
    if (auto v = node->value_exact<std::int64_t>(); v && *v >= low && *v <= high) return *v;
    return fail(fmt::format("{}: expected a whole number within {}..{}", where(*node, join(table_path, key)),
                            low, high));
  }

  // A probability: a number within 0..1 (not NaN, not infinite).
  Result<double, std::string> probability(const toml::table& table, const std::string& table_path,
                                          const std::string& key) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return 0.0;
    std::optional<double> v = node->value_exact<double>();
    if (!v) {
      if (auto i = node->value_exact<std::int64_t>()) v = static_cast<double>(*i);
    }
    if (v && *v >= 0.0 && *v <= 1.0) return *v;
    return fail(fmt::format("{}: expected a probability within 0..1", where(*node, join(table_path, key))));
  }

  Result<bool, std::string> flag(const toml::table& table, const std::string& table_path,
                                 const std::string& key, bool fallback) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return fallback;
    if (auto b = node->value_exact<bool>()) return *b;
    return fail(fmt::format("{}: expected true or false", where(*node, join(table_path, key))));
  }

  static std::string join(const std::string& table_path, std::string_view key) {
    return table_path.empty() ? std::string(key) : fmt::format("{}.{}", table_path, key);
  }

 private:
  std::string path_;
};

#define FINWAIT_TRY(var, expr)                          \
  auto var##_result = (expr);                           \
  if (!var##_result) return fail(var##_result.error()); \
  auto var = *var##_result

Result<tcp::SocketOptions, std::string> socket_options(const Reader& r, const toml::table& t,
                                                       const std::string& at) {
  tcp::SocketOptions o;
  FINWAIT_TRY(keepalive, r.flag(t, at, "keepalive", false));
  o.keepalive = keepalive;
  if (t.contains("linger")) {
    FINWAIT_TRY(linger, r.integer(t, at, "linger", 0, 0, 3600));
    o.linger_on = true;
    o.linger_seconds = static_cast<int>(linger);
  }
  if (t.contains("linger2")) {
    FINWAIT_TRY(linger2, r.duration(t, at, "linger2", Duration{}, seconds(120)));
    o.linger2 = linger2;
  }
  if (t.contains("user_timeout")) {
    FINWAIT_TRY(user_timeout, r.duration(t, at, "user_timeout", Duration{}, seconds(std::int64_t{1} << 31) / 1000));
    o.user_timeout = user_timeout;
  }
  return o;
}

}  // namespace

Result<Scenario, std::string> load_scenario(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) return fail(text.error());
  return parse_scenario(*text, path);
}

Result<Scenario, std::string> parse_scenario(std::string_view text, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return fail(
        fmt::format("{}:{}:{}: {}", path, e.source().begin.line, e.source().begin.column, e.description()));
  }
  const Reader r(path);
  if (auto ok = r.keys(root, "", {"seed", "until", "host", "link", "server", "client", "crash", "reboot"});
      !ok) {
    return fail(ok.error());
  }
  FINWAIT_TRY(seed, r.integer(root, "", "seed", 1, 0, std::numeric_limits<std::int32_t>::max()));
  FINWAIT_TRY(until, r.duration(root, "", "until", hours(24)));
  if (!root.contains("host")) return fail(fmt::format("{}: no [[host]]: a scenario needs hosts", path));
  Scenario scenario;
  scenario.world = std::make_unique<World>(static_cast<std::uint64_t>(seed));
  scenario.until = Instant{} + until;
  World& world = *scenario.world;

  // Each [[name]] in turn, with its path (host[2]) for messages.
  auto each = [&](const char* name, auto&& f) -> Result<bool, std::string> {
    const toml::node* node = root.get(name);
    if (node == nullptr) return true;
    const toml::array* array = node->as_array();
    if (array == nullptr) return fail(fmt::format("{}: expected [[{}]] tables", r.where(*node, name), name));
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::table* table = (*array)[i].as_table();
      const std::string at = fmt::format("{}[{}]", name, i);
      if (table == nullptr) return fail(fmt::format("{}: each [[{}]] must be a table", r.where((*array)[i], at), name));
      auto done = f(*table, at);
      if (!done) return fail(done.error());
    }
    return true;
  };

  struct HostLimits {
    std::int64_t ephemeral_ports = 0;
  };
  std::map<std::string, HostLimits> host_limits;
  auto hosts = each("host", [&](const toml::table& t, const std::string& at) -> Result<bool, std::string> {
    if (auto ok = r.keys(t, at, {"name", "address", "profile", "tunables"}); !ok) return fail(ok.error());
    HostConfig h;
    FINWAIT_TRY(name, r.text(t, at, "name"));
    FINWAIT_TRY(address, r.address(t, at, "address"));
    FINWAIT_TRY(profile_name, r.text(t, at, "profile", std::string("linux")));
    auto profile = parse_profile(profile_name);
    if (!profile) {
      return fail(fmt::format("{}: profile '{}' is unknown (aix, linux, rfc793)", r.where(*t.get("profile"), at + ".profile"),
                              profile_name));
    }
    h.name = name;
    h.address = address;
    h.profile = *profile;
    if (const toml::node* tunables_node = t.get("tunables")) {
      const toml::table* tunables = tunables_node->as_table();
      if (tunables == nullptr)
        return fail(fmt::format("{}: expected a table such as {{ tcp_finwait2 = \"600s\" }}",
                                r.where(*tunables_node, at + ".tunables")));
      Tunables check(h.profile);
      for (const auto& [key, value] : *tunables) {
        const std::string key_path = fmt::format("{}.tunables.{}", at, key.str());
        std::string text;
        if (auto s = value.value_exact<std::string>()) {
          text = *s;
        } else if (auto i = value.value_exact<std::int64_t>()) {
          text = std::to_string(*i);
        } else {
          return fail(fmt::format("{}: a tunable's value is a whole number or a string such as \"600s\"",
                                  r.where(value, key_path)));
        }
        if (auto set = check.set(std::string(key.str()), text); !set)
          return fail(fmt::format("{}: {}", r.where(value, key_path), set.error()));
        h.tunables.emplace_back(std::string(key.str()), text);
      }
      if (auto bad = check.inconsistency())
        return fail(fmt::format("{}: {}", r.where(*tunables_node, at + ".tunables"), *bad));
      host_limits[name].ephemeral_ports = check.get(TunableId::tcp_ephemeral_high) -
                                          check.get(TunableId::tcp_ephemeral_low) + 1;
    } else {
      const Tunables defaults(h.profile);
      host_limits[name].ephemeral_ports = defaults.get(TunableId::tcp_ephemeral_high) -
                                          defaults.get(TunableId::tcp_ephemeral_low) + 1;
    }
    auto added = world.add_host(h);
    if (!added) return fail(fmt::format("{}: {}", r.where(t, at), added.error()));
    return true;
  });
  if (!hosts) return fail(hosts.error());

  auto links = each("link", [&](const toml::table& t, const std::string& at) -> Result<bool, std::string> {
    if (auto ok = r.keys(t, at, {"between", "delay", "loss", "duplicate", "corrupt", "reorder", "reorder_delay",
                                 "rate_bps", "partitions"});
        !ok) {
      return fail(ok.error());
    }
    LinkConfig l;
    const toml::array* between = t["between"].as_array();
    if (between == nullptr || between->size() != 2 || !(*between)[0].is_string() ||
        !(*between)[1].is_string()) {
      const toml::node* n = t.get("between");
      return fail(fmt::format("{}: a link needs between = [\"host\", \"host\"]",
                              n != nullptr ? r.where(*n, at + ".between") : r.where(t, at + ".between")));
    }
    l.a = *(*between)[0].value<std::string>();
    l.b = *(*between)[1].value<std::string>();
    FINWAIT_TRY(delay, r.duration(t, at, "delay", milliseconds(10), hours(1)));
    FINWAIT_TRY(loss, r.probability(t, at, "loss"));
    FINWAIT_TRY(duplicate, r.probability(t, at, "duplicate"));
    FINWAIT_TRY(corrupt, r.probability(t, at, "corrupt"));
    FINWAIT_TRY(reorder, r.probability(t, at, "reorder"));
    FINWAIT_TRY(reorder_delay, r.duration(t, at, "reorder_delay", milliseconds(20), hours(1)));
    FINWAIT_TRY(rate, r.integer(t, at, "rate_bps", 0, 0, 1'000'000'000'000LL));
    l.delay = delay;
    l.loss = loss;
    l.duplicate = duplicate;
    l.corrupt = corrupt;
    l.reorder = reorder;
    l.reorder_delay = reorder_delay;
    l.rate_bits_per_second = static_cast<std::uint64_t>(rate);
    if (const toml::node* partitions_node = t.get("partitions")) {
      const toml::array* partitions = partitions_node->as_array();
      if (partitions == nullptr)
        return fail(fmt::format("{}: expected partitions = [{{ from = \"1s\", until = \"5s\" }}]",
                                r.where(*partitions_node, at + ".partitions")));
      for (std::size_t i = 0; i < partitions->size(); ++i) {
        const std::string pat = fmt::format("{}.partitions[{}]", at, i);
        const toml::table* pt = (*partitions)[i].as_table();
        if (pt == nullptr)
          return fail(fmt::format("{}: expected {{ from = \"1s\", until = \"5s\" }}", r.where((*partitions)[i], pat)));
        if (auto ok = r.keys(*pt, pat, {"from", "until"}); !ok) return fail(ok.error());
        FINWAIT_TRY(from, r.duration(*pt, pat, "from", std::nullopt));
        FINWAIT_TRY(to, r.duration(*pt, pat, "until", std::nullopt));
        if (to <= from)
          return fail(fmt::format("{}: the partition ends ({}) before it starts ({})", r.where(*pt, pat),
                                  format_duration(to), format_duration(from)));
        l.partitions.push_back({Instant{} + from, Instant{} + to});
      }
    }
    auto added = world.add_link(l);
    if (!added) return fail(fmt::format("{}: {}", r.where(t, at), added.error()));
    return true;
  });
  if (!links) return fail(links.error());

  // Servers and clients are read first and added after: a server's request
  // size defaults to the largest request its clients send.
  std::vector<std::pair<std::string, ServerConfig>> servers;
  std::vector<bool> server_request_given;
  std::set<std::pair<std::string, std::uint16_t>> server_ports;
  auto servers_read = each("server", [&](const toml::table& t, const std::string& at) -> Result<bool, std::string> {
    if (auto ok = r.keys(t, at, {"host", "port", "request_bytes", "response_bytes", "close", "keepalive", "linger",
                                 "linger2", "user_timeout"});
        !ok) {
      return fail(ok.error());
    }
    ServerConfig c;
    FINWAIT_TRY(host, r.text(t, at, "host"));
    if (world.stack(host) == nullptr)
      return fail(fmt::format("{}: no host named {}", r.where(*t.get("host"), at + ".host"), quote_for_message(host)));
    FINWAIT_TRY(port, r.integer(t, at, "port", 80, 1, 65535));
    FINWAIT_TRY(request, r.integer(t, at, "request_bytes", 1, 1, 1 << 30));
    FINWAIT_TRY(bytes, r.integer(t, at, "response_bytes", 100, 0, 1 << 30));
    FINWAIT_TRY(close, r.flag(t, at, "close", true));
    FINWAIT_TRY(options, socket_options(r, t, at));
    if (!server_ports.insert({host, static_cast<std::uint16_t>(port)}).second)
      return fail(fmt::format("{}: host {} already has a server on port {}", r.where(t, at), host, port));
    c.port = static_cast<std::uint16_t>(port);
    c.request_bytes = static_cast<std::size_t>(request);
    c.response_bytes = static_cast<std::size_t>(bytes);
    c.close_after_response = close;
    c.options = options;
    servers.emplace_back(host, c);
    server_request_given.push_back(t.contains("request_bytes"));
    return true;
  });
  if (!servers_read) return fail(servers_read.error());

  std::vector<std::pair<std::string, ClientConfig>> clients;
  std::map<std::string, std::int64_t> connections_per_host;
  auto clients_read = each("client", [&](const toml::table& t, const std::string& at) -> Result<bool, std::string> {
    if (auto ok = r.keys(t, at, {"host", "server", "port", "connections", "start", "request_bytes", "expect_bytes",
                                 "after", "keepalive", "linger", "linger2", "user_timeout"});
        !ok) {
      return fail(ok.error());
    }
    ClientConfig c;
    FINWAIT_TRY(host, r.text(t, at, "host"));
    if (world.stack(host) == nullptr)
      return fail(fmt::format("{}: no host named {}", r.where(*t.get("host"), at + ".host"), quote_for_message(host)));
    FINWAIT_TRY(server, r.address(t, at, "server"));
    FINWAIT_TRY(port, r.integer(t, at, "port", 80, 1, 65535));
    FINWAIT_TRY(connections, r.integer(t, at, "connections", 1, 1, 65535));
    FINWAIT_TRY(start, r.duration(t, at, "start", Duration{}));
    FINWAIT_TRY(bytes, r.integer(t, at, "request_bytes", 10, 0, 1 << 30));
    FINWAIT_TRY(expect, r.integer(t, at, "expect_bytes", 0, 0, 1 << 30));
    FINWAIT_TRY(after, r.text(t, at, "after", std::string("close")));
    FINWAIT_TRY(options, socket_options(r, t, at));
    // One port per connection from this host's ephemeral range.
    const std::int64_t total = connections_per_host[host] += connections;
    if (total > host_limits[host].ephemeral_ports) {
      return fail(fmt::format("{}: {} connections from host {} need more ephemeral ports than its range has ({}; "
                              "tcp_ephemeral_low..tcp_ephemeral_high)",
                              r.where(t, at), total, host, host_limits[host].ephemeral_ports));
    }
    c.server = server;
    c.port = static_cast<std::uint16_t>(port);
    c.connections = static_cast<int>(connections);
    c.start = Instant{} + start;
    c.request_bytes = static_cast<std::size_t>(bytes);
    c.expect_bytes = static_cast<std::size_t>(expect);
    c.options = options;
    static constexpr std::pair<std::string_view, AfterResponse> k_after[] = {
        {"close", AfterResponse::close}, {"abort", AfterResponse::abort}, {"shutdown", AfterResponse::shutdown},
        {"stay", AfterResponse::stay},   {"crash", AfterResponse::crash}};
    const auto* found = std::find_if(std::begin(k_after), std::end(k_after),
                                     [&](const auto& entry) { return entry.first == after; });
    if (found == std::end(k_after)) {
      return fail(fmt::format("{}: \"{}\" is unknown (close, abort, shutdown, stay, crash)",
                              r.where(*t.get("after"), at + ".after"), quote_for_message(after)));
    }
    c.after = found->second;
    clients.emplace_back(host, c);
    return true;
  });
  if (!clients_read) return fail(clients_read.error());

  for (std::size_t i = 0; i < servers.size(); ++i) {
    auto& [host, config] = servers[i];
    if (!server_request_given[i]) {
      const stack::Stack* s = world.stack(host);
      for (const auto& [client_host, client] : clients) {
        if (client.server == s->config().address && client.port == config.port)
          config.request_bytes = std::max(config.request_bytes, client.request_bytes);
      }
    }
    world.add_app(std::make_unique<ServerApp>(host, config));
  }
  for (auto& [host, config] : clients) {
    auto app = std::make_unique<ClientApp>(host, config);
    scenario.clients.push_back(app.get());
    world.add_app(std::move(app));
  }

  for (const char* kind : {"crash", "reboot"}) {
    auto events = each(kind, [&](const toml::table& t, const std::string& at) -> Result<bool, std::string> {
      if (auto ok = r.keys(t, at, {"host", "at"}); !ok) return fail(ok.error());
      FINWAIT_TRY(host, r.text(t, at, "host"));
      if (world.stack(host) == nullptr)
        return fail(fmt::format("{}: no host named {}", r.where(*t.get("host"), at + ".host"), quote_for_message(host)));
      FINWAIT_TRY(when, r.duration(t, at, "at", std::nullopt));
      if (std::string_view(kind) == "crash") {
        world.schedule_crash(host, Instant{} + when);
      } else {
        world.schedule_reboot(host, Instant{} + when);
      }
      return true;
    });
    if (!events) return fail(events.error());
  }
  return scenario;
}

std::size_t print_new_records(const World& world, std::size_t printed, bool json) {
  const std::vector<Record>& records = world.recorder().records();
  for (std::size_t i = printed; i < records.size(); ++i) {
    fmt::print("{}\n", json ? Recorder::to_json(records[i]) : Recorder::to_text(records[i]));
  }
  return records.size();
}

int run_scenario(const std::string& path, Scenario& scenario, bool json) {
  scenario.world->run_until(scenario.until);
  print_new_records(*scenario.world, 0, json);
  return finish_scenario(path, scenario, json);
}

int finish_scenario(const std::string& path, Scenario& loaded, bool json) {
  Scenario* scenario = &loaded;
  World& world = *scenario->world;
  // What is still open at the end, host by host: nothing should be, unless no timer bounds it.
  std::size_t open = 0;
  for (const HostConfig& host : world.hosts()) {
    stack::Stack* s = world.stack(host.name);
    if (s == nullptr) continue;
    for (const auto& c : s->connections(world.now())) {
      ++open;
      if (json) {
        fmt::print("{}\n", nlohmann::json{{"t_s", world.now().nanoseconds() / 1e9},
                                          {"host", host.name},
                                          {"conn", c.flow.to_string()},
                                          {"open", tcp::netstat_name(c.state)}}
                               .dump());
      } else {
        fmt::print("{:>12}  {:<7} {:<32} still {} at the end\n", format_time(world.now()), host.name,
                   c.flow.to_string(), tcp::netstat_name(c.state));
      }
    }
  }
  ClientTally total;
  for (const ClientApp* client : scenario->clients) {
    const ClientTally t = client->tally();
    total.answered += t.answered;
    total.short_answers += t.short_answers;
    total.never_connected += t.never_connected;
    total.unfinished += t.unfinished;
    total.bytes_received += t.bytes_received;
  }
  if (json) {
    fmt::print("{}\n", nlohmann::json{{"t_s", world.now().nanoseconds() / 1e9},
                                      {"still_open", open},
                                      {"answered", total.answered},
                                      {"short", total.short_answers},
                                      {"never_connected", total.never_connected},
                                      {"unfinished", total.unfinished},
                                      {"bytes_received", total.bytes_received}}
                           .dump());
  } else {
    fmt::print("\nscenario {}: ran to {}; {} connection{} still open\n", path, format_time(world.now()), open,
               open == 1 ? "" : "s");
    if (!scenario->clients.empty()) {
      fmt::print("clients: {} answered in full, {} short, {} never connected, {} unfinished ({} bytes received)\n",
                 total.answered, total.short_answers, total.never_connected, total.unfinished,
                 total.bytes_received);
    }
  }
  return 0;
}

}  // namespace finwait::sim
