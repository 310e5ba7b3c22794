// A link between two hosts and what it does to frames: delay, rate, loss,
// reordering, duplication, corruption, and partitions over intervals of time.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "time/instant.h"

namespace finwait::sim {

struct Partition {
  Instant from;
  Instant until;  // frames sent in [from, until) are lost
};

struct LinkConfig {
  std::string a;  // host names
  std::string b;
  Duration delay = milliseconds(10);
  std::uint64_t rate_bits_per_second = 0;  // 0: no serialisation delay
  double loss = 0;                         // probability a frame is lost
  double duplicate = 0;                    // probability a frame arrives twice
  double corrupt = 0;                      // probability one byte is flipped (the checksum will catch it)
  double reorder = 0;                      // probability a frame is held back by up to reorder_delay
  Duration reorder_delay = milliseconds(20);
  std::vector<Partition> partitions;
};

}  // namespace finwait::sim
