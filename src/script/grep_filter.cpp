#include "script/grep_filter.h"

#include <regex>

#include <fmt/format.h>

namespace finwait::script {

Result<GrepCommand, std::string> parse_grep(std::span<const std::string> words) {
  GrepCommand grep;
  bool have_pattern = false;
  for (std::size_t i = 1; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (!have_pattern && w.size() > 1 && w[0] == '-') {
      for (char c : w.substr(1)) {
        switch (c) {
          case 'q': grep.quiet = true; break;
          case 'v': grep.invert = true; break;
          case 'w': grep.word = true; break;
          case 'c': grep.count = true; break;
          case 'F': grep.fixed = true; break;
          case 'i': grep.ignore_case = true; break;
          case 'E': break;  // patterns are read as extended ones already
          default: return fail(fmt::format("grep: option -{} is not one finwait knows (-q -v -w -c -F -i -E)", c));
        }
      }
    } else if (!have_pattern) {
      grep.pattern = w;
      have_pattern = true;
    } else {
      grep.files.push_back(w);
    }
  }
  if (!have_pattern) return fail(std::string("grep: no pattern"));
  return grep;
}

Result<GrepOutput, std::string> run_grep(
    const GrepCommand& grep, const std::vector<std::string>& input,
    const std::function<std::optional<std::vector<std::string>>(const std::string&)>& read_file) {
  std::string expression = grep.pattern;
  if (grep.fixed) expression = std::regex_replace(expression, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)");
  if (grep.word) expression = "\\b(" + expression + ")\\b";
  std::regex regex;
  try {
    regex = std::regex(expression,
                       grep.ignore_case ? std::regex::ECMAScript | std::regex::icase : std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    return fail(fmt::format("grep: '{}' is not a pattern finwait can read", grep.pattern));
  }
  GrepOutput out;
  auto filter = [&](const std::vector<std::string>& lines, const std::string& prefix) {
    std::size_t selected = 0;
    for (const std::string& l : lines) {
      if (std::regex_search(l, regex) == grep.invert) continue;
      ++selected;
      if (!grep.count) out.lines.push_back(prefix + l);
    }
    if (grep.count) out.lines.push_back(prefix + std::to_string(selected));  // -c: a count per input
    out.matched = out.matched || selected > 0;
  };
  if (grep.files.empty()) {
    filter(input, "");
  } else {
    for (const std::string& file : grep.files) {
      const std::optional<std::vector<std::string>> lines = read_file(file);
      if (!lines) return fail(fmt::format("grep: {}: no such file in finwait's world", file));
      filter(*lines, grep.files.size() > 1 ? file + ":" : "");
    }
  }
  if (grep.quiet) out.lines.clear();
  return out;
}

}  // namespace finwait::script
