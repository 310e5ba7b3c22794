// Records what happens in a simulation, for the timeline, the JSON event
// stream (DESIGN.md "Commands" field names) and the verdicts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "stack/flow_key.h"
#include "tcp/cause.h"
#include "tcp/state.h"
#include "time/instant.h"

namespace finwait::sim {

struct Record {
  enum class Kind : std::uint8_t { transition, crash, reboot, note };
  Kind kind = Kind::transition;
  Instant at;
  std::string host;
  stack::FlowKey flow;
  tcp::State from = tcp::State::closed;
  tcp::State to = tcp::State::closed;
  tcp::Cause cause = tcp::Cause::app_close;
  std::string text;  // for notes
};

class Recorder {
 public:
  void add(Record record) { records_.push_back(std::move(record)); }
  const std::vector<Record>& records() const { return records_; }

  // One JSON object per line: t_s, host, conn, from, to, cause.
  static std::string to_json(const Record& r);
  // "   10m00.040s  server  198.18.0.2:80-198.18.0.1:49152  FIN-WAIT-2 -> CLOSED  (finwait2_timeout)"
  static std::string to_text(const Record& r);

 private:
  std::vector<Record> records_;
};

// "10m00.040s" (times since the start of the simulation).
std::string format_time(Instant t);

}  // namespace finwait::sim
