// `finwait script [--profile P] [--lenient] [--verbose] [--json] FILE|DIR...`:
// runs packetdrill-dialect scripts (SCRIPTS.md) against a stack in virtual time.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/text_file.h"
#include "script/script.h"
#include "script/script_defines.h"
#include "script/script_options.h"
#include "script/script_runner.h"
#include "tools/command.h"

namespace finwait::tools {
namespace {

struct ScriptOptions {
  std::vector<std::string> paths;
  std::string profile;
  bool lenient = false;
  bool verbose = false;
  bool json = false;
  std::string tolerance_usecs;
  std::string tolerance_percent;
  std::string ts_tick_usecs;
  std::string parking;
  // packetdrill's command line (its config.c), as run_all.py gives it.
  std::string ip_version;
  std::string local_ip;
  std::string remote_ip;
  std::string gateway_ip;
  std::string netmask_ip;
  std::string mtu;
  std::string mss;
  std::string bind_port;
  std::string connect_port;
  std::vector<std::string> defines;
  bool strict_segments = false;
  bool send_omit_free = false;
};

int run_scripts(const ScriptOptions& o) {
  namespace fs = std::filesystem;
  // Every file first; a directory gives its *.pkt files, sorted. Anything
  // unreadable is refused before any script runs.
  std::vector<std::string> files;
  for (const std::string& path : o.paths) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec) {
      fmt::print(stderr, "finwait script: {}: {}\n", path, ec.message());
      return 2;
    }
    if (fs::is_directory(status)) {
      std::vector<std::string> found;
      fs::recursive_directory_iterator it(path, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        std::error_code type_error;
        if (it->path().extension() == ".pkt" && it->is_regular_file(type_error)) found.push_back(it->path().string());
      }
      if (ec) {
        fmt::print(stderr, "finwait script: {}: {}\n", path, ec.message());
        return 2;
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) {
        fmt::print(stderr, "finwait script: {}: no .pkt scripts in this directory\n", path);
        return 2;
      }
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(path);  // read_text_file() refuses what is not a file
    }
  }
  script::Definitions definitions;
  for (const std::string& d : o.defines) {
    std::pair<std::string, std::string> split;
    if (!script::split_definition(d, &split)) {
      fmt::print(stderr, "finwait script: -D '{}': a definition is NAME=VALUE\n", d);
      return 2;
    }
    definitions.push_back(std::move(split));
  }
  // Parse them all before running any: a syntax error runs nothing.
  std::vector<script::Script> scripts;
  bool syntax_errors = false;
  for (const std::string& file : files) {
    auto text = read_text_file(file);
    if (!text) {
      fmt::print(stderr, "finwait script: {}\n", text.error());
      syntax_errors = true;
      continue;
    }
    auto parsed = script::parse_script(file, std::move(*text), definitions);
    if (!parsed) {
      fmt::print(stderr, "{}:{}:{}: {}\n", file, parsed.error().where.line, parsed.error().where.column,
                 parsed.error().message);
      syntax_errors = true;
      continue;
    }
    scripts.push_back(std::move(*parsed));
  }
  if (syntax_errors) return 2;

  script::RunOptions run_options;
  run_options.verbose = o.verbose;
  if (!o.profile.empty()) run_options.options.emplace_back("profile", o.profile);
  if (o.lenient) run_options.options.emplace_back("lenient", "1");
  for (const auto& [name, value] : {std::pair{"tolerance_usecs", &o.tolerance_usecs},
                                     {"tolerance_percent", &o.tolerance_percent},
                                     {"tcp_ts_tick_usecs", &o.ts_tick_usecs},
                                     {"parking", &o.parking},
                                     {"ip_version", &o.ip_version},
                                     {"local_ip", &o.local_ip},
                                     {"remote_ip", &o.remote_ip},
                                     {"gateway_ip", &o.gateway_ip},
                                     {"netmask_ip", &o.netmask_ip},
                                     {"mtu", &o.mtu},
                                     {"mss", &o.mss},
                                     {"bind_port", &o.bind_port},
                                     {"connect_port", &o.connect_port}}) {
    if (!value->empty()) run_options.options.emplace_back(name, *value);
  }
  if (o.strict_segments) run_options.options.emplace_back("strict_segments", "");
  // The command line's options are checked before any script runs.
  for (const auto& [name, value] : run_options.options) {
    if (auto bad = script::check_option(name, value)) {
      fmt::print(stderr, "finwait script: {}\n", *bad);
      return 2;
    }
  }

