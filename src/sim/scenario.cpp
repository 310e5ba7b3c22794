#include "sim/scenario.h"

#include <limits>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include "sim/apps.h"
#include "time/duration_text.h"

namespace finwait::sim {
namespace {

// Reading with messages that say where and what was expected.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  std::string where(const toml::node& node, const std::string& key) const {
    const auto& source = node.source();
    if (source.begin) return fmt::format("{}:{}:{}: {}", path_, source.begin.line, source.begin.column, key);
    return fmt::format("{}: {}", path_, key);
  }

  Result<Duration, std::string> duration(const toml::table& table, const std::string& key,
                                         Duration fallback) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return fallback;
    if (auto text = node->value<std::string>()) {
      if (auto d = parse_duration(*text)) return *d;
    }
    return fail(fmt::format("{}: expected a duration such as \"10ms\", \"600s\", \"2h\"", where(*node, key)));
  }

  Result<wire::Ipv4Address, std::string> address(const toml::table& table, const std::string& key) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return fail(fmt::format("{}: {} is required", path_, key));
    if (auto text = node->value<std::string>()) {
      if (auto a = wire::Ipv4Address::parse(*text)) return *a;
    }
    return fail(fmt::format("{}: expected an IPv4 address such as \"198.18.0.1\"", where(*node, key)));
  }

  Result<std::string, std::string> text(const toml::table& table, const std::string& key,
                                        std::optional<std::string> fallback = std::nullopt) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      if (fallback) return *fallback;
      return fail(fmt::format("{}: {} is required", path_, key));
    }
    if (auto t = node->value<std::string>()) return *t;
    return fail(fmt::format("{}: expected a string", where(*node, key)));
  }

  template <class T>
  Result<T, std::string> number(const toml::table& table, const std::string& key, T fallback, T low,
                                T high) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return fallback;
    std::optional<double> v = node->value<double>();
    if (!v) {
      if (auto b = node->value<bool>()) v = *b ? 1.0 : 0.0;
    }
    if (!v || *v < static_cast<double>(low) || *v > static_cast<double>(high)) {
      return fail(fmt::format("{}: expected a number within {}..{}", where(*node, key), low, high));
    }
    return static_cast<T>(*v);
  }

 private:
  std::string path_;
};

#define FINWAIT_TRY(var, expr)                          \
  auto var##_result = (expr);                           \
  if (!var##_result) return fail(var##_result.error()); \
  auto var = *var##_result

Result<tcp::SocketOptions, std::string> socket_options(const Reader& r, const toml::table& t) {
  tcp::SocketOptions o;
  FINWAIT_TRY(keepalive, r.number<int>(t, "keepalive", 0, 0, 1));
  o.keepalive = keepalive != 0;
  if (t.contains("linger")) {
    FINWAIT_TRY(linger, r.number<int>(t, "linger", 0, 0, 3600));
    o.linger_on = true;
    o.linger_seconds = linger;
  }
  if (t.contains("linger2")) {
    FINWAIT_TRY(linger2, r.duration(t, "linger2", Duration{}));
    o.linger2 = linger2;
  }
  if (t.contains("user_timeout")) {
    FINWAIT_TRY(user_timeout, r.duration(t, "user_timeout", Duration{}));
    o.user_timeout = user_timeout;
  }
  return o;
}

}  // namespace

