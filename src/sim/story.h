// The seed story (DESIGN.md "The story"), replayed in the simulator: clients
// connect to a server, get a response, the server closes, each client ACKs
// the FIN and then its host crashes. How, and whether, the server's
// connections leave FIN_WAIT_2 depends on the profile and the tunables.
#pragma once

#include <cstdint>
#include <optional>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/tunables.h"
#include "sim/recorder.h"
#include "stack/flow_key.h"
#include "tcp/cause.h"
#include "tcp/state.h"
#include "time/instant.h"
#include "sim/world.h"
#include "wire/pcap_file.h"

namespace finwait::sim {

struct StoryConfig {
  Profile profile = Profile::aix;
  std::vector<std::pair<std::string, std::string>> set;  // tunables for the server, as `no -o`
  bool keepalive = false;                                // SO_KEEPALIVE on the server's sockets
  int connections = 1;
  Duration until = hours(24);
  std::uint64_t seed = 1;
};

struct ServerConnectionOutcome {
  stack::FlowKey flow;
  tcp::State state = tcp::State::closed;  // at the end of the run
  Instant closed_at;                      // when it reached CLOSED, if it did
  std::optional<tcp::Cause> cause;        // why
  // Still open at the end: the timer that will end it, if one runs.
  std::string timer;     // ss -o's name (finwait2, keepalive, timewait, on, ...)
  Instant timer_deadline;
};

struct StoryResult {
  std::vector<Record> records;
  std::vector<ServerConnectionOutcome> server;
  Instant end;
  std::string label;    // "aix", "aix, keepalive, tcp_finwait2=0", ...
  std::string verdict;  // one line
};

// Fails with a message for a bad tunable or a bad count.
// Whether the story can run as configured (counts in range, every tunable
// known, in range and consistent), before anything is written.
Result<bool, std::string> check_story(const StoryConfig& config);
// `prepare` sees the world before it runs (to attach pcap taps), `finished`
// after (to look at its final state).
Result<StoryResult, std::string> run_story(const StoryConfig& config,
                                           const std::function<void(World&)>& prepare = {},
                                           const std::function<void(World&)>& finished = {});
// The same, with one tap on what the link delivered.
Result<StoryResult, std::string> run_story(const StoryConfig& config, wire::PcapWriter* tap);

inline const wire::Ipv4Address k_story_server(198, 18, 0, 2);
inline const wire::Ipv4Address k_story_client(198, 18, 0, 1);

}  // namespace finwait::sim
