// `nstat` in a back-quoted command, and what its output is piped through
// (grep), as the kernel's selftests use them:
//   `nstat -n`                                          (start counting)
//   `nstat | grep TcpExtBeyondWindow | grep -q " 3 "`   (fails unless 3)
// Counters are the stack's, under nstat's names (stack::nstat_name). Like
// nstat, each run shows what changed since the last run that kept history.
#include <fnmatch.h>

#include <regex>

#include <fmt/format.h>

#include "script/runner.h"

namespace finwait::script {

bool Runner::nstat_pipeline(const std::vector<std::vector<std::string>>& stages, int line) {
  const std::vector<std::string>& nstat = stages.front();
  bool absolute = false, zeros = false, keep_history = true, print = true;
  std::vector<std::string> patterns;
  for (std::size_t i = 1; i < nstat.size(); ++i) {
    const std::string& w = nstat[i];
    if (w == "-n" || w == "--nooutput") {
      print = false;
    } else if (w == "-a" || w == "--ignore") {
      absolute = true;
    } else if (w == "-z" || w == "--zeros") {
      zeros = true;
    } else if (w == "-s" || w == "--no-update") {
      keep_history = false;
    } else if (w == "-r" || w == "--reset") {
      nstat_history_.clear();
    } else if (w.starts_with("-")) {
      failure(line, fmt::format("nstat: option {} is not one finwait knows (-n, -a, -z, -s, -r)", w));
    } else {
      patterns.push_back(w);
    }
  }
  std::vector<std::string> lines;
  stack_->counters().for_each([&](const stack::Counters::Row& row) {
    const std::string name = stack::nstat_name(row.name);
    const std::uint64_t before = nstat_history_[name];
    const std::uint64_t shown = absolute ? row.value : row.value - std::min(before, row.value);
    if (keep_history) nstat_history_[name] = row.value;
    if (shown == 0 && !zeros) return;
    if (!patterns.empty() && std::none_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
          return fnmatch(p.c_str(), name.c_str(), 0) == 0;
        })) {
      return;
    }
    lines.push_back(fmt::format("{:<32}{:<16}{:>6.1f}", name, shown, 0.0));
  });
  if (!print) lines.clear();
  for (std::size_t s = 1; s < stages.size(); ++s) {
    const std::vector<std::string>& grep = stages[s];
    if (grep.empty() || grep[0] != "grep") {
      failure(line, fmt::format("unsupported command: nstat piped into '{}' (finwait pipes nstat into grep only)",
                                grep.empty() ? "" : grep[0]));
    }
    bool quiet = false, invert = false, word = false, count = false, fixed = false, ignore_case = false;
    std::optional<std::string> pattern;
    for (std::size_t i = 1; i < grep.size(); ++i) {
      const std::string& w = grep[i];
      if (!pattern && w.size() > 1 && w[0] == '-') {
        for (char c : w.substr(1)) {
          switch (c) {
            case 'q': quiet = true; break;
            case 'v': invert = true; break;
            case 'w': word = true; break;
            case 'c': count = true; break;
            case 'F': fixed = true; break;
            case 'i': ignore_case = true; break;
            case 'E': break;  // std::regex's ECMAScript reads extended patterns
            default: failure(line, fmt::format("grep: option -{} is not one finwait knows (-q -v -w -c -F -i -E)", c));
          }
        }
      } else if (!pattern) {
        pattern = w;
      } else {
        failure(line, fmt::format("grep: '{}': finwait's grep reads its input only", w));
      }
    }
    if (!pattern) failure(line, "grep: no pattern");
    std::string expression = *pattern;
    if (fixed) expression = std::regex_replace(expression, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)");
    if (word) expression = "\\b(" + expression + ")\\b";
    std::regex regex;
    try {
      regex = std::regex(expression, ignore_case ? std::regex::ECMAScript | std::regex::icase : std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      failure(line, fmt::format("grep: '{}' is not a pattern finwait can read", *pattern));
    }
    std::vector<std::string> kept;
    for (const std::string& l : lines) {
      if (std::regex_search(l, regex) != invert) kept.push_back(l);
    }
    const bool matched = !kept.empty();
    lines = count ? std::vector<std::string>{std::to_string(kept.size())} : kept;
    if (quiet) lines.clear();
    if (!matched) return false;  // grep's status 1 ends the pipeline's success
  }
  for (const std::string& l : lines) trace(fmt::format("{}: {}", line, l));
  return true;
}

}  // namespace finwait::script
