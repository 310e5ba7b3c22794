// Reading a file the user named, refusing what is not one: a directory, a
// FIFO (reading it could wait forever), a device, an unreadable or oversized
// file. The message names the path and says what it is instead.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "base/result.h"

namespace finwait {

inline constexpr std::size_t k_max_input_bytes = std::size_t{1} << 30;

Result<std::string, std::string> read_text_file(const std::string& path,
                                                std::size_t max_bytes = k_max_input_bytes);

// For readers that open a file themselves: what is wrong with `path` as a
// file to read ("PATH: a FIFO, not a file to read"), or nothing.
std::optional<std::string> not_a_file_to_read(const std::string& path);

}  // namespace finwait
