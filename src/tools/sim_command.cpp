// `finwait sim story ...` and `finwait sim run FILE.toml` (DESIGN.md "Commands").
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/decimal.h"
#include "base/output_file.h"
#include "base/quote.h"
#include "base/tunables.h"
#include "api/event_loop.h"
#include "sim/scenario.h"
#include "sim/story.h"
#include "time/duration_text.h"
#include "tools/command.h"
#include "tools/control_socket.h"
#include "tools/netstat_view.h"
#include "tools/report.h"
#include "tools/stack_control.h"

namespace finwait::tools {
namespace {

struct StoryOptions {
  std::string profile = "aix";
  std::vector<std::string> set;
  bool keepalive = false;
  std::string connections = "1";
  std::string until = "24h";
  bool json = false;
  std::string pcap;
  std::string pcap_sent;
  std::string seed = "1";
  bool netstat = false;
  std::string report;
};

// --report FILE.html: the segments the links delivered, gathered as they go.
struct ReportTap {
  std::vector<ReportSegment> segments;
  void attach(sim::World& world) {
    world.observe_delivered([this](Instant at, std::span<const std::uint8_t> frame) {
      ReportSegment s;
      if (report_segment_of(at, frame, s)) segments.push_back(std::move(s));
    });
  }
  // Opened before the run (a bad path touches nothing and costs no run), written after.
  static Result<std::optional<OutputFile>, std::string> open(const std::string& path) {
    if (path.empty()) return std::optional<OutputFile>{};
    auto file = OutputFile::create(path);
    if (!file) return fail("--report: " + file.error());
    return std::optional<OutputFile>{std::move(*file)};
  }
  Result<bool, std::string> write(std::optional<OutputFile>& file, const std::string& title, sim::World& world,
                                  const std::vector<sim::Record>& records, Instant end) {
    if (!file) return true;
    ReportInput input;
    input.title = title;
    for (const sim::HostConfig& h : world.hosts()) input.hosts.emplace_back(h.name, h.address);
    input.records = records;
    input.segments = segments;
    input.end = end;
    const std::string html = render_report(input);
    if (std::fwrite(html.data(), 1, html.size(), file->stream()) != html.size())
      return fail(fmt::format("--report {}: cannot write", file->path()));
    if (auto done = file->commit(); !done) return fail("--report: " + done.error());
    return true;
  }
};

// --netstat: each host's connections and listeners at the end, as
// `netstat -a -n -o` shows them, and the counters that moved.
std::string netstat_of(sim::World& world, bool json) {
  std::string out;
  for (const sim::HostConfig& h : world.hosts()) {
    const stack::Stack* s = world.stack(h.name);
    if (json) {
      nlohmann::json view = s == nullptr ? nlohmann::json{{"down", true}}
                                         : netstat_json(*s, world.now(), NetstatOptions{true, true});
      view["host"] = h.name;
      out += nlohmann::json{{"netstat", view}}.dump() + "\n";
      continue;
    }
    out += fmt::format("\nnetstat -a -n -o on {} ({}) at {}:\n", h.name, h.address, format_duration(world.now() - Instant{}));
    if (s == nullptr) {
      out += "  the host is down (crashed)\n";
      continue;
    }
    out += netstat_table(*s, world.now(), NetstatOptions{true, true});
    s->counters().for_each([&](const stack::Counters::Row& row) {
      if (row.value != 0) out += fmt::format("  {:<38} {}\n", stack::nstat_name(row.name), row.value);
    });
  }
  return out;
}

// The longest virtual time a run may ask for: ten years, far inside what
// Instant holds, so that no deadline arithmetic can overflow.
constexpr Duration k_max_until = hours(24 * 3650);

// "24h", "600s", "10m", "1d", "1500ms", or plain seconds: a duration for --until.
std::optional<Duration> parse_until(const std::string& text) {
  std::optional<Duration> d = parse_duration(text);
  if (!d) {
    if (auto s = parse_decimal_integer(text); s && *s >= 0 && *s <= k_max_until.nanoseconds() / 1'000'000'000)
      d = seconds(*s);
  }
  if (d && *d > k_max_until) return std::nullopt;
  return d;
}

// The taps a run writes: what the links delivered, and what the hosts sent.
struct Captures {
  std::optional<wire::PcapWriter> delivered;
  std::optional<wire::PcapWriter> sent;

  Result<bool, std::string> open(const std::string& delivered_path, const std::string& sent_path) {
    for (auto [path, writer, flag] : {std::tuple{&delivered_path, &delivered, "--pcap"},
                                      std::tuple{&sent_path, &sent, "--pcap-sent"}}) {
      if (path->empty()) continue;
      auto w = wire::PcapWriter::create(*path);
      if (!w) return fail(fmt::format("{}: {}", flag, w.error()));
      writer->emplace(std::move(*w));
    }
    return true;
  }
  void attach(sim::World& world) {
    if (delivered) world.add_pcap_tap(&*delivered, sim::World::TapPoint::delivered);
    if (sent) world.add_pcap_tap(&*sent, sim::World::TapPoint::sent);
  }
  Result<bool, std::string> commit() {
    for (auto* writer : {&delivered, &sent}) {
      if (!*writer) continue;
      if (auto done = (*writer)->commit(); !done) return done;
    }
    return true;
  }
};

// --pace: a long run an operator watches and tunes while it goes. Virtual
// time runs at RATE times the wall clock; every host answers on a control
// socket of its own, RUN.HOST, so that `finwait netstat --stack RUN.HOST`
// and `finwait no --stack RUN.HOST` work on it as on `finwait serve`. A
// change lasts until the host reboots (its stack starts from the file).
volatile std::sig_atomic_t g_interrupted = 0;

struct PacedRun {
  double rate = 0;
  std::string name;  // RUN: the file's stem unless --name
};

// The longest wall-clock wait between two looks at the control sockets.
constexpr Duration k_control_slice = milliseconds(50);

int run_paced(const std::string& path, sim::Scenario& scenario, bool json, const PacedRun& paced) {
  sim::World& world = *scenario.world;
  std::vector<std::unique_ptr<ControlServer>> servers;
  for (const sim::HostConfig& h : world.hosts()) {
    const std::string stack_name = fmt::format("{}.{}", paced.name, h.name);
    auto socket_path = control_socket_path(stack_name);
    if (!socket_path) {
      fmt::print(stderr, "finwait sim run: --name: {}\n", socket_path.error());
      return 2;
    }
    auto server = ControlServer::open(*socket_path, [&world, host = h.name](const nlohmann::json& request, uid_t peer) {
      return answer_control(world.stack(host), world.now(), request, peer);
    });
    if (!server) {
      fmt::print(stderr, "finwait sim run: {}\n", server.error());
      return 2;
    }
    servers.push_back(std::move(*server));
  }
  if (!json) {
    fmt::print("finwait sim run: {} at {}x the wall clock until {}; control:", path, paced.rate,
               format_duration(scenario.until - Instant{}));
    for (const auto& server : servers) fmt::print(" {}", server->path());
    fmt::print("\n");
    std::fflush(stdout);
  }
  struct sigaction on_signal {};
  on_signal.sa_handler = [](int) { g_interrupted = 1; };
  sigaction(SIGINT, &on_signal, nullptr);
  sigaction(SIGTERM, &on_signal, nullptr);

  const Instant wall_start = api::real_clock_now();
  const Instant virtual_start = world.now();
  const auto virtual_at = [&](Instant wall) {
    const double ns = static_cast<double>((wall - wall_start).nanoseconds()) * paced.rate;
    const double room = static_cast<double>((scenario.until - virtual_start).nanoseconds());
    return ns >= room ? scenario.until : virtual_start + Duration::from_nanoseconds(static_cast<std::int64_t>(ns));
  };
  std::size_t printed = 0;
  while (g_interrupted == 0) {
    world.run_until(virtual_at(api::real_clock_now()));
    printed = sim::print_new_records(world, printed, json);
    std::fflush(stdout);
    if (world.now() >= scenario.until) break;
    // Sleep on the control sockets until the next event is due on the wall clock.
    Duration wait = k_control_slice;
    if (const Instant next = world.next_event(); next != Instant::never()) {
      const double wall_ns = static_cast<double>((next - world.now()).nanoseconds()) / paced.rate;
      if (wall_ns < static_cast<double>(wait.nanoseconds()))
        wait = Duration::from_nanoseconds(static_cast<std::int64_t>(wall_ns));
    }
    for (const auto& server : servers) {
      server->serve(servers.size() == 1 ? wait : Duration{});
    }
    if (servers.size() > 1) ::usleep(static_cast<useconds_t>(wait.nanoseconds() / 1000));
  }
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  if (g_interrupted != 0 && !json) fmt::print("interrupted at {}\n", format_duration(world.now() - Instant{}));
  return sim::finish_scenario(path, scenario, json);
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
  auto connections = decimal_in_range("--connections", o.connections, 1, 28000);
  auto seed = decimal_in_range("--seed", o.seed, 0, std::numeric_limits<std::int64_t>::max());
  for (const auto* bad : {&connections, &seed}) {
    if (!*bad) {
      fmt::print(stderr, "finwait sim story: {}\n", bad->error());
      return 2;
    }
  }
  config.connections = static_cast<int>(*connections);
  config.seed = static_cast<std::uint64_t>(*seed);
  auto until = parse_until(o.until);
  if (!until) {
    fmt::print(stderr,
               "finwait sim story: --until '{}': expected a duration up to 3650d such as 24h, 600s, 10m\n",
               quote_for_message(o.until));
    return 2;
  }
  config.until = *until;
  if (auto bad = sim::check_story(config); !bad) {
    fmt::print(stderr, "finwait sim story: {}\n", bad.error());
    return 2;
  }
  Captures captures;
  if (auto opened = captures.open(o.pcap, o.pcap_sent); !opened) {
    fmt::print(stderr, "finwait sim story: {}\n", opened.error());
    return 2;
  }
  auto report_file = ReportTap::open(o.report);
  if (!report_file) {
    fmt::print(stderr, "finwait sim story: {}\n", report_file.error());
    return 2;
  }
  ReportTap report;
  std::string final_state;
  Result<bool, std::string> reported = true;
  auto result = sim::run_story(
      config,
      [&](sim::World& world) {
        captures.attach(world);
        if (*report_file) report.attach(world);
      },
      [&](sim::World& world) {
        if (o.netstat) final_state = netstat_of(world, o.json);
        reported = report.write(*report_file, fmt::format("finwait sim story --profile {}", o.profile), world,
                                world.recorder().records(), world.now());
      });
  if (!result) {
    fmt::print(stderr, "finwait sim story: {}\n", result.error());
    return 2;
  }
  if (auto written = captures.commit(); !written) {
    fmt::print(stderr, "finwait sim story: {}\n", written.error());
    return 1;
  }
  if (!reported) {
    fmt::print(stderr, "finwait sim story: {}\n", reported.error());
    return 1;
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
    fmt::print("{}{}\n", final_state, nlohmann::json{{"verdict", result->verdict}}.dump());
  } else {
    fmt::print("{}\n{}\n", final_state, result->verdict);
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
  story->add_option("--connections", o->connections, "clients at once, 1..28000 (default 1)");
  story->add_option("--until", o->until, "how much virtual time to run (default 24h)");
  story->add_flag("--json", o->json, "one JSON event per line: t_s, host, conn, from, to, cause");
  story->add_option("--pcap", o->pcap,
                    "write what the wire carried (after the link's faults) to this pcap file");
  story->add_option("--pcap-sent", o->pcap_sent, "write what each host sent (before any fault) to this file");
  story->add_option("--seed", o->seed, "the simulation's seed (default 1)");
  story->add_option("--report", o->report, "write the story as a picture: one self-contained HTML file");
  story->add_flag("--netstat", o->netstat, "at the end, each host's connections, timers and counters (netstat -a -n -o)");
  story->callback([o, &result] { result.exit_status = run_story_command(*o); });

  struct RunOptions {
    std::string file;
    bool json = false;
    std::string pcap;
    std::string pcap_sent;
    bool netstat = false;
    std::string report;
    std::string pace;
    std::string name;
  };
  auto r = std::make_shared<RunOptions>();
  auto* run =
      sim->add_subcommand("run", "Run a scenario file (TOML): hosts, links, faults, crashes, applications");
  run->add_option("FILE", r->file, "scenario file")->required();
  run->add_flag("--json", r->json, "one JSON event per line");
  run->add_option("--pcap", r->pcap, "write what the wire carried (after the links' faults) to this pcap file");
  run->add_option("--pcap-sent", r->pcap_sent, "write what each host sent (before any fault) to this file");
  run->add_flag("--netstat", r->netstat, "at the end, each host's connections, timers and counters");
  run->add_option("--report", r->report, "write the run as a picture: one self-contained HTML file");
  run->add_option("--pace", r->pace,
                  "RATE: run virtual time at RATE times the wall clock (1: real time, 60: a minute a second), "
                  "each host answering `finwait netstat/no --stack RUN.HOST` while it runs");
  run->add_option("--name", r->name, "RUN: the control sockets' prefix with --pace (default: the file's name)");
  run->callback([r, &result] {
    auto fail_with = [&result](const std::string& message, int status = 2) {
      fmt::print(stderr, "finwait sim run: {}\n", message);
      result.exit_status = status;
    };
    PacedRun paced;
    if (!r->pace.empty()) {
      auto rate = number_in_range("--pace", r->pace, 0.001, 1e9);
      if (!rate) return fail_with(rate.error());
      paced.rate = *rate;
      paced.name = r->name.empty() ? std::filesystem::path(r->file).stem().string() : r->name;
    } else if (!r->name.empty()) {
      return fail_with("--name names the control sockets of a paced run: give --pace RATE too");
    }
    auto scenario = sim::load_scenario(r->file);
    if (!scenario) return fail_with(scenario.error());
    Captures captures;
    if (auto opened = captures.open(r->pcap, r->pcap_sent); !opened) return fail_with(opened.error());
    captures.attach(*scenario->world);
    auto report_file = ReportTap::open(r->report);
    if (!report_file) return fail_with(report_file.error());
    ReportTap report;
    if (*report_file) report.attach(*scenario->world);
    result.exit_status = paced.rate > 0 ? run_paced(r->file, *scenario, r->json, paced)
                                        : sim::run_scenario(r->file, *scenario, r->json);
    if (result.exit_status == 2) return;  // refused before it ran: nothing to write
    if (r->netstat) fmt::print("{}", netstat_of(*scenario->world, r->json));
    sim::World& world = *scenario->world;
    if (auto written = report.write(*report_file, "finwait sim run " + r->file, world, world.recorder().records(),
                                    world.now());
        !written)
      fail_with(written.error(), 1);
    if (auto written = captures.commit(); !written) fail_with(written.error(), 1);
  });
}

}  // namespace finwait::tools
