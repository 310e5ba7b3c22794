// Text from the user, made fit for a one-line message: control characters
// escaped (\n, \t, \xHH) and anything longer than `limit` cut with "...", so
// that a message never echoes megabytes of input or moves the cursor.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace finwait {

std::string quote_for_message(std::string_view text, std::size_t limit = 60);

}  // namespace finwait
