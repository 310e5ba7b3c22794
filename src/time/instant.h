// Time as strong types: Duration and Instant, both in nanoseconds (one unit
// for the whole tree). Instants come from outside (STYLE.md rule 3): the
// simulator's virtual clock or the event loop's monotonic clock. Nothing below
// the event loop reads a clock.
#pragma once

#include <compare>
#include <cstdint>
#include <iosfwd>
#include <limits>
#include <string>

namespace finwait {

class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration from_nanoseconds(std::int64_t ns) { return Duration(ns); }
  static constexpr Duration max() { return Duration(std::numeric_limits<std::int64_t>::max()); }

  constexpr std::int64_t nanoseconds() const { return ns_; }
  constexpr std::int64_t microseconds() const { return ns_ / 1000; }
  constexpr std::int64_t milliseconds() const { return ns_ / 1'000'000; }
  constexpr double seconds_double() const { return static_cast<double>(ns_) / 1e9; }
  constexpr bool is_zero() const { return ns_ == 0; }

  constexpr Duration operator+(Duration other) const { return Duration(ns_ + other.ns_); }
  constexpr Duration operator-(Duration other) const { return Duration(ns_ - other.ns_); }
  constexpr Duration operator*(std::int64_t factor) const { return Duration(ns_ * factor); }
  constexpr Duration operator/(std::int64_t divisor) const { return Duration(ns_ / divisor); }
  constexpr Duration& operator+=(Duration other) {
    ns_ += other.ns_;
    return *this;
  }
  constexpr auto operator<=>(const Duration&) const = default;

 private:
  constexpr explicit Duration(std::int64_t ns) : ns_(ns) {}
  std::int64_t ns_ = 0;
};

constexpr Duration nanoseconds(std::int64_t n) {
  return Duration::from_nanoseconds(n);
}
constexpr Duration microseconds(std::int64_t n) {
  return Duration::from_nanoseconds(n * 1000);
}
constexpr Duration milliseconds(std::int64_t n) {
  return Duration::from_nanoseconds(n * 1'000'000);
}
constexpr Duration seconds(std::int64_t n) {
  return Duration::from_nanoseconds(n * 1'000'000'000);
}
constexpr Duration minutes(std::int64_t n) {
  return seconds(n * 60);
}
constexpr Duration hours(std::int64_t n) {
  return seconds(n * 3600);
}

class Instant {
 public:
  constexpr Instant() = default;
  static constexpr Instant from_nanoseconds(std::int64_t ns) { return Instant(ns); }
  // Later than any real deadline: "no timer".
  static constexpr Instant never() { return Instant(std::numeric_limits<std::int64_t>::max()); }

  constexpr std::int64_t nanoseconds() const { return ns_; }
  constexpr Duration since_epoch() const { return Duration::from_nanoseconds(ns_); }

  constexpr Instant operator+(Duration d) const {
    // Saturate, so that now + Duration::max() is never() rather than a wrap.
    if (d.nanoseconds() > 0 && ns_ > std::numeric_limits<std::int64_t>::max() - d.nanoseconds())
      return never();
    return Instant(ns_ + d.nanoseconds());
  }
  constexpr Instant operator-(Duration d) const { return Instant(ns_ - d.nanoseconds()); }
  constexpr Duration operator-(Instant other) const { return Duration::from_nanoseconds(ns_ - other.ns_); }
  constexpr auto operator<=>(const Instant&) const = default;

 private:
  constexpr explicit Instant(std::int64_t ns) : ns_(ns) {}
  std::int64_t ns_ = 0;
};

// "1h59m00s", "600.000s", "75ms": for timelines, netstat and test messages.
std::string format_duration(Duration d);

// So that test failures print times, not bytes.
std::ostream& operator<<(std::ostream& out, Duration d);
std::ostream& operator<<(std::ostream& out, Instant t);

}  // namespace finwait
