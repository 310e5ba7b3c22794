#include "tools/tunables_file.h"

#include <sys/stat.h>

#include <algorithm>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "base/output_file.h"
#include "base/quote.h"
#include "base/text_file.h"

namespace finwait::tools {

const std::int64_t* TunablesFile::find(std::string_view name) const {
  for (const auto& [n, v] : values) {
    if (n == name) return &v;
  }
  return nullptr;
}

void TunablesFile::set(const std::string& name, std::int64_t value) {
  for (auto& [n, v] : values) {
    if (n == name) {
      v = value;
      return;
    }
  }
  values.emplace_back(name, value);
}

void TunablesFile::erase(std::string_view name) {
  std::erase_if(values, [&](const auto& entry) { return entry.first == name; });
}

Result<TunablesFile, std::string> read_tunables_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return TunablesFile{};
  auto text = read_text_file(path, 1 << 20);
  if (!text) return fail(text.error());
  toml::table root;
  try {
    root = toml::parse(*text, path);
  } catch (const toml::parse_error& e) {
    return fail(fmt::format("{}:{}:{}: {}", path, e.source().begin.line, e.source().begin.column, e.description()));
  }
  auto where = [&](const toml::node& node) {
    return fmt::format("{}:{}:{}", path, node.source().begin.line, node.source().begin.column);
  };
  for (const auto& [key, node] : root) {
    if (key.str() != "tunables")
      return fail(fmt::format("{}: unknown key '{}' (the file holds one [tunables] table)", where(node),
                              quote_for_message(std::string(key.str()))));
  }
  TunablesFile file;
  const toml::node* table_node = root.get("tunables");
  if (table_node == nullptr) return file;
  const toml::table* table = table_node->as_table();
  if (table == nullptr) return fail(fmt::format("{}: expected a [tunables] table", where(*table_node)));
  for (const auto& [key, node] : *table) {
    const std::string name(key.str());
    const TunableDefinition* d = Tunables::find(name);
    if (d == nullptr || d->name != name)
      return fail(fmt::format("{}: {}", where(node), d == nullptr ? unknown_tunable_message(name)
                                                                   : fmt::format("write {} by its AIX name, {}",
                                                                                 name, d->name)));
    const auto* value = node.as_integer();
    if (value == nullptr)
      return fail(fmt::format("{}: {}: expected a whole number in {}", where(node), name, to_string(d->unit)));
    if (value->get() < d->minimum || value->get() > d->maximum)
      return fail(fmt::format("{}: {} = {}: out of range {}..{} {}", where(node), name, value->get(), d->minimum,
                              d->maximum, to_string(d->unit)));
    file.set(name, value->get());
  }
  return file;
}

Result<bool, std::string> write_tunables_file(const std::string& path, const TunablesFile& file) {
  auto out = OutputFile::create(path);
  if (!out) return fail(out.error());
  std::string text =
      "# finwait tunables: written by `finwait no -p` and `-r`, read by `finwait serve` at start.\n"
      "# Values in each tunable's native unit (`finwait no -h NAME`).\n[tunables]\n";
  for (const auto& [name, value] : file.values) {
    const TunableDefinition* d = Tunables::find(name);
    text += fmt::format("{} = {}  # {}\n", name, value, d ? format_tunable_value(*d, value) : "");
  }
  if (std::fwrite(text.data(), 1, text.size(), out->stream()) != text.size())
    return fail(fmt::format("{}: cannot write", path));
  return out->commit();
}

Result<bool, std::string> apply_tunables_file(const TunablesFile& file, Tunables& tunables, const std::string& path) {
  for (const auto& [name, value] : file.values) {
    const TunableDefinition* d = Tunables::find(name);
    if (d == nullptr) return fail(fmt::format("{}: {}", path, unknown_tunable_message(name)));
    if (auto r = tunables.set(d->id, value); !r) return fail(fmt::format("{}: {}", path, r.error()));
  }
  if (auto bad = tunables.inconsistency()) return fail(fmt::format("{}: {}", path, *bad));
  return true;
}

}  // namespace finwait::tools
