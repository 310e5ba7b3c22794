// A back-quoted pipeline of text, carried out on the stack itself (no shell):
// a source, then grep stages.
//   nstat [...] | grep ...                      the stack's counters
//   cat /proc/net/tcp                           its sockets, as Linux lists them
//   grep PATTERN /proc/net/tcp /proc/net/tcp6 | grep ...
// The status is the last stage's, and any grep that selects nothing fails
// the pipeline, as `set -o pipefail` would have it: the corpus only ever
// pipes grep into grep, where the two agree.
#include <fmt/format.h>

#include "script/grep_filter.h"
#include "script/proc_net_tcp.h"
#include "script/runner.h"

namespace finwait::script {

bool Runner::text_pipeline(const std::vector<std::vector<std::string>>& stages, int line) {
  auto read_file = [&](const std::string& path) -> std::optional<std::vector<std::string>> {
    if (!is_proc_net_tcp(path)) return std::nullopt;
    return proc_net_tcp_lines(path, *stack_, now_);
  };
  std::vector<std::string> lines;
  std::size_t first_filter = 1;
  const std::vector<std::string>& source = stages.front();
  if (source[0] == "nstat") {
    lines = nstat_lines(source, line);
  } else if (source[0] == "cat") {
    for (std::size_t i = 1; i < source.size(); ++i) {
      auto file = read_file(source[i]);
      if (!file) failure(line, fmt::format("cat: {}: finwait shows /proc/net/tcp and /proc/net/tcp6 only", source[i]));
      lines.insert(lines.end(), file->begin(), file->end());
    }
  } else {
    first_filter = 0;  // grep reading files
  }
  for (std::size_t s = first_filter; s < stages.size(); ++s) {
    const std::vector<std::string>& stage = stages[s];
    if (stage.empty() || stage[0] != "grep") {
      failure(line, fmt::format("unsupported command: a pipe into '{}' (finwait pipes text into grep only)",
                                stage.empty() ? "" : stage[0]));
    }
    auto grep = parse_grep(stage);
    if (!grep) failure(line, grep.error());
    if (s == 0 && grep->files.empty()) failure(line, "grep: no file to read (finwait's grep reads /proc/net/tcp)");
    if (s > 0 && !grep->files.empty()) failure(line, fmt::format("grep: '{}': a grep after a pipe reads the pipe", grep->files[0]));
    auto out = run_grep(*grep, lines, read_file);
    if (!out) failure(line, out.error());
    lines = std::move(out->lines);
    if (!out->matched) return false;  // grep's status 1
  }
  for (const std::string& l : lines) trace(fmt::format("{}: {}", line, l));
  return true;
}

}  // namespace finwait::script
