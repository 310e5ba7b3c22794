// grep as the scripts pipe text through it (`nstat | grep -q " 3 "`,
// `grep " 0A " /proc/net/tcp /proc/net/tcp6 | grep ":1F90"`): one pattern,
// -q -v -w -c -F -i -E, and the files it reads when it starts a pipeline.
// Pure: the caller supplies each file's lines. The pattern is read as an
// extended regular expression (ECMAScript's dialect, which reads the corpus's
// patterns as GNU grep does).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace finwait::script {

struct GrepCommand {
  bool quiet = false;        // -q: no output, only the status
  bool invert = false;       // -v
  bool word = false;         // -w
  bool count = false;        // -c
  bool fixed = false;        // -F
  bool ignore_case = false;  // -i
  std::string pattern;
  std::vector<std::string> files;  // none: it reads the pipe
};

// `words` is the whole stage, "grep" first. An unknown option or a missing
// pattern is an error naming it.
Result<GrepCommand, std::string> parse_grep(std::span<const std::string> words);

struct GrepOutput {
  std::vector<std::string> lines;
  bool matched = false;  // grep's status: 0 when a line was selected
};

// Filters `input` (the pipe's lines), or each of the command's files as
// `read_file` gives them, prefixing "FILE:" when there are several, as grep
// does. An unreadable pattern or file is an error naming it.
Result<GrepOutput, std::string> run_grep(
    const GrepCommand& grep, const std::vector<std::string>& input,
    const std::function<std::optional<std::vector<std::string>>(const std::string&)>& read_file);

}  // namespace finwait::script