Result<Scenario, std::string> load_scenario(const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return fail(
        fmt::format("{}:{}:{}: {}", path, e.source().begin.line, e.source().begin.column, e.description()));
  }
  const Reader r(path);
  static const std::set<std::string> k_top = {"seed",   "until",  "host",  "link",
                                              "server", "client", "crash", "reboot"};
  for (const auto& [key, node] : root) {
    if (!k_top.count(std::string(key.str()))) {
      return fail(fmt::format(
          "{}: unknown key '{}' (allowed: seed, until, host, link, server, client, crash, reboot)",
          r.where(node, std::string(key.str())), key.str()));
    }
  }
  FINWAIT_TRY(seed, r.number<std::int64_t>(root, "seed", 1, 0, std::numeric_limits<std::int32_t>::max()));
  FINWAIT_TRY(until, r.duration(root, "until", hours(24)));
  Scenario scenario;
  scenario.world = std::make_unique<World>(static_cast<std::uint64_t>(seed));
  scenario.until = Instant{} + until;
  World& world = *scenario.world;

  auto each = [&](const char* name, auto&& f) -> Result<bool, std::string> {
    const toml::array* array = root[name].as_array();
    if (array == nullptr) return true;
    for (const toml::node& node : *array) {
      const toml::table* table = node.as_table();
      if (table == nullptr)
        return fail(fmt::format("{}: each [[{}]] must be a table", r.where(node, name), name));
      auto done = f(*table);
      if (!done) return fail(done.error());
    }
    return true;
  };

  auto hosts = each("host", [&](const toml::table& t) -> Result<bool, std::string> {
    HostConfig h;
    FINWAIT_TRY(name, r.text(t, "name"));
    FINWAIT_TRY(address, r.address(t, "address"));
    FINWAIT_TRY(profile_name, r.text(t, "profile", std::string("linux")));
    auto profile = parse_profile(profile_name);
    if (!profile)
      return fail(fmt::format("{}: profile '{}' is unknown (aix, linux, rfc793)", r.where(t, "profile"),
                              profile_name));
    h.name = name;
    h.address = address;
    h.profile = *profile;
    if (const toml::table* tunables = t["tunables"].as_table()) {
      for (const auto& [key, value] : *tunables) {
        std::string text;
        if (auto s = value.value<std::string>()) {
          text = *s;
        } else if (auto i = value.value<std::int64_t>()) {
          text = std::to_string(*i);
        } else {
          return fail(fmt::format("{}: a tunable's value is a number or a string",
                                  r.where(value, std::string(key.str()))));
        }
        h.tunables.emplace_back(std::string(key.str()), text);
      }
    }
    auto added = world.add_host(h);
    if (!added) return fail(fmt::format("{}: {}", path, added.error()));
    return true;
  });
  if (!hosts) return fail(hosts.error());

  auto links = each("link", [&](const toml::table& t) -> Result<bool, std::string> {
    LinkConfig l;
    const toml::array* between = t["between"].as_array();
    if (between == nullptr || between->size() != 2 || !(*between)[0].is_string() ||
        !(*between)[1].is_string()) {
      return fail(fmt::format("{}: a link needs between = [\"host\", \"host\"]", r.where(t, "between")));
    }
    l.a = *(*between)[0].value<std::string>();
    l.b = *(*between)[1].value<std::string>();
    FINWAIT_TRY(delay, r.duration(t, "delay", milliseconds(10)));
    FINWAIT_TRY(loss, r.number<double>(t, "loss", 0, 0, 1));
    FINWAIT_TRY(duplicate, r.number<double>(t, "duplicate", 0, 0, 1));
    FINWAIT_TRY(corrupt, r.number<double>(t, "corrupt", 0, 0, 1));
    FINWAIT_TRY(reorder, r.number<double>(t, "reorder", 0, 0, 1));
    FINWAIT_TRY(rate, r.number<std::int64_t>(t, "rate_bps", 0, 0, 1'000'000'000'000LL));
    l.delay = delay;
    l.loss = loss;
    l.duplicate = duplicate;
    l.corrupt = corrupt;
    l.reorder = reorder;
    l.rate_bits_per_second = static_cast<std::uint64_t>(rate);
    if (const toml::array* partitions = t["partitions"].as_array()) {
      for (const toml::node& p : *partitions) {
        const toml::table* pt = p.as_table();
        if (pt == nullptr)
          return fail(fmt::format("{}: partitions = [{{ from = \"1s\", until = \"5s\" }}]",
                                  r.where(p, "partitions")));
        FINWAIT_TRY(from, r.duration(*pt, "from", Duration{}));
        FINWAIT_TRY(to, r.duration(*pt, "until", Duration::max()));
        l.partitions.push_back({Instant{} + from, Instant{} + to});
      }
    }
    auto added = world.add_link(l);
    if (!added) return fail(fmt::format("{}: {}", path, added.error()));
    return true;
  });
  if (!links) return fail(links.error());

  auto servers = each("server", [&](const toml::table& t) -> Result<bool, std::string> {
    ServerConfig c;
    FINWAIT_TRY(host, r.text(t, "host"));
    if (world.stack(host) == nullptr)
      return fail(fmt::format("{}: no host named {}", r.where(t, "host"), host));
    FINWAIT_TRY(port, r.number<int>(t, "port", 80, 1, 65535));
    FINWAIT_TRY(bytes, r.number<std::int64_t>(t, "response_bytes", 100, 0, 1 << 24));
    FINWAIT_TRY(close, r.number<int>(t, "close", 1, 0, 1));
    FINWAIT_TRY(options, socket_options(r, t));
    c.port = static_cast<std::uint16_t>(port);
    c.response_bytes = static_cast<std::size_t>(bytes);
    c.close_after_response = close != 0;
    c.options = options;
    world.add_app(std::make_unique<ServerApp>(host, c));
    return true;
  });
  if (!servers) return fail(servers.error());

  auto clients = each("client", [&](const toml::table& t) -> Result<bool, std::string> {
    ClientConfig c;
    FINWAIT_TRY(host, r.text(t, "host"));
    if (world.stack(host) == nullptr)
      return fail(fmt::format("{}: no host named {}", r.where(t, "host"), host));
    FINWAIT_TRY(server, r.address(t, "server"));
    FINWAIT_TRY(port, r.number<int>(t, "port", 80, 1, 65535));
    FINWAIT_TRY(connections, r.number<int>(t, "connections", 1, 1, 28000));
    FINWAIT_TRY(start, r.duration(t, "start", Duration{}));
    FINWAIT_TRY(bytes, r.number<std::int64_t>(t, "request_bytes", 10, 0, 1 << 24));
    FINWAIT_TRY(expect, r.number<std::int64_t>(t, "expect_bytes", 0, 0, 1 << 24));
    FINWAIT_TRY(after, r.text(t, "after", std::string("close")));
    FINWAIT_TRY(options, socket_options(r, t));
    c.server = server;
    c.port = static_cast<std::uint16_t>(port);
    c.connections = connections;
    c.start = Instant{} + start;
    c.request_bytes = static_cast<std::size_t>(bytes);
    c.expect_bytes = static_cast<std::size_t>(expect);
    c.options = options;
    if (after == "close") {
      c.after = AfterResponse::close;
    } else if (after == "abort") {
      c.after = AfterResponse::abort;
    } else if (after == "shutdown") {
      c.after = AfterResponse::shutdown;
    } else if (after == "stay") {
      c.after = AfterResponse::stay;
    } else if (after == "crash") {
      c.after = AfterResponse::crash;
    } else {
      return fail(fmt::format("{}: after = \"{}\" is unknown (close, abort, shutdown, stay, crash)",
                              r.where(t, "after"), after));
    }
    world.add_app(std::make_unique<ClientApp>(host, c));
    return true;
  });
  if (!clients) return fail(clients.error());

  for (const char* kind : {"crash", "reboot"}) {
    auto events = each(kind, [&](const toml::table& t) -> Result<bool, std::string> {
      FINWAIT_TRY(host, r.text(t, "host"));
      if (world.stack(host) == nullptr)
        return fail(fmt::format("{}: no host named {}", r.where(t, "host"), host));
      FINWAIT_TRY(at, r.duration(t, "at", Duration{}));
      if (std::string_view(kind) == "crash") {
        world.schedule_crash(host, Instant{} + at);
      } else {
        world.schedule_reboot(host, Instant{} + at);
      }
      return true;
    });
    if (!events) return fail(events.error());
  }
  return scenario;
}

int run_scenario_file(const std::string& path, bool json, const std::string& pcap) {
  auto scenario = load_scenario(path);
  if (!scenario) {
    fmt::print(stderr, "finwait sim run: {}\n", scenario.error());
    return 2;
  }
  std::optional<wire::PcapWriter> writer;
  if (!pcap.empty()) {
    auto w = wire::PcapWriter::create(pcap);
    if (!w) {
      fmt::print(stderr, "finwait sim run: --pcap: {}\n", w.error());
      return 2;
    }
    writer.emplace(std::move(*w));
    scenario->world->add_pcap_tap(&*writer);
  }
  World& world = *scenario->world;
  world.run_until(scenario->until);
  for (const Record& record : world.recorder().records()) {
    fmt::print("{}\n", json ? Recorder::to_json(record) : Recorder::to_text(record));
  }
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
  if (!json) {
    fmt::print("\nscenario {}: ran to {}; {} connection{} still open\n", path, format_time(world.now()), open,
               open == 1 ? "" : "s");
  }
  return 0;
}

}  // namespace finwait::sim
