#include "base/tunables.h"

#include <algorithm>
#include <array>
#include <vector>
#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "base/check.h"
#include "base/decimal.h"
#include "base/quote.h"
#include "time/duration_text.h"

namespace finwait {
namespace {

using U = TunableUnit;
constexpr std::int64_t k_int32_max = std::numeric_limits<std::int32_t>::max();

// Defaults: `aix` holds the seed's AIX numbers (DESIGN.md "The story"); `linux`
// holds Linux 6.x as packetdrill's defaults.sh sets it up; `rfc793` has no
// FIN_WAIT_2 timer, no keepalive beyond RFC 1122's two hours, RFC 6298 RTOs and
// no RFC 7323/2018 options. Where a profile has no opinion it takes Linux's.
constexpr std::array<TunableDefinition, k_tunable_count> k_definitions{{
    {TunableId::tcp_finwait2, "tcp_finwait2", "tcp_fin_timeout", U::half_seconds, U::seconds, 1200, 120, 0, 0,
     k_int32_max, true,
     "bound on FIN_WAIT_2 for a connection the application has closed (orphan); 0 = no timer"},
    {TunableId::tcp_finwait2_halfclosed, "tcp_finwait2_halfclosed", "", U::half_seconds, U::half_seconds, 0,
     0, 0, 0, k_int32_max, true,
     "bound on FIN_WAIT_2 while the application still holds a socket it shut down for writing; 0 = no timer"},
    {TunableId::tcp_keepidle, "tcp_keepidle", "tcp_keepalive_time", U::half_seconds, U::seconds, 14400, 14400,
     14400, 2, k_int32_max, true, "idle time before the first keepalive probe"},
    {TunableId::tcp_keepintvl, "tcp_keepintvl", "tcp_keepalive_intvl", U::half_seconds, U::seconds, 150, 150,
     150, 2, k_int32_max, true, "interval between unanswered keepalive probes"},
    {TunableId::tcp_keepcnt, "tcp_keepcnt", "tcp_keepalive_probes", U::count, U::count, 8, 9, 8, 1, 127, true,
     "unanswered keepalive probes before the connection is dropped"},
    {TunableId::tcp_keepinit, "tcp_keepinit", "", U::half_seconds, U::half_seconds, 150, 0, 0, 0, k_int32_max,
     true, "bound on connection establishment (SYN_SENT, SYN_RECEIVED); 0 = only the SYN retry limits"},
    {TunableId::tcp_timewait, "tcp_timewait", "", U::fifteen_seconds, U::fifteen_seconds, 1, 4, 16, 1, 240,
     true, "time in TIME_WAIT (2 MSL), in 15-second units"},
    {TunableId::tcp_syn_retries, "tcp_syn_retries", "tcp_syn_retries", U::count, U::count, 5, 5, 5, 1, 127,
     true, "SYN retransmissions before connect() fails"},
    {TunableId::tcp_synack_retries, "tcp_synack_retries", "tcp_synack_retries", U::count, U::count, 5, 5, 5,
     1, 255, true, "SYN-ACK retransmissions before a half-open connection is dropped"},
    {TunableId::tcp_retries2, "tcp_retries2", "tcp_retries2", U::count, U::count, 15, 15, 15, 1, 255, true,
     "data retransmissions before an established connection is dropped"},
    {TunableId::tcp_orphan_retries, "tcp_orphan_retries", "tcp_orphan_retries", U::count, U::count, 0, 0, 0,
     0, 255, true, "retransmissions for a connection the application has closed; 0 = 8"},
    {TunableId::tcp_rto_initial, "tcp_rto_initial", "", U::milliseconds, U::milliseconds, 1000, 1000, 1000, 1,
     120000, true, "retransmission timeout before any RTT is measured (RFC 6298 2.1)"},
    {TunableId::tcp_rto_min, "tcp_rto_min", "", U::milliseconds, U::milliseconds, 200, 200, 1000, 1, 120000,
     true, "lower bound on the retransmission timeout"},
    {TunableId::tcp_rto_max, "tcp_rto_max", "", U::milliseconds, U::milliseconds, 120000, 120000, 60000, 100,
     k_int32_max, true, "upper bound on the retransmission timeout"},
    {TunableId::tcp_delack_min, "tcp_delack_min", "", U::milliseconds, U::milliseconds, 40, 40, 200, 1, 500,
     true, "delayed-ACK timeout once data has been received"},
    {TunableId::tcp_nodelayack, "tcp_nodelayack", "", U::boolean, U::boolean, 0, 0, 0, 0, 1, true,
     "acknowledge every segment at once instead of delaying ACKs"},
    {TunableId::tcp_early_retrans, "tcp_early_retrans", "tcp_early_retrans", U::count, U::count, 4, 4, 0, 0,
     4, true, "tail loss probes (RFC 8985 7) when 3 or 4; 0 = off"},
    {TunableId::tcp_rfc1337, "tcp_rfc1337", "tcp_rfc1337", U::boolean, U::boolean, 0, 0, 0, 0, 1, true,
     "ignore RSTs in TIME_WAIT (RFC 1337); 0 = a RST ends TIME_WAIT (RFC 9293)"},
    {TunableId::tcp_timestamps, "tcp_timestamps", "tcp_timestamps", U::boolean, U::boolean, 1, 1, 0, 0, 1,
     false, "offer TCP timestamps (RFC 7323)"},
    {TunableId::tcp_window_scaling, "tcp_window_scaling", "tcp_window_scaling", U::boolean, U::boolean, 1, 1,
     0, 0, 1, false, "offer window scaling (RFC 7323)"},
    {TunableId::sack, "sack", "tcp_sack", U::boolean, U::boolean, 1, 1, 0, 0, 1, false,
     "offer selective acknowledgements (RFC 2018)"},
    {TunableId::tcp_mssdflt, "tcp_mssdflt", "", U::bytes, U::bytes, 1460, 536, 536, 88, 65495, false,
     "send MSS when the peer's SYN carries no MSS option"},
    {TunableId::tcp_sendspace, "tcp_sendspace", "", U::bytes, U::bytes, 262144, 262144, 16384, 4096, 1 << 26,
     false, "send buffer size"},
    {TunableId::tcp_recvspace, "tcp_recvspace", "", U::bytes, U::bytes, 540000, 540000, 16384, 4096, 1 << 26,
     false, "receive buffer size"},
    {TunableId::tcp_rmem_max, "tcp_rmem_max", "", U::bytes, U::bytes, 15728640, 15728640, 65535, 4096,
     1 << 30, false, "largest receive buffer; sets the window scale offered in SYNs"},
    {TunableId::tcp_max_parked, "tcp_max_parked", "tcp_max_tw_buckets", U::count, U::count, 262144, 262144,
     262144, 0, k_int32_max, true,
     "cap on closed connections parked in FIN_WAIT_2 or TIME_WAIT in the compact table"},
    {TunableId::tcp_challenge_ack_limit, "tcp_challenge_ack_limit", "tcp_challenge_ack_limit", U::count,
     U::count, 1000, k_int32_max, 1000, 0, k_int32_max, true,
     "challenge ACKs (RFC 5961) per second, per stack"},
    {TunableId::tcp_invalid_ratelimit, "tcp_invalid_ratelimit", "tcp_invalid_ratelimit", U::milliseconds,
     U::milliseconds, 500, 500, 500, 0, 60000, true,
     "minimum gap between duplicate ACKs sent per connection for out-of-window segments"},
    {TunableId::tcp_ephemeral_low, "tcp_ephemeral_low", "", U::count, U::count, 32768, 32768, 49152, 1024,
     65535, false, "lowest ephemeral port"},
    {TunableId::tcp_ephemeral_high, "tcp_ephemeral_high", "", U::count, U::count, 65535, 60999, 65535, 1024,
     65535, false, "highest ephemeral port"},
    {TunableId::tcp_dsack, "tcp_dsack", "tcp_dsack", U::boolean, U::boolean, 1, 1, 0, 0, 1, true,
     "report duplicate segments in a D-SACK block (RFC 2883)"},
    {TunableId::tcp_reordering, "tcp_reordering", "tcp_reordering", U::count, U::count, 3, 3, 3, 1, 300, false,
     "duplicate ACKs or SACKed segments before fast retransmit (RFC 5681 3.2's three)"},
    {TunableId::tcp_max_reordering, "tcp_max_reordering", "tcp_max_reordering", U::count, U::count, 300, 300, 300,
     1, 65535, false, "the most a connection's measured reordering degree may grow to (Linux)"},
    {TunableId::tcp_recovery, "tcp_recovery", "tcp_recovery", U::count, U::count, 1, 1, 0, 0, 7, true,
     "loss detection: 1 = RACK (RFC 8985) as Linux, 0 = duplicate-ACK counting only (RFC 6675)"},
    {TunableId::tcp_congestion_control, "tcp_congestion_control", "tcp_congestion_control", U::count, U::count,
     k_congestion_cubic, k_congestion_cubic, k_congestion_reno, 0, 1, false,
     "congestion control of new connections: 0 or reno (RFC 5681), 1 or cubic (RFC 9438)"},
    // RFC 5681 4.1 restarts from the initial window after an idle RTO; the
    // linux profile follows packetdrill's defaults.sh (0), Linux's own
    // default is 1.
    {TunableId::tcp_slow_start_after_idle, "tcp_slow_start_after_idle", "tcp_slow_start_after_idle",
     U::boolean, U::boolean, 1, 0, 1, 0, 1, true,
     "after an idle RTO, start again from the initial window (RFC 5681 4.1)"},
    {TunableId::tcp_fastopen, "tcp_fastopen", "tcp_fastopen", U::count, U::count, 0, 1, 0, 0, 0x7fffffff,
     true,
     "TCP Fast Open (RFC 7413) as Linux's bits: 1 client, 2 server, 4 client without cookie, "
     "0x200 server without cookie, 0x400 every listener without TCP_FASTOPEN"},
    // RFC 3168 6.1.1 leaves the choice to the host; Linux's default (2)
    // accepts ECN when asked and does not ask. Linux's AccECN modes 3-5 are
    // accepted and negotiate classic ECN (AccECN, RFC 9768, is not built).
    {TunableId::tcp_ecn, "tcp_ecn", "tcp_ecn", U::count, U::count, 0, 2, 0, 0, 5, false,
     "ECN (RFC 3168): 0 off, 1 ask and accept, 2 accept when asked; 3-5 as 1, 2, 2 (no AccECN)"},
    {TunableId::tcp_ecn_fallback, "tcp_ecn_fallback", "tcp_ecn_fallback", U::boolean, U::boolean, 1, 1, 1, 0, 1,
     false, "a retransmitted SYN no longer asks for ECN (the path may drop ECN-setup SYNs)"},
}};
static_assert([] {
  for (std::size_t i = 0; i < k_definitions.size(); ++i) {
    if (static_cast<std::size_t>(k_definitions[i].id) != i) return false;
  }
  return true;
}(), "k_definitions is indexed by TunableId");

// Nanoseconds per native unit, for the time units.
std::int64_t nanoseconds_per(TunableUnit unit) {
  switch (unit) {
    case U::half_seconds: return 500'000'000;
    case U::fifteen_seconds: return 15'000'000'000;
    case U::seconds: return 1'000'000'000;
    case U::milliseconds: return 1'000'000;
    default: return 0;
  }
}

// Decimal digits with an optional '-': no '+', no spaces, no hex, no
// fraction. Overflow is a failure, never a wrapped value.
bool parse_integer(std::string_view text, std::int64_t* out) {
  auto value = parse_decimal_integer(text);
  if (value) *out = *value;
  return value.has_value();
}

// Levenshtein distance, for "did you mean".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string range_text(const TunableDefinition& d) {
  return fmt::format("{}..{} {}", d.minimum, d.maximum, to_string(d.unit));
}

}  // namespace

