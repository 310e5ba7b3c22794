// Back-quoted commands (SCRIPTS.md 6). No shell is ever run: each command is
// recognised and carried out on the stack's tunables.
#include <algorithm>
#include <array>
#include <sstream>

#include <fmt/format.h>

#include "script/runner.h"
#include "script/shell_arithmetic.h"

namespace finwait::script {
namespace {

// Linux sysctls that packetdrill scripts set and that have no counterpart in
// finwait (congestion control, recovery and pacing details): accepted, no effect.
constexpr std::array<std::string_view, 12> k_inert_sysctls = {
    "tcp_frto",
    "tcp_fack",
    "tcp_tso_win_divisor",
    "tcp_ecn",
    "tcp_pacing_ss_ratio",
    "tcp_pacing_ca_ratio",
    "tcp_notsent_lowat",
    "tcp_min_tso_segs",
    "tcp_fastopen",
    "tcp_autocorking",
    "tcp_mtu_probing",
    "tcp_no_metrics_save",
};

std::vector<std::string> words(const std::string& text) {
  // Splits on blanks, keeping "quoted strings" whole (without the quotes).
  std::vector<std::string> out;
  std::string current;
  bool quoted = false;
  bool any = false;
  for (char c : text) {
    if (c == '"' || c == '\'') {
      quoted = !quoted;
      any = true;
    } else if (!quoted && (c == ' ' || c == '\t')) {
      if (any) out.push_back(current);
      current.clear();
      any = false;
    } else {
      current += c;
      any = true;
    }
  }
  if (any) out.push_back(current);
  return out;
}

// "a | b | c" into its stages, a quoted '|' left alone.
std::vector<std::string> split_pipeline(const std::string& text) {
  std::vector<std::string> stages(1);
  char quote = 0;
  for (char c : text) {
    if (quote == 0 && (c == '"' || c == '\'')) {
      quote = c;
    } else if (c == quote) {
      quote = 0;
    } else if (quote == 0 && c == '|') {
      stages.emplace_back();
      continue;
    }
    stages.back() += c;
  }
  return stages;
}

}  // namespace

void Runner::command(const std::string& text, int line) {
  std::string piece;
  std::vector<std::string> commands;
  for (char c : text) {
    if (c == ';' || c == '\n') {
      commands.push_back(piece);
      piece.clear();
    } else {
      piece += c;
    }
  }
  commands.push_back(piece);
  Tunables& tunables = stack_->tunables();
  for (const std::string& raw : commands) {
    const auto expanded = expand_arithmetic(raw);
    if (!expanded) failure(line, expanded.error());
    const std::vector<std::string> w = words(*expanded);
    if (w.empty()) continue;
    if (w[0] == "nstat") {
      std::vector<std::vector<std::string>> stages;
      for (const std::string& stage : split_pipeline(*expanded)) stages.push_back(words(stage));
      if (!nstat_pipeline(stages, line)) failure(line, fmt::format("command failed (status 1): {}", raw));
      continue;
    }
    if (w.size() == 1 && w[0].ends_with("defaults.sh")) {
      // packetdrill's defaults.sh sets Linux's production baseline: the linux profile.
      tunables = Tunables(Profile::linux);
      trace(fmt::format("{}: the linux profile's baseline (defaults.sh)", line));
      continue;
    }
    // The kernel selftests' form of sysctl: set_sysctls.py /proc/sys/net/ipv4/NAME=VALUE,
    // and the restore script it leaves behind (a fresh stack per script needs none).
    if (w[0].ends_with("set_sysctls.py") || w[0] == "sysctl") {
      for (std::size_t i = 1; i < w.size(); ++i) {
        if (w[i].starts_with("-")) continue;  // -q, -w, -e
        const std::size_t eq = w[i].find('=');
        if (eq == std::string::npos) failure(line, fmt::format("sysctl: '{}' is not NAME=VALUE", w[i]));
        std::string name = w[i].substr(0, eq);
        const std::string value = w[i].substr(eq + 1);
        for (std::string_view prefix :
             {"/proc/sys/net/ipv4/", "/proc/sys/net/core/", "net.ipv4.", "net/ipv4/", "net.core."}) {
          if (name.starts_with(prefix)) name = name.substr(prefix.size());
        }
        if (name == "tcp_rmem" || name == "tcp_wmem") {
          // "min default max": the default sizes the buffer; the maximum of
          // tcp_rmem sets the window scale.
          std::istringstream in(value);
          std::int64_t low = 0, middle = 0, high = 0;
          if (!(in >> low >> middle >> high))
            failure(line, fmt::format("sysctl {}: expected \"min default max\"", name));
          auto r =
              tunables.set(name == "tcp_rmem" ? TunableId::tcp_recvspace : TunableId::tcp_sendspace, middle);
          if (!r) failure(line, r.error());
          if (name == "tcp_rmem") {
            auto m = tunables.set(TunableId::tcp_rmem_max, high);
            if (!m) failure(line, m.error());
          }
          continue;
        }
        if (std::find(k_inert_sysctls.begin(), k_inert_sysctls.end(), name) != k_inert_sysctls.end()) {
          trace(fmt::format("{}: sysctl {} has no effect in finwait", line, name));
          continue;
        }
        if (Tunables::find(name) == nullptr) {
          failure(line, fmt::format("unsupported command: sysctl {} (no such tunable in finwait)", name));
        }
        auto r = tunables.set(name, value);
        if (!r) failure(line, r.error());
      }
      continue;
    }
    if (w.size() == 1 && w[0].find("sysctl_restore") != std::string::npos && w[0].ends_with(".sh")) {
      trace(fmt::format("{}: {}: nothing to restore in a fresh stack", line, w[0]));
      continue;
    }
    if (w[0] == "finwait" && w.size() >= 2 && w[1] == "no") {
      for (std::size_t i = 2; i < w.size(); ++i) {
        if (w[i] == "-o" || w[i] == "-p" || w[i] == "-r") continue;  // -p, -r: persist; a script runs once
        if (w[i] == "-D") {  // every tunable back to its default (AIX `no -D`)
          tunables = Tunables(tunables.profile());
          continue;
        }
        if (w[i] == "-d") {  // one tunable back to its default (AIX `no -d NAME`)
          if (i + 1 >= w.size()) failure(line, "finwait no -d: which tunable?");
          const TunableDefinition* d = Tunables::find(w[++i]);
          if (d == nullptr) failure(line, fmt::format("{}: no such tunable", w[i]));
          tunables.reset(d->id);
          continue;
        }
        const std::size_t eq = w[i].find('=');
        if (eq == std::string::npos) failure(line, fmt::format("finwait no: '{}' is not NAME=VALUE", w[i]));
        auto r = tunables.set(w[i].substr(0, eq), w[i].substr(eq + 1));
        if (!r) failure(line, r.error());
      }
      continue;
    }
    failure(line,
            fmt::format("unsupported command: {} (finwait runs defaults.sh, sysctl -q net.ipv4.NAME=VALUE "
                        "and finwait no -o NAME=VALUE; no shell)",
                        raw));
  }
}

}  // namespace finwait::script
