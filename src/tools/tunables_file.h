// The persisted tunables (DESIGN.md "Tunables"): a TOML file that
// `finwait no -p` and `-r` write and `finwait serve` reads at start, as AIX
// keeps /etc/tunables/nextboot. Values by AIX name in native units:
//
//   [tunables]
//   tcp_finwait2 = 1200   # 1200 half-seconds (600s)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/tunables.h"

namespace finwait::tools {

inline constexpr const char* k_default_tunables_file = "/etc/finwait/tunables.toml";

struct TunablesFile {
  // In file order; each name known and each value in range (checked on read).
  std::vector<std::pair<std::string, std::int64_t>> values;

  const std::int64_t* find(std::string_view name) const;
  void set(const std::string& name, std::int64_t value);
  void erase(std::string_view name);
};

// A file that does not exist reads as empty; anything else wrong with it is
// an error naming the file and the place.
Result<TunablesFile, std::string> read_tunables_file(const std::string& path);
// Written whole or not at all (a temporary file renamed into place).
Result<bool, std::string> write_tunables_file(const std::string& path, const TunablesFile& file);
// Sets each value, then checks that they agree (Tunables::inconsistency()).
Result<bool, std::string> apply_tunables_file(const TunablesFile& file, Tunables& tunables, const std::string& path);

}  // namespace finwait::tools
