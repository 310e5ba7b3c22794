// Durations as people write them: "500ms", "600s", "10m", "2h", "1d".
#pragma once

#include <optional>
#include <string_view>

#include "time/instant.h"

namespace finwait {

// A whole number followed by a unit (us, ms, s, m, h, d); nullopt otherwise.
std::optional<Duration> parse_duration(std::string_view text);

}  // namespace finwait