std::string_view to_string(Profile profile) {
  switch (profile) {
    case Profile::aix: return "aix";
    case Profile::linux: return "linux";
    case Profile::rfc793: return "rfc793";
  }
  return "unknown";
}

std::optional<Profile> parse_profile(std::string_view name) {
  for (Profile p : {Profile::aix, Profile::linux, Profile::rfc793}) {
    if (to_string(p) == name) return p;
  }
  return std::nullopt;
}

std::string_view to_string(TunableUnit unit) {
  switch (unit) {
    case U::half_seconds: return "half-seconds";
    case U::fifteen_seconds: return "15-second units";
    case U::seconds: return "seconds";
    case U::milliseconds: return "milliseconds";
    case U::count: return "count";
    case U::boolean: return "boolean";
    case U::bytes: return "bytes";
  }
  return "unknown";
}

std::int64_t TunableDefinition::default_for(Profile profile) const {
  switch (profile) {
    case Profile::aix: return default_aix;
    case Profile::linux: return default_linux;
    case Profile::rfc793: return default_rfc793;
  }
  return default_linux;
}

Tunables::Tunables(Profile profile) : profile_(profile) {
  for (const auto& d : k_definitions) values_[static_cast<int>(d.id)] = d.default_for(profile);
}

std::span<const TunableDefinition> Tunables::definitions() {
  return k_definitions;
}

