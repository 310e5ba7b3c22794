// What `finwait netstat` shows of a stack, and `sim ... --netstat` of a
// simulation's final state: connections and listeners as `netstat -a -n`
// lays them out (Proto Recv-Q Send-Q Local Foreign State), with timers as
// `ss -o` writes them (`timer:(finwait2,9min58s,0)`), parked FIN_WAIT_2 and
// TIME_WAIT entries like any other; counters as Linux's nstat names them.
#pragma once

#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "stack/stack.h"

namespace finwait::tools {

struct NetstatOptions {
  bool all = false;     // -a: listeners too
  bool timers = false;  // -o
};

// The stacks of one `finwait serve`, one per thread: seen together, as one.
using StackGroup = std::span<const stack::Stack* const>;

// The table, one line per connection (and listener, with -a), header first.
std::string netstat_table(StackGroup stacks, Instant now, const NetstatOptions& options);
inline std::string netstat_table(const stack::Stack& stack, Instant now, const NetstatOptions& options) {
  const stack::Stack* one[] = {&stack};
  return netstat_table(one, now, options);
}
// `timer:(finwait2,9min58s,0)`; `timer:(keepalive,2h,0)`; "" when no timer runs.
std::string timer_text(const stack::Stack::ConnectionInfo& info);
// netstat -s: one `Name value` line per counter, nstat's names.
std::string netstat_counters(const stack::Counters& counters);
// The same summed over the stacks.
std::string netstat_counters(StackGroup stacks);
// --json: {"connections": [...], "listeners": [...], "counters": {...}}.
nlohmann::json netstat_json(StackGroup stacks, Instant now, const NetstatOptions& options);
inline nlohmann::json netstat_json(const stack::Stack& stack, Instant now, const NetstatOptions& options) {
  const stack::Stack* one[] = {&stack};
  return netstat_json(one, now, options);
}

}  // namespace finwait::tools
