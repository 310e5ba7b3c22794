// Any bytes as a scenario file: the loader never crashes; it refuses with a
// message that names the file, or gives a world that runs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/check.h"
#include "sim/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace finwait;
  if (size > 4096) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto scenario = sim::parse_scenario(text, "fuzz.toml");
  if (!scenario) {
    FINWAIT_CHECK(scenario.error().starts_with("fuzz.toml"));
    return 0;
  }
  // A short run: what loaded must also run (bounded, so each input stays cheap).
  scenario->world->run_until(std::min(scenario->until, Instant{} + seconds(5)));
  return 0;
}
