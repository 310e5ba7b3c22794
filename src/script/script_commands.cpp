// Back-quoted commands (SCRIPTS.md 6). No shell is ever run: each command is
// recognised and carried out on the stack's tunables.
#include <algorithm>
#include <array>
#include <charconv>
#include <sstream>

#include <fmt/format.h>

#include "base/text_file.h"
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
    "tcp_pacing_ss_ratio",
    "tcp_pacing_ca_ratio",
    "tcp_notsent_lowat",
    "tcp_min_tso_segs",
    "tcp_autocorking",
    "tcp_mtu_probing",
    "tcp_no_metrics_save",
    "tcp_fastopen_blackhole_timeout_sec",
    "tcp_ecn_option",  // AccECN's option; AccECN is not built
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

// Redirections change nothing here: no command writes anywhere.
std::vector<std::string> without_redirections(std::vector<std::string> w) {
  std::erase_if(w, [](const std::string& word) {
    return word == ">" || word == "2>&1" || word.starts_with(">/") || word.starts_with("2>/") ||
           word.starts_with("&>") || word == "/dev/null";
  });
  return w;
}

}  // namespace

void Runner::command(const std::string& raw_text, int line) {
  // A '\' at a line's end continues it, and a word starting with '#'
  // comments out the rest of its line, as in the shell.
  std::string text;
  char quote = 0;
  for (std::size_t i = 0; i < raw_text.size(); ++i) {
    const char c = raw_text[i];
    const bool word_start = text.empty() || text.back() == ' ' || text.back() == '\t' || text.back() == '\n';
    if (quote == 0 && c == '\\' && i + 1 < raw_text.size() && raw_text[i + 1] == '\n') {
      text += ' ';
      ++i;
    } else if (quote == 0 && c == '#' && word_start) {
      while (i + 1 < raw_text.size() && raw_text[i + 1] != '\n') ++i;
    } else {
      if (quote == 0 && (c == '"' || c == '\'')) {
        quote = c;
      } else if (c == quote) {
        quote = 0;
      }
      text += c;
    }
  }
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
    std::vector<std::string> w = without_redirections(words(*expanded));
    if (w.empty()) continue;
    const bool reads_proc = std::any_of(w.begin(), w.end(), [](const std::string& word) {
      return word.starts_with("/proc/net/");
    });
    if (w[0] == "nstat" || ((w[0] == "cat" || w[0] == "grep") && reads_proc)) {
      std::vector<std::vector<std::string>> stages;
      for (const std::string& stage : split_pipeline(*expanded)) stages.push_back(without_redirections(words(stage)));
      if (stages.front().size() < 2 && w[0] != "nstat") failure(line, fmt::format("{}: which file?", w[0]));
      if (!text_pipeline(stages, line)) failure(line, fmt::format("command failed (status 1): {}", raw));
      continue;
    }
    if (w.size() == 1 && w[0].ends_with("defaults.sh")) {
      // packetdrill's defaults.sh sets Linux's production baseline: the linux
      // profile; then its sysctl lines, read from the file where it is (the
      // two corpora's differ: tcp_fastopen 0x70403 or 0x3), with names
      // finwait lacks passed over.
      tunables = Tunables(Profile::linux);
      trace(fmt::format("{}: the linux profile's baseline (defaults.sh)", line));
      if (auto file = read_text_file(w[0])) {
        std::istringstream lines(*file);
        std::string text_line;
        while (std::getline(lines, text_line)) {
          const std::vector<std::string> l = words(text_line);
          if (!l.empty() && (l[0] == "sysctl" || l[0] == "ip" || l[0] == "tc")) {
            defaults_file_ = true;
            command(text_line, line);
            defaults_file_ = false;
          }
        }
      }
      continue;
    }
    if (w[0] == "ip" && w.size() >= 3 && w[1] == "tcp_metrics" && w[2] == "flush") {
      // The kernel's TCP metrics cache holds the Fast Open cookies a client
      // learned; a fresh stack per script starts with none.
      stack_->flush_fast_open_cookies();
      continue;
    }
    if (w[0] == "tc" && w.size() >= 6 && w[1] == "qdisc" && w[3] == "dev" && w[5] == "root") {
      // The tun device's queue (SCRIPTS.md extension): pfifo [limit N];
      // limit 0 drops every packet the stack sends. del/delete removes it.
      if (w[2] == "del" || w[2] == "delete") {
        queue_limit_.reset();
        stack_->set_device_refuses(false);
        continue;
      }
      if ((w[2] == "add" || w[2] == "replace" || w[2] == "change") && w.size() >= 7 &&
          (w[6] == "pfifo" || w[6] == "bfifo" || w[6] == "pfifo_fast" || w[6] == "fq" || w[6] == "fq_codel")) {
        queue_limit_.reset();
        stack_->set_device_refuses(false);
        if (w.size() == 9 && w[7] == "limit" && w[6] == "pfifo") {
          std::uint64_t n = 0;
          auto [end, ec] = std::from_chars(w[8].data(), w[8].data() + w[8].size(), n);
          if (ec != std::errc{} || end != w[8].data() + w[8].size()) failure(line, fmt::format("tc: limit '{}' is not a number", w[8]));
          queue_limit_ = n;
          stack_->set_device_refuses(n == 0);
        } else if (w.size() != 7) {
          failure(line, fmt::format("unsupported command: {} (finwait's tc takes pfifo [limit N])", raw));
        }
        continue;
      }
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
        if (name == "tcp_fastopen_key") {
          // Linux's proc_tcp_fastopen_key: "%x-%x-%x-%x" (a backup key after a comma).
          if (!stack_->set_fastopen_keys(value)) {
            failure(line, fmt::format("sysctl tcp_fastopen_key: '{}' is not xxxxxxxx-xxxxxxxx-xxxxxxxx-xxxxxxxx", value));
          }
          continue;
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
          if (defaults_file_) {
            trace(fmt::format("{}: defaults.sh: sysctl {} has no counterpart in finwait", line, name));
            continue;
          }
          failure(line, fmt::format("unsupported command: sysctl {} (no such tunable in finwait)", name));
        }
        // sysctl takes hexadecimal too (Linux's proc_dointvec: 0x70403).
        std::string number = value;
        if (value.starts_with("0x") || value.starts_with("0X")) {
          std::uint64_t n = 0;
          auto [end, ec] = std::from_chars(value.data() + 2, value.data() + value.size(), n, 16);
          if (ec != std::errc{} || end != value.data() + value.size()) {
            failure(line, fmt::format("sysctl {}: '{}' is not a number", name, value));
          }
          number = std::to_string(n);
        }
        auto r = tunables.set(name, number);
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
