// Runs a parsed script against a finwait stack in virtual time (SCRIPTS.md).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "script/script.h"

namespace finwait::script {

struct RunOptions {
  // Options as on a header line (name, value); a script's own header wins.
  std::vector<std::pair<std::string, std::string>> options;
  bool verbose = false;
};

struct ScriptResult {
  bool passed = false;
  int line = 0;                    // where it failed
  std::string message;             // what was expected / what was seen
  std::vector<std::string> trace;  // with verbose: every event and segment
  std::uint64_t parked = 0;        // connections the stack parked (ParkingMode)
};

ScriptResult run_script(const Script& script, const RunOptions& options);

}  // namespace finwait::script
