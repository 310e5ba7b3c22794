// One soak run, drawn from its seed: connections with random transfer sizes
// both ways and a close order each, the link's faults, and perhaps a
// partition and a host crash with or without a reboot (issue: data transfer
// that survives a bad network). The same seed always gives the same plan.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/tunables.h"
#include "sim/link.h"
#include "time/instant.h"

namespace finwait::soak {

enum class CloseOrder : std::uint8_t {
  client_first,   // the client closes once it has everything; the server on its EOF
  server_first,   // the other way round
  simultaneous,   // both close once they have everything, without waiting for EOF
  half_close,     // the client shuts down for writing at once, reads to EOF, then closes
  client_abort,   // the client resets (SO_LINGER 0) part way through sending
  server_abort,
};
const char* to_string(CloseOrder order);

struct ConnectionPlan {
  std::size_t client_bytes = 0;  // what the client sends
  std::size_t server_bytes = 0;  // what the server sends
  CloseOrder order = CloseOrder::client_first;
  std::size_t abort_after = 0;  // bytes sent before the abort
  Duration start;               // when the client connects
};

struct CrashPlan {
  std::string host;  // "client" or "server"
  Instant at;
  std::optional<Instant> reboot_at;
};

struct SoakPlan {
  std::uint64_t seed = 0;
  Profile client_profile = Profile::linux;
  Profile server_profile = Profile::linux;
  std::vector<ConnectionPlan> connections;
  sim::LinkConfig link;
  std::optional<CrashPlan> crash;
  Instant until;  // long past every bound: the stacks must be empty by then
};

SoakPlan make_plan(std::uint64_t seed);
std::string describe(const SoakPlan& plan);

// The options every soak socket sets, which bound every state: keepalive
// (idle 10 s, 2 s apart, 3 probes) and TCP_USER_TIMEOUT 30 s.
inline constexpr int k_keepidle_s = 10;
inline constexpr int k_keepintvl_s = 2;
inline constexpr int k_keepcnt = 3;
inline constexpr int k_user_timeout_ms = 30000;

}  // namespace finwait::soak
