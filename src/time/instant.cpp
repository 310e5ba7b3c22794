#include "time/instant.h"

#include <ostream>

#include <fmt/format.h>

namespace finwait {

std::string format_duration(Duration d) {
  std::int64_t ns = d.nanoseconds();
  const char* sign = "";
  if (ns < 0) {
    sign = "-";
    ns = -ns;
  }
  const std::int64_t total_ms = ns / 1'000'000;
  if (ns < 1'000'000'000) {
    if (ns % 1'000'000 == 0) return fmt::format("{}{}ms", sign, total_ms);
    return fmt::format("{}{:.3f}ms", sign, static_cast<double>(ns) / 1e6);
  }
  const std::int64_t total_s = ns / 1'000'000'000;
  const std::int64_t ms = total_ms % 1000;
  if (total_s < 60) {
    if (ms == 0) return fmt::format("{}{}s", sign, total_s);
    return fmt::format("{}{}.{:03}s", sign, total_s, ms);
  }
  const std::int64_t h = total_s / 3600;
  const std::int64_t m = (total_s / 60) % 60;
  const std::int64_t s = total_s % 60;
  std::string out =
      h > 0 ? fmt::format("{}{}h{:02}m{:02}s", sign, h, m, s) : fmt::format("{}{}m{:02}s", sign, m, s);
  if (ms != 0) out.insert(out.size() - 1, fmt::format(".{:03}", ms));
  return out;
}

std::ostream& operator<<(std::ostream& out, Duration d) {
  return out << format_duration(d);
}

std::ostream& operator<<(std::ostream& out, Instant t) {
  if (t == Instant::never()) return out << "never";
  return out << "t=" << format_duration(t.since_epoch());
}

}  // namespace finwait
