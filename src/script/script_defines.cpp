#include "script/script_defines.h"

#include <cctype>
#include <map>

namespace finwait::script {

bool split_definition(std::string_view text, std::pair<std::string, std::string>* out) {
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  *out = {std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
  return true;
}

static bool starts_word(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
}
static bool in_word(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

std::string substitute_definitions(std::string_view text, const Definitions& definitions) {
  if (definitions.empty()) return std::string(text);
  std::map<std::string, std::string, std::less<>> by_name;
  for (const auto& [name, value] : definitions) by_name[name] = value;
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      const std::size_t end = text.find('\n', i);
      const std::size_t stop = end == std::string_view::npos ? text.size() : end;
      out.append(text.substr(i, stop - i));
      i = stop;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      const std::size_t end = text.find("*/", i + 2);
      const std::size_t stop = end == std::string_view::npos ? text.size() : end + 2;
      out.append(text.substr(i, stop - i));
      i = stop;
    } else if (c == '"') {
      std::size_t j = i + 1;
      while (j < text.size() && text[j] != '"' && text[j] != '\n') j += text[j] == '\\' ? 2 : 1;
      const std::size_t stop = j < text.size() ? j + 1 : text.size();
      out.append(text.substr(i, stop - i));
      i = stop;
    } else if (starts_word(c) && (i == 0 || !in_word(text[i - 1]))) {
      std::size_t j = i;
      while (j < text.size() && in_word(text[j])) ++j;
      const std::string_view word = text.substr(i, j - i);
      const auto found = by_name.find(word);
      out.append(found == by_name.end() ? word : std::string_view(found->second));
      i = j;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

}  // namespace finwait::script