  int passed = 0;
  int failed = 0;
  for (const script::Script& s : scripts) {
    const script::ScriptResult result = script::run_script(s, run_options);
    for (const std::string& line : result.trace) fmt::print("  {}\n", line);
    if (o.json) {
      nlohmann::json j{{"script", s.path}, {"passed", result.passed}, {"parked", result.parked}};
      if (!result.passed) {
        j["line"] = result.line;
        j["message"] = result.message;
      }
      fmt::print("{}\n", j.dump());
    } else if (result.passed) {
      fmt::print("ok {}\n", s.path);
    } else {
      fmt::print("FAIL {}:{}: {}\n", s.path, result.line, result.message);
    }
    (result.passed ? passed : failed)++;
  }
  fmt::print("{} passed, {} failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace

void add_script_command(CLI::App& app, CommandResult& result) {
  auto o = std::make_shared<ScriptOptions>();
  auto* cmd =
      app.add_subcommand("script", "Run packetdrill-dialect scripts (shared/SCRIPTS.md) in virtual time");
  cmd->add_option("paths", o->paths, "script files, or directories of .pkt files")->required();
  cmd->add_option("--profile", o->profile, "tunable defaults: linux (default), aix, rfc793")
      ->check(CLI::IsMember({"linux", "aix", "rfc793"}));
  cmd->add_flag("--lenient", o->lenient,
                "notice unexpected packets only at the next '>' line, as packetdrill");
  cmd->add_flag("-v,--verbose", o->verbose, "print every event and segment");
  cmd->add_flag("--json", o->json, "one JSON object per script");
  cmd->add_option("--tolerance_usecs", o->tolerance_usecs, "timing tolerance in microseconds (default 4000)");
  cmd->add_option("--tolerance_percent", o->tolerance_percent,
                  "timing tolerance as a share of the gap (default 12.5)");
  cmd->add_option("--tcp_ts_tick_usecs", o->ts_tick_usecs,
                  "compare TS val, at this many microseconds per tick");
  cmd->add_option("--parking", o->parking,
                  "park waiting connections: capped (by tcp_max_parked, the default), always, never")
      ->check(CLI::IsMember({"capped", "always", "never"}));
  // packetdrill's own options, so that a script runs with the command line
  // packetdrill's run_all.py gives it.
  cmd->add_option("--ip_version", o->ip_version, "ipv4 (the only one finwait scripts run over)");
  cmd->add_option("--local_ip", o->local_ip, "the stack's address (default 192.168.0.1)");
  cmd->add_option("--remote_ip", o->remote_ip, "the script's peer (default 192.0.2.1)");
  cmd->add_option("--gateway_ip", o->gateway_ip, "checked; the peer is one hop away in the simulated world");
  cmd->add_option("--netmask_ip", o->netmask_ip, "checked; as --gateway_ip");
  cmd->add_option("--mtu", o->mtu, "the device's MTU (default 1500)");
  cmd->add_option("--mss", o->mss, "the segment size inbound coalesced packets are marked with");
  cmd->add_option("--bind_port", o->bind_port, "the port bind() uses (default 8080)");
  cmd->add_option("--connect_port", o->connect_port, "the port connect() calls (default 8080)");
  cmd->add_option("-D,--define", o->defines, "NAME=VALUE: every word NAME in the scripts becomes VALUE")
      ->allow_extra_args(false);
  cmd->add_flag("--strict_segments", o->strict_segments,
                "match each '>' line with one segment (default: consecutive segments may add up to it)");
  cmd->add_flag("--send_omit_free", o->send_omit_free, "accepted: packetdrill's own memory, nothing the stack sees");
  cmd->callback([o, &result] { result.exit_status = run_scripts(*o); });
}

}  // namespace finwait::tools
