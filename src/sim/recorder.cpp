#include "sim/recorder.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace finwait::sim {

std::string format_time(Instant t) {
  return format_duration(t.since_epoch());
}

std::string Recorder::to_json(const Record& r) {
  nlohmann::json j;
  j["t_s"] = static_cast<double>(r.at.nanoseconds()) / 1e9;
  j["host"] = r.host;
  switch (r.kind) {
    case Record::Kind::transition:
      j["conn"] = r.flow.to_string();
      j["from"] = tcp::netstat_name(r.from);
      j["to"] = tcp::netstat_name(r.to);
      j["cause"] = tcp::to_string(r.cause);
      break;
    case Record::Kind::crash: j["event"] = "crash"; break;
    case Record::Kind::reboot: j["event"] = "reboot"; break;
    case Record::Kind::note: j["event"] = r.text; break;
  }
  return j.dump();
}

std::string Recorder::to_text(const Record& r) {
  const std::string when = fmt::format("{:>12}", format_time(r.at));
  switch (r.kind) {
    case Record::Kind::transition:
      return fmt::format("{}  {:<7} {:<32} {} -> {}  ({})", when, r.host, r.flow.to_string(),
                         tcp::to_string(r.from), tcp::to_string(r.to), tcp::to_string(r.cause));
    case Record::Kind::crash:
      return fmt::format("{}  {:<7} crashes: its state vanishes, it sends nothing more", when, r.host);
    case Record::Kind::reboot: return fmt::format("{}  {:<7} reboots with a fresh stack", when, r.host);
    case Record::Kind::note: return fmt::format("{}  {:<7} {}", when, r.host, r.text);
  }
  return when;
}

}  // namespace finwait::sim
