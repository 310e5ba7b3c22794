// An optional Duration in the space of one (8 bytes where std::optional
// takes 16): a per-socket setting that is either given or left to the
// tunable. SocketOptions holds three, and every socket and every connection
// holds a SocketOptions. The smallest int64 marks "none": no duration set
// through the API comes near it.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

#include "time/instant.h"

namespace finwait {

class OptionalDuration {
 public:
  constexpr OptionalDuration() = default;
  constexpr OptionalDuration(std::nullopt_t) {}  // NOLINT: as std::optional converts
  constexpr OptionalDuration(Duration d) : ns_(d.nanoseconds()) {}  // NOLINT: as std::optional converts
  constexpr OptionalDuration(const std::optional<Duration>& d)      // NOLINT: as std::optional converts
      : ns_(d ? d->nanoseconds() : k_none) {}

  constexpr bool has_value() const { return ns_ != k_none; }
  constexpr explicit operator bool() const { return has_value(); }
  // Only when has_value().
  constexpr Duration operator*() const { return Duration::from_nanoseconds(ns_); }
  constexpr Duration value_or(Duration otherwise) const { return has_value() ? **this : otherwise; }
  constexpr void reset() { ns_ = k_none; }
  constexpr bool operator==(const OptionalDuration&) const = default;

 private:
  static constexpr std::int64_t k_none = std::numeric_limits<std::int64_t>::min();
  std::int64_t ns_ = k_none;
};

}  // namespace finwait
