// `nstat` in a back-quoted command, as the kernel's selftests use it:
//   `nstat -n`                                          (start counting)
//   `nstat | grep TcpExtBeyondWindow | grep -q " 3 "`   (fails unless 3;
//                                                        the pipe: script_pipeline.cpp)
// Counters are the stack's, under nstat's names (stack::nstat_name). Like
// nstat, each run shows what changed since the last run that kept history.
#include <fnmatch.h>

#include <fmt/format.h>

#include "script/runner.h"

namespace finwait::script {

std::vector<std::string> Runner::nstat_lines(const std::vector<std::string>& nstat, int line) {
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
  return lines;
}

}  // namespace finwait::script