const TunableDefinition& Tunables::definition(TunableId id) {
  const auto& d = k_definitions[static_cast<std::size_t>(id)];
  FINWAIT_CHECK(d.id == id);
  return d;
}

const TunableDefinition* Tunables::find(std::string_view name, bool* via_alias) {
  for (const auto& d : k_definitions) {
    if (d.name == name) {
      if (via_alias != nullptr) *via_alias = false;
      return &d;
    }
  }
  for (const auto& d : k_definitions) {
    if (!d.linux_alias.empty() && d.linux_alias == name) {
      if (via_alias != nullptr) *via_alias = true;
      return &d;
    }
  }
  return nullptr;
}

Duration Tunables::duration(TunableId id) const {
  const std::int64_t per = nanoseconds_per(definition(id).unit);
  FINWAIT_CHECK(per != 0);
  return Duration::from_nanoseconds(get(id) * per);
}

Result<std::int64_t, std::string> Tunables::set(TunableId id, std::int64_t native_value) {
  const auto& d = definition(id);
  if (native_value < d.minimum || native_value > d.maximum) {
    return fail(fmt::format("{}: {} is out of range {}", d.name, native_value, range_text(d)));
  }
  values_[static_cast<int>(id)] = native_value;
  return native_value;
}

Result<std::int64_t, std::string> Tunables::set(std::string_view name, std::string_view text) {
  bool via_alias = false;
  const TunableDefinition* d = find(name, &via_alias);
  if (d == nullptr) return fail(unknown_tunable_message(name));
  const TunableUnit given_unit = via_alias ? d->alias_unit : d->unit;
  std::int64_t number = 0;
  if (parse_integer(text, &number)) {
    if (given_unit == d->unit) return set(d->id, number);
    // An alias in its own unit: convert to the native one (both are time
    // units), checking the range first so that no product can overflow.
    const std::int64_t per_given = nanoseconds_per(given_unit);
    const std::int64_t low = d->minimum * nanoseconds_per(d->unit) / per_given;
    const std::int64_t high = d->maximum * nanoseconds_per(d->unit) / per_given;
    if (number < low || number > high) {
      return fail(fmt::format("{}: {} is out of range {}..{} {}", name, quote_for_message(text), low, high, to_string(given_unit)));
    }
    const std::int64_t ns = number * per_given;
    const std::int64_t per = nanoseconds_per(d->unit);
    if (ns % per != 0) {
      return fail(fmt::format("{}: {} {} is not a whole number of {} (the unit of {})", name, number,
                              to_string(given_unit), to_string(d->unit), d->name));
    }
    return set(d->id, ns / per);
  }
  if (d->id == TunableId::tcp_congestion_control) {
    if (text == "reno") return set(d->id, k_congestion_reno);
    if (text == "cubic") return set(d->id, k_congestion_cubic);
    return fail(fmt::format("{}: '{}' is not an algorithm finwait has (reno, cubic)", name, quote_for_message(text)));
  }
  if (d->unit == U::boolean) {
    for (auto [word, value] :
         {std::pair{"on", 1}, {"off", 0}, {"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0}}) {
      if (text == word) return set(d->id, value);
    }
    return fail(fmt::format("{}: '{}' is not a boolean; expected 0 or 1", name, quote_for_message(text)));
  }
  const std::int64_t per = nanoseconds_per(d->unit);
  if (per == 0) {
    return fail(
        fmt::format("{}: '{}' is not a number; expected a whole number in {}", name, quote_for_message(text), range_text(*d)));
  }
  // A duration with a unit suffix.
  if (auto duration = parse_duration(text)) {
    if (duration->nanoseconds() % per != 0) {
      return fail(fmt::format("{}: {} is not a whole number of {}", name, quote_for_message(text), to_string(d->unit)));
    }
    return set(d->id, duration->nanoseconds() / per);
  }
  return fail(
      fmt::format("{}: '{}' is not a value; expected {} (e.g. {}) or a duration such as 600s, 10m, 2h, 500ms",
                  name, text, to_string(d->unit), d->default_for(Profile::aix)));
}

std::vector<std::string_view> closest_tunable_names(std::string_view name) {
  std::vector<std::pair<std::size_t, std::string_view>> scored;
  const std::string_view probe = name.substr(0, 64);  // a megabyte of typo costs nothing
  for (const auto& d : k_definitions) {
    for (std::string_view candidate : {d.name, d.linux_alias}) {
      if (candidate.empty() || (candidate == d.linux_alias && d.linux_alias == d.name)) continue;
      const std::size_t distance = edit_distance(probe, candidate);
      if (distance <= std::max<std::size_t>(2, candidate.size() / 3)) scored.emplace_back(distance, candidate);
    }
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string_view> out;
  for (const auto& [distance, candidate] : scored) {
    if (out.size() == 3) break;
    if (std::find(out.begin(), out.end(), candidate) == out.end()) out.push_back(candidate);
  }
  return out;
}

std::string unknown_tunable_message(std::string_view name) {
  std::string message = fmt::format("{}: no such tunable", quote_for_message(name));
  const auto closest = closest_tunable_names(name);
  for (std::size_t i = 0; i < closest.size(); ++i)
    message += fmt::format("{}{}", i == 0 ? "; did you mean " : i + 1 == closest.size() ? " or " : ", ", closest[i]);
  if (!closest.empty()) message += "?";
  return message + " (`finwait no -a` lists them all)";
}

std::optional<std::string> Tunables::inconsistency() const {
  auto pair = [&](TunableId low, TunableId high) -> std::optional<std::string> {
    if (get(low) <= get(high)) return std::nullopt;
    return fmt::format("{} = {} is above {} = {}", definition(low).name,
                       format_tunable_value(definition(low), get(low)), definition(high).name,
                       format_tunable_value(definition(high), get(high)));
  };
  if (auto bad = pair(TunableId::tcp_rto_min, TunableId::tcp_rto_max)) return bad;
  if (auto bad = pair(TunableId::tcp_rto_initial, TunableId::tcp_rto_max)) return bad;
  if (auto bad = pair(TunableId::tcp_ephemeral_low, TunableId::tcp_ephemeral_high)) return bad;
  return std::nullopt;
}

std::int64_t Tunables::get_in_alias_unit(TunableId id) const {
  const auto& d = definition(id);
  if (d.alias_unit == d.unit) return get(id);
  return get(id) * nanoseconds_per(d.unit) / nanoseconds_per(d.alias_unit);
}

std::string format_tunable_value(const TunableDefinition& definition, std::int64_t native_value) {
  const std::int64_t per = nanoseconds_per(definition.unit);
  if (per == 0) return fmt::format("{}", native_value);
  if (native_value == 0) return "0 (off)";
  return fmt::format("{} ({})", native_value,
                     format_duration(Duration::from_nanoseconds(native_value * per)));
}

}  // namespace finwait
