// How long a connection has been busy sending, and how much of that time the
// peer's receive window held it back: Linux's chronographs (tcp_chrono_start,
// tcp_chrono_stop), read as TCP_INFO's tcpi_busy_time and tcpi_rwnd_limited.
//
// One clock runs at a time, the most telling condition's: busy (data
// queued or in flight), then rwnd-limited (the next segment does not fit the
// peer's window). Busy time is the sum of both, as in Linux. Time is kept in
// milliseconds, as Linux keeps jiffies at HZ=1000, so the state stays small.
#pragma once

#include <array>
#include <cstdint>

#include "time/instant.h"

namespace finwait::tcp {

class SendChrono {
 public:
  enum class Kind : std::uint8_t { none = 0, busy = 1, rwnd_limited = 2 };

  // A condition begins; it takes the clock only from a less telling one.
  void start(Kind kind, Instant now);
  // A condition ends: with nothing queued or in flight every clock stops,
  // else the busy clock runs if `kind` was the one running.
  void stop(Kind kind, bool queues_empty, Instant now);

  // Microseconds spent in `kind` (busy: in any kind), the running one counted up to now.
  std::uint64_t micros(Kind kind, Instant now) const;

 private:
  void set(Kind kind, Instant now);
  std::uint32_t running_ms(Instant now) const;

  Instant since_ = Instant::never();
  std::array<std::uint32_t, 2> spent_ms_{};  // busy, rwnd_limited
  Kind running_ = Kind::none;
};

}  // namespace finwait::tcp
