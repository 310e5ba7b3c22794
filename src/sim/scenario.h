// Scenario files (TOML, read with toml++): hosts, links with faults, crashes
// and reboots, and the applications of sim/apps.h. `finwait sim run FILE`.
// examples/*.toml show every key.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "sim/world.h"

namespace finwait::sim {

class ClientApp;

struct Scenario {
  std::unique_ptr<World> world;
  Instant until;
  std::vector<const ClientApp*> clients;  // owned by the world, for the verdict
};

// Errors name the file, the place and what is allowed.
Result<Scenario, std::string> load_scenario(const std::string& path);
// The same from text; `path` names it in messages.
Result<Scenario, std::string> parse_scenario(std::string_view text, const std::string& path);

// Runs a loaded scenario and prints the timeline (or JSON) and the verdict; 0.
int run_scenario(const std::string& path, Scenario& scenario, bool json);
// The pieces of run_scenario for a caller that runs the world itself (a
// paced run): prints the records from index `printed` on and returns how
// many there are now; then, at the end, what is still open and the clients' tally.
std::size_t print_new_records(const World& world, std::size_t printed, bool json);
int finish_scenario(const std::string& path, Scenario& scenario, bool json);

}  // namespace finwait::sim
