// The operator's tunables: one registry, one row per tunable (DESIGN.md
// "Tunables"). Names follow AIX `no` where AIX has one (tcp_finwait2,
// tcp_keepidle, ...), with the Linux sysctl name as an alias (tcp_fin_timeout,
// tcp_keepalive_time, ...). Each alias keeps its own unit, so
// `tcp_fin_timeout=2` is 2 seconds and `tcp_finwait2=240` is 120 seconds.
//
// Each stack owns one Tunables; connections read it when they arm a timer, so
// a change takes effect at once for new timers.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "time/instant.h"

namespace finwait {

enum class Profile : std::uint8_t { aix, linux, rfc793 };

std::string_view to_string(Profile profile);
std::optional<Profile> parse_profile(std::string_view name);

enum class TunableUnit : std::uint8_t {
  half_seconds,     // AIX's timer unit (tcp_finwait2=1200 is 600 s)
  fifteen_seconds,  // AIX tcp_timewait
  seconds,
  milliseconds,
  count,
  boolean,
  bytes,
};

std::string_view to_string(TunableUnit unit);

enum class TunableId : std::uint8_t {
  tcp_finwait2,
  tcp_finwait2_halfclosed,
  tcp_keepidle,
  tcp_keepintvl,
  tcp_keepcnt,
  tcp_keepinit,
  tcp_timewait,
  tcp_syn_retries,
  tcp_synack_retries,
  tcp_retries2,
  tcp_orphan_retries,
  tcp_rto_initial,
  tcp_rto_min,
  tcp_rto_max,
  tcp_delack_min,
  tcp_nodelayack,
  tcp_early_retrans,
  tcp_rfc1337,
  tcp_timestamps,
  tcp_window_scaling,
  sack,
  tcp_mssdflt,
  tcp_sendspace,
  tcp_recvspace,
  tcp_rmem_max,
  tcp_max_parked,
  tcp_challenge_ack_limit,
  tcp_invalid_ratelimit,
  tcp_ephemeral_low,
  tcp_ephemeral_high,
  tcp_dsack,
  tcp_reordering,
  tcp_max_reordering,
  tcp_recovery,
  tcp_congestion_control,
  tcp_slow_start_after_idle,
  tcp_fastopen,
  tcp_ecn,
  tcp_ecn_fallback,
};

inline constexpr int k_tunable_count = static_cast<int>(TunableId::tcp_ecn_fallback) + 1;

// tcp_congestion_control's values (it also takes the names).
inline constexpr std::int64_t k_congestion_reno = 0;
inline constexpr std::int64_t k_congestion_cubic = 1;

struct TunableDefinition {
  TunableId id;
  std::string_view name;         // AIX spelling where AIX has one
  std::string_view linux_alias;  // empty when Linux has none
  TunableUnit unit;              // of name
  TunableUnit alias_unit;        // of linux_alias
  std::int64_t default_aix;      // in `unit`
  std::int64_t default_linux;
  std::int64_t default_rfc793;
  std::int64_t minimum;
  std::int64_t maximum;
  bool at_once;  // true: applies to timers armed after the change; false: to new connections
  std::string_view help;

  std::int64_t default_for(Profile profile) const;
};

class Tunables {
 public:
  explicit Tunables(Profile profile = Profile::linux);

  static std::span<const TunableDefinition> definitions();
  static const TunableDefinition& definition(TunableId id);
  // By name or Linux alias; `via_alias` says which matched.
  static const TunableDefinition* find(std::string_view name, bool* via_alias = nullptr);

  Profile profile() const { return profile_; }
  std::int64_t get(TunableId id) const { return values_[static_cast<int>(id)]; }
  // Time tunables as a Duration (zero means "no timer").
  Duration duration(TunableId id) const;
  bool enabled(TunableId id) const { return get(id) != 0; }

  // Sets by name or alias from text: "1200" in the name's native unit, or
  // with a unit suffix ("600s", "10m", "2h", "500ms"). An alias takes a plain
  // number in the alias's unit. Errors name the tunable, the range and the unit.
  Result<std::int64_t, std::string> set(std::string_view name, std::string_view text);
  // Sets a native value, checked against the range.
  Result<std::int64_t, std::string> set(TunableId id, std::int64_t native_value);
  void reset(TunableId id) { values_[static_cast<int>(id)] = definition(id).default_for(profile_); }
  // Values that are each in range but contradict each other (tcp_rto_min
  // above tcp_rto_max, an inverted ephemeral range): what is wrong, or nothing.
  std::optional<std::string> inconsistency() const;
  // The value as the alias shows it (Linux units), for `sysctl` reads.
  std::int64_t get_in_alias_unit(TunableId id) const;

 private:
  Profile profile_;
  std::int64_t values_[k_tunable_count];
};

// Up to three known names (AIX or Linux) closest to a mistyped one.
std::vector<std::string_view> closest_tunable_names(std::string_view name);
// "tcp_finwait3: no such tunable; did you mean tcp_finwait2? (...)".
std::string unknown_tunable_message(std::string_view name);

// "1200 half-seconds (600s)" and the like, for `no` listings and messages.
std::string format_tunable_value(const TunableDefinition& definition, std::int64_t native_value);

}  // namespace finwait
