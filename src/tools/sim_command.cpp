// `finwait sim story ...` and `finwait sim run FILE.toml` (DESIGN.md "Commands").
#include <charconv>
#include <set>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/tunables.h"
#include "sim/scenario.h"
#include "sim/story.h"
#include "time/duration_text.h"
#include "tools/command.h"

namespace finwait::tools {
namespace {

struct StoryOptions {
  std::string profile = "aix";
  std::vector<std::string> set;
  bool keepalive = false;
  int connections = 1;
  std::string until = "24h";
  bool json = false;
  std::string pcap;
  std::uint64_t seed = 1;
};

// "24h", "600s", "10m", "1d", "1500ms", or plain seconds: a duration for --until.
std::optional<Duration> parse_until(const std::string& text) {
  if (auto d = parse_duration(text)) return d;
  std::int64_t seconds_value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds_value);
  if (ec == std::errc{} && end == text.data() + text.size() && seconds_value >= 0)
    return seconds(seconds_value);
  return std::nullopt;
}

void print_records(const std::vector<sim::Record>& records, bool json, const std::set<std::string>& only) {
  for (const sim::Record& r : records) {
    if (!only.empty() && r.kind == sim::Record::Kind::transition) {
      const std::string key = r.flow.to_string();
      if (!only.count(key)) continue;
    }
    fmt::print("{}\n", json ? sim::Recorder::to_json(r) : sim::Recorder::to_text(r));
  }
}

int run_story_command(const StoryOptions& o) {
  sim::StoryConfig config;
  auto profile = parse_profile(o.profile);
  if (!profile) {
    fmt::print(stderr, "finwait sim story: --profile: unknown profile '{}' (aix, linux, rfc793)\n",
               o.profile);
    return 2;
  }
  config.profile = *profile;
  for (const std::string& assignment : o.set) {
    const std::size_t eq = assignment.find('=');
    if (eq == std::string::npos) {
      fmt::print(stderr, "finwait sim story: --set {}: expected NAME=VALUE\n", assignment);
      return 2;
    }
    config.set.emplace_back(assignment.substr(0, eq), assignment.substr(eq + 1));
  }
  config.keepalive = o.keepalive;
  config.connections = o.connections;
  config.seed = o.seed;
  auto until = parse_until(o.until);
  if (!until) {
    fmt::print(stderr, "finwait sim story: --until {}: expected a duration such as 24h, 600s, 10m\n",
               o.until);
    return 2;
  }
  config.until = *until;
  std::optional<wire::PcapWriter> writer;
  if (!o.pcap.empty()) {
    auto w = wire::PcapWriter::create(o.pcap);
    if (!w) {
      fmt::print(stderr, "finwait sim story: --pcap: {}\n", w.error());
      return 2;
    }
    writer.emplace(std::move(*w));
  }
  auto result = sim::run_story(config, writer ? &*writer : nullptr);
  if (!result) {
    fmt::print(stderr, "finwait sim story: {}\n", result.error());
    return 2;
  }
  // With many connections, the timeline shows the first one; the verdict counts all.
  std::set<std::string> only;
  if (config.connections > 1 && !o.json) {
    for (const sim::Record& r : result->records) {
      if (r.kind == sim::Record::Kind::transition && r.host == "client") {
        only.insert(r.flow.to_string());
        only.insert(
            stack::FlowKey{r.flow.remote, r.flow.local, r.flow.remote_port, r.flow.local_port}.to_string());
        break;
      }
    }
  }
  if (!o.json) {
    fmt::print("seed story: {}; {} connection{}; until {}\n", result->label, config.connections,
               config.connections == 1 ? "" : "s", format_duration(config.until));
    fmt::print(
        "client {} connects to server {}:80, gets a response; the server closes; the client ACKs the FIN, "
        "then crashes\n\n",
        sim::k_story_client, sim::k_story_server);
  }
  print_records(result->records, o.json, only);
  if (!only.empty()) fmt::print("{:>12}  ... and {} more connections like it\n", "", config.connections - 1);
  if (o.json) {
    fmt::print("{}\n", nlohmann::json{{"verdict", result->verdict}}.dump());
  } else {
    fmt::print("\n{}\n", result->verdict);
  }
  return 0;
}

}  // namespace

void add_sim_command(CLI::App& app, CommandResult& result) {
  auto* sim = app.add_subcommand("sim", "Replay scenarios in virtual time");
  sim->require_subcommand(1);

  auto o = std::make_shared<StoryOptions>();
  auto* story = sim->add_subcommand(
      "story",
      "The seed story: a client gets a response, the server closes, the client ACKs the FIN and crashes");
  story->add_option("--profile", o->profile, "the server's tunable defaults: aix (default), linux, rfc793");
  story->add_option("--set", o->set,
                    "NAME=VALUE: set a server tunable, as `finwait no -o` does (repeatable)");
  story->add_flag("--keepalive", o->keepalive, "SO_KEEPALIVE on the server's connections");
  story->add_option("--connections", o->connections, "clients at once (default 1)");
  story->add_option("--until", o->until, "how much virtual time to run (default 24h)");
  story->add_flag("--json", o->json, "one JSON event per line: t_s, host, conn, from, to, cause");
  story->add_option("--pcap", o->pcap, "write what the wire saw to this pcap file");
  story->add_option("--seed", o->seed, "the simulation's seed (default 1)");
  story->callback([o, &result] { result.exit_status = run_story_command(*o); });

  auto file = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto pcap = std::make_shared<std::string>();
  auto* run =
      sim->add_subcommand("run", "Run a scenario file (TOML): hosts, links, faults, crashes, applications");
  run->add_option("FILE", *file, "scenario file")->required();
  run->add_flag("--json", *json, "one JSON event per line");
  run->add_option("--pcap", *pcap, "write what the wire saw to this pcap file");
  run->callback(
      [file, json, pcap, &result] { result.exit_status = sim::run_scenario_file(*file, *json, *pcap); });
}

}  // namespace finwait::tools
