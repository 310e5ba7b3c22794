// Any bytes as a script: parsing never crashes, reports an error inside the
// text, and a script that parses reads back the same number of events and
// runs to a verdict (virtual time: hours cost nothing).
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/check.h"
#include "script/script.h"
#include "script/script_runner.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace finwait::script;
  if (size > 4096) return 0;  // short scripts explore the grammar; long ones only cost time
  std::string text(reinterpret_cast<const char*>(data), size);
  auto script = parse_script("fuzz.pkt", text);
  if (!script) {
    const Location where = script.error().where;
    FINWAIT_CHECK(where.line >= 1 && where.column >= 1);
    FINWAIT_CHECK(!script.error().message.empty());
    return 0;
  }
  std::size_t events = 0;
  EventReader reader(*script);
  while (reader.next()) ++events;
  FINWAIT_CHECK(events == script->event_count);
  const ScriptResult result = run_script(*script, RunOptions{});
  FINWAIT_CHECK(result.passed || !result.message.empty());
  return 0;
}
