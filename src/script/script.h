// A parsed script in the packetdrill dialect of SCRIPTS.md: header options,
// an optional init command, events, an optional cleanup command.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "base/result.h"
#include "script/icmp_line.h"
#include "script/script_defines.h"
#include "wire/segment_text.h"

namespace finwait::script {

// Where something is in its file, for messages: FILE:LINE:COLUMN.
struct Location {
  int line = 0;
  int column = 0;
};

// SCRIPTS.md 2.
struct TimeSpec {
  enum class Kind : std::uint8_t { absolute, relative, any };
  Kind kind = Kind::relative;
  std::int64_t start_us = 0;
  // a~b: the packet may leave anywhere in [a, b].
  bool is_range = false;
  Kind end_kind = Kind::absolute;
  std::int64_t end_us = 0;
  // T...E: a blocking call starting at T and returning at E.
  bool is_blocking = false;
};

struct Field;

// An argument or result of a call (SCRIPTS.md 4).
struct Expr {
  enum class Kind : std::uint8_t { ellipsis, integer, symbols, string, array, object, list };
  Kind kind = Kind::ellipsis;
  std::int64_t integer = 0;
  std::vector<std::string> symbols;  // A|B|C
  std::string text;                  // "str"
  std::vector<Expr> items;           // [N] is an array of one; [{...}, {...}] a list
  std::vector<Field> fields;         // {name=value, ...}
  Location where;
};

struct Field {
  std::string name;
  Expr value;
};

struct PacketEvent {
  bool inbound = false;  // '<' injected into the stack; '>' expected from it
  wire::SegmentText segment;
  std::string text;
  std::optional<IcmpLine> icmp;  // `< icmp unreachable ...` instead of a segment
};

struct CallEvent {
  std::string name;
  std::vector<Expr> args;
  Expr result;
  std::optional<std::string> errno_name;
};

struct CommandEvent {
  std::string command;
};

// A `%{ ... }%` block in the Python subset finwait evaluates (code_block.h).
struct CodeEvent {
  std::string code;
};

// A construct packetdrill has and this dialect does not (a %{ }% block with
// Python beyond the subset): read so that the rest of the file parses,
// refused when it runs.
struct UnsupportedEvent {
  std::string construct;
};

struct Event {
  Location where;
  TimeSpec time;
  std::variant<PacketEvent, CallEvent, CommandEvent, CodeEvent, UnsupportedEvent> action;
};

// A checked script. Its events are read again from `source` as it runs
// (EventReader), one at a time: memory stays flat however long the script.
struct Script {
  std::string path;
  std::vector<std::pair<std::string, std::string>> options;  // --name=value, in order
  std::optional<CommandEvent> init_command;
  std::optional<CommandEvent> cleanup_command;
  std::string source;
  std::size_t events_offset = 0;  // where the first event starts in source
  Location events_at;
  std::size_t event_count = 0;
  int last_event_line = 1;
};

struct SyntaxError {
  Location where;
  std::string message;
};

// Reads and checks the whole script: a syntax error anywhere runs nothing.
// The definitions (-D) are substituted first, then the header's own.
Result<Script, SyntaxError> parse_script(const std::string& path, std::string text,
                                         const Definitions& definitions = {});

class Parser;

// The events of a checked script, in order.
class EventReader {
 public:
  explicit EventReader(const Script& script);
  ~EventReader();
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;
  // The next event; nullopt after the last one (or the cleanup command).
  std::optional<Event> next();

 private:
  std::unique_ptr<Parser> parser_;
};

}  // namespace finwait::script
