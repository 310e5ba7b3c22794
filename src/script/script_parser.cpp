// Reads the packetdrill dialect of SCRIPTS.md into a Script. Whitespace,
// newlines and comments carry no meaning, except that a packet line runs to
// the end of its line.
#include <cctype>
#include <charconv>
#include <cstdio>

#include <optional>

#include <fmt/format.h>

#include "base/quote.h"
#include "script/code_block.h"
#include "script/script.h"
#include "script/script_options.h"

namespace finwait::script {

class Parser {
 public:
  Parser(const std::string& text, std::size_t offset = 0, Location at = {1, 1})
      : text_(text), pos_(offset), line_(at.line), column_(at.column) {}

  // The header's option lines only. Checked here, so that a wrong one is
  // reported at its own line and column.
  Result<bool, SyntaxError> parse_header(Script& script) {
    skip();
    if (auto bad = unterminated()) return fail(*bad);
    while (starts_with("--")) {
      const Location where = location();
      std::string line = rest_of_line();
      const std::size_t eq = line.find('=');
      std::string name = line.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      std::string value = eq == std::string::npos ? "" : line.substr(eq + 1);
      trim(name);
      trim(value);
      if (name.empty()) return error(where, "an option needs a name: --name=value");
      if (auto bad = check_option(name, value)) return error(where, *bad);
      script.options.emplace_back(name, value);
      skip();
      if (auto bad = unterminated()) return fail(*bad);
    }
    return true;
  }

  // The header and the init command, then every event once, to check them.
  Result<bool, SyntaxError> parse(Script& script) {
    if (auto header = parse_header(script); !header) return fail(header.error());
    if (peek() == '`') {
      auto command = backquoted();
      if (!command) return fail(command.error());
      script.init_command = CommandEvent{*command};
      skip();
    }
    if (auto bad = unterminated()) return fail(*bad);
    script.events_offset = pos_;
    script.events_at = location();
    while (true) {
      auto event = next_event(&script);
      if (!event) return fail(event.error());
      if (!*event) break;
      ++script.event_count;
      script.last_event_line = (*event)->where.line;
    }
    if (script.event_count == 0) {
      return error(Location{1, 1}, "the script has no events: an empty script proves nothing");
    }
    return true;
  }

  // The next event, nothing at the end; the cleanup command, if there is one,
  // goes to `script` (when given) and ends the events.
  Result<std::optional<Event>, SyntaxError> next_event(Script* script) {
    if (at_end()) return std::optional<Event>{};
    if (peek() == '`') {
      // A command after the last event: the cleanup command.
      auto command = backquoted();
      if (!command) return fail(command.error());
      skip();
      if (auto bad = unterminated()) return fail(*bad);
      if (!at_end()) return error(location(), "nothing may follow the cleanup command");
      if (script != nullptr) script->cleanup_command = CommandEvent{*command};
      return std::optional<Event>{};
    }
    auto event = parse_event();
    if (!event) return fail(event.error());
    skip();
    if (auto bad = unterminated()) return fail(*bad);
    return std::optional<Event>{std::move(*event)};
  }

 private:
  using Error = Failure<SyntaxError>;

  Error error(Location where, std::string message) const {
    return fail(SyntaxError{where, std::move(message)});
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek(std::size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
  bool starts_with(std::string_view s) const { return text_.compare(pos_, s.size(), s) == 0; }
  Location location() const { return {line_, column_}; }

  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    ++pos_;
  }
  void advance(std::size_t n) {
    for (std::size_t i = 0; i < n && !at_end(); ++i) advance();
  }

  // Skips whitespace and comments (// to end of line, /* ... */).
  void skip() {
    while (!at_end()) {
      if (std::isspace(static_cast<unsigned char>(peek()))) {
        advance();
      } else if (starts_with("//")) {
        while (!at_end() && peek() != '\n') advance();
      } else if (starts_with("/*")) {
        block_comment();
      } else {
        break;
      }
    }
  }

  void block_comment() {
    const Location where = location();
    advance(2);
    while (!at_end() && !starts_with("*/")) advance();
    if (at_end()) {
      if (!unterminated_at_) unterminated_at_ = where;
      return;
    }
    advance(2);
  }

  // A /* that never ends swallows the rest of the file: an error at the /*.
  std::optional<SyntaxError> unterminated() const {
    if (!unterminated_at_) return std::nullopt;
    return SyntaxError{*unterminated_at_, "unterminated /* comment (missing */)"};
  }

  static void trim(std::string& s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    s.erase(0, i);
  }

  // The rest of the current line without comments.
  std::string rest_of_line() {
    std::string out;
    while (!at_end() && peek() != '\n') {
      if (starts_with("//")) {
        while (!at_end() && peek() != '\n') advance();
        break;
      }
      if (starts_with("/*")) {
        block_comment();
        out += ' ';
        continue;
      }
      out += peek();
      advance();
    }
    trim(out);
    return out;
  }

  Result<std::string, SyntaxError> backquoted() {
    const Location where = location();
    advance();  // `
    std::string command;
    while (!at_end() && peek() != '`') {
      command += peek();
      advance();
    }
    if (at_end()) return error(where, "unterminated back-quoted command (missing `)");
    advance();
    trim(command);
    return command;
  }

  // [+]digits[.digits] or [+].digits, in microseconds.
  Result<std::pair<bool, std::int64_t>, SyntaxError> time_number() {
    const Location where = location();
    bool relative = false;
    if (peek() == '+') {
      relative = true;
      advance();
    }
    std::int64_t whole = 0;
    bool digits = false;
    while (std::isdigit(static_cast<unsigned char>(peek()))) {
      whole = whole * 10 + (peek() - '0');
      digits = true;
      advance();
      if (whole * 1'000'000 > k_max_script_time_us) {
        return error(where, fmt::format("time too large: at most {} s", k_max_script_time_us / 1'000'000));
      }
    }
    std::int64_t fraction_us = 0;
    if (peek() == '.' && peek(1) != '.') {
      advance();
      std::int64_t scale = 100000;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        if (scale > 0) fraction_us += (peek() - '0') * scale;
        scale /= 10;
        digits = true;
        advance();
      }
    }
    if (!digits) return error(where, "expected a time: 0, 1.25, +0.1, +.01, a~b, T...E or *");
    return std::pair{relative, whole * 1'000'000 + fraction_us};
  }

  // "..." after a time, with or without blanks before it.
  bool blocking_ellipsis_ahead() const {
    std::size_t ahead = 0;
    while (peek(ahead) == ' ' || peek(ahead) == '\t') ++ahead;
    return peek(ahead) == '.' && peek(ahead + 1) == '.' && peek(ahead + 2) == '.';
  }

  Result<TimeSpec, SyntaxError> time_spec() {
    TimeSpec t;
    if (peek() == '*') {
      advance();
      t.kind = TimeSpec::Kind::any;
      return t;
    }
    auto start = time_number();
    if (!start) return fail(start.error());
    t.kind = start->first ? TimeSpec::Kind::relative : TimeSpec::Kind::absolute;
    t.start_us = start->second;
    if (peek() == '~') {
      advance();
      auto end = time_number();
      if (!end) return fail(end.error());
      t.is_range = true;
      t.end_kind = end->first ? TimeSpec::Kind::relative : TimeSpec::Kind::absolute;
      t.end_us = end->second;
    } else if (blocking_ellipsis_ahead()) {
      // packetdrill writes it with spaces too: +.002 ... 0.052 connect(...).
      while (peek() == ' ' || peek() == '\t') advance();
      advance(3);
      while (peek() == ' ' || peek() == '\t') advance();
      auto end = time_number();
      if (!end) return fail(end.error());
      t.is_blocking = true;
      // SCRIPTS.md 2: for a relative T, E is relative to the same base as T.
      t.end_kind = (end->first || start->first) ? TimeSpec::Kind::relative : TimeSpec::Kind::absolute;
      t.end_us = end->second;
    }
    return t;
  }

  Result<Event, SyntaxError> parse_event() {
    Event event;
    event.where = location();
    auto time = time_spec();
    if (!time) return fail(time.error());
    event.time = *time;
    // A time must be followed by whitespace and then the action.
    if (!at_end() && !std::isspace(static_cast<unsigned char>(peek()))) {
      return error(location(), fmt::format("unexpected '{}' after the time", quote_for_message(std::string(1, peek()))));
    }
    skip();
    if (at_end()) return error(location(), "a time must be followed by a packet, a call or a command");
    const char c = peek();
    if (c == '<' || c == '>') {
      PacketEvent packet;
      packet.inbound = c == '<';
      advance();
      while (peek() == ' ' || peek() == '\t') advance();
      const Location text_at = location();
      packet.text = rest_of_line();
      if (is_icmp_line(packet.text)) {
        if (!packet.inbound) return error(text_at, "ICMP lines are inbound only: < icmp unreachable ...");
        auto icmp = parse_icmp_line(packet.text);
        if (!icmp) return error(text_at, icmp.error());
        packet.icmp = *icmp;
        event.action = std::move(packet);
        return event;
      }
      auto segment = wire::parse_segment_text(packet.text);
      if (!segment) {
        // "at column N: ..." counts within the packet: make it the file's column.
        std::string message = segment.error();
        Location where = text_at;
        int column = 0;
        if (std::sscanf(message.c_str(), "at column %d: ", &column) == 1 && column >= 1) {
          where.column += column - 1;
          message = message.substr(message.find(": ") + 2);
        }
        return error(where, std::move(message));
      }
      packet.segment = *segment;
      event.action = std::move(packet);
      return event;
    }
    if (c == '`') {
      auto command = backquoted();
      if (!command) return fail(command.error());
      event.action = CommandEvent{*command};
      return event;
    }
    if (starts_with("%{")) {
      // packetdrill's Python blocks: the assertions the scripts make are
      // evaluated (code_block.h); other Python fails its script when it runs.
      const Location where = location();
      advance(2);
      const std::size_t begin = pos_;
      while (!at_end() && !starts_with("}%")) advance();
      if (at_end()) return error(where, "unterminated %{ ... }% block");
      std::string code = text_.substr(begin, pos_ - begin);
      advance(2);
      if (auto outside = check_code_block(code)) {
        event.action = UnsupportedEvent{fmt::format("%{{ }}% blocks beyond assert statements ({})", *outside)};
      } else {
        event.action = CodeEvent{std::move(code)};
      }
      return event;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      auto call = parse_call();
      if (!call) return fail(call.error());
      event.action = std::move(*call);
      return event;
    }
    return error(location(),
                 fmt::format("unexpected '{}': expected '<', '>', a call or a back-quoted command",
                             quote_for_message(std::string(1, c))));
  }

  std::string identifier() {
    std::string out;
    while (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_') {
      out += peek();
      advance();
    }
    return out;
  }

  Result<CallEvent, SyntaxError> parse_call() {
    CallEvent call;
    call.name = identifier();
    skip();
    if (peek() != '(') return error(location(), fmt::format("expected '(' after {}", quote_for_message(call.name)));
    advance();
    skip();
    if (peek() != ')') {
      while (true) {
        auto arg = expr();
        if (!arg) return fail(arg.error());
        call.args.push_back(std::move(*arg));
        skip();
        if (peek() == ',') {
          advance();
          skip();
          continue;
        }
        if (peek() == ')') break;
        return error(location(), fmt::format("expected ',' or ')' in the arguments of {}", quote_for_message(call.name)));
      }
    }
    advance();  // )
    skip();
    if (peek() != '=') return error(location(), fmt::format("expected '= RESULT' after {}(...)", quote_for_message(call.name)));
    advance();
    skip();
    auto result = expr();
    if (!result) return fail(result.error());
    call.result = std::move(*result);
    // Optional errno name and (free text), on the same line.
    std::size_t save = pos_;
    const int save_line = line_;
    const int save_column = column_;
    while (peek() == ' ' || peek() == '\t') advance();
    if (peek() == 'E' && std::isupper(static_cast<unsigned char>(peek(1)))) {
      call.errno_name = identifier();
      while (peek() == ' ' || peek() == '\t') advance();
      if (peek() == '(') skip_note();
    } else if (peek() == '(') {
      skip_note();  // a note after the result: = 0x2 (flags O_RDWR)
    } else {
      pos_ = save;
      line_ = save_line;
      column_ = save_column;
    }
    return call;
  }

  // "(text)" after a result or an errno name, to the end of the line at most.
  void skip_note() {
    int depth = 0;
    do {
      if (peek() == '(') ++depth;
      if (peek() == ')') --depth;
      advance();
    } while (!at_end() && depth > 0 && peek() != '\n');
  }

  // Arguments nest ([{...}], {a={b=...}}); deeper than any call needs is
  // refused, so that no input can exhaust the stack.
  static constexpr int k_max_depth = 16;

  Result<Expr, SyntaxError> expr() {
    if (depth_ >= k_max_depth)
      return error(location(), fmt::format("arguments nested deeper than {} levels", k_max_depth));
    ++depth_;
    auto e = expr_at_depth();
    --depth_;
    return e;
  }

  Result<Expr, SyntaxError> expr_at_depth() {
    Expr e;
    e.where = location();
    skip();
    if (starts_with("...")) {
      advance(3);
      e.kind = Expr::Kind::ellipsis;
      return e;
    }
    if (peek() == '"') {
      advance();
      while (!at_end() && peek() != '"') {
        e.text += peek();
        advance();
      }
      if (at_end()) return error(e.where, "unterminated string");
      advance();
      e.kind = Expr::Kind::string;
      return e;
    }
    if (peek() == '[') {
      advance();
      skip();
      e.kind = Expr::Kind::array;
      while (peek() != ']') {
        auto item = expr();
        if (!item) return fail(item.error());
        e.items.push_back(std::move(*item));
        skip();
        if (peek() == ',') {
          advance();
          skip();
        } else if (peek() != ']') {
          return error(location(), "expected ',' or ']'");
        }
      }
      advance();
      if (e.items.size() != 1 || e.items[0].kind == Expr::Kind::object) e.kind = Expr::Kind::list;
      return e;
    }
    if (peek() == '{') {
      advance();
      skip();
      e.kind = Expr::Kind::object;
      while (peek() != '}') {
        // packetdrill's iovec {..., 40} has its members by position.
        if (!(std::isalpha(static_cast<unsigned char>(peek())) || peek() == '_')) {
          auto value = expr();
          if (!value) return fail(value.error());
          e.fields.push_back(Field{"", std::move(*value)});
          skip();
          if (peek() == ',') {
            advance();
            skip();
          } else if (peek() != '}') {
            return error(location(), "expected ',' or '}'");
          }
          continue;
        }
        const std::string name = identifier();
        if (name.empty()) return error(location(), "expected a field name in {name=value}");
        skip();
        // packetdrill's msg_name(...)=..., msg_iov(1)=[...]: the length in
        // parentheses is the count of what follows; the value says it again.
        if (peek() == '(') {
          while (!at_end() && peek() != ')' && peek() != '\n') advance();
          if (peek() != ')') return error(location(), fmt::format("expected ')' after {}(", quote_for_message(name)));
          advance();
          skip();
        }
        if (peek() != '=') return error(location(), fmt::format("expected '=' after {}", quote_for_message(name)));
        advance();
        auto value = expr();
        if (!value) return fail(value.error());
        e.fields.push_back(Field{name, std::move(*value)});
        skip();
        if (peek() == ',') {
          advance();
          skip();
        } else if (peek() != '}') {
          return error(location(), "expected ',' or '}'");
        }
      }
      advance();
      return e;
    }
    // Integers and symbols, joined by '|'.
    bool any = false;
    while (true) {
      skip();
      std::string word;
      if (peek() == '-' || std::isdigit(static_cast<unsigned char>(peek()))) {
        word += peek();
        advance();
        while (std::isalnum(static_cast<unsigned char>(peek()))) {
          word += peek();
          advance();
        }
      } else if (std::isalpha(static_cast<unsigned char>(peek())) || peek() == '_') {
        word = identifier();
      } else {
        break;
      }
      any = true;
      e.symbols.push_back(word);
      std::size_t save = pos_;
      const int save_line = line_;
      const int save_column = column_;
      skip();
      if (peek() != '|') {
        pos_ = save;
        line_ = save_line;
        column_ = save_column;
        break;
      }
      advance();
    }
    if (!any) return error(e.where, "expected a value: a number, a SYMBOL, \"text\", [..], {..} or ...");
    // A single number is an integer.
    if (e.symbols.size() == 1) {
      const std::string& w = e.symbols[0];
      std::int64_t value = 0;
      const bool negative = !w.empty() && w[0] == '-';
      const std::string_view digits = std::string_view(w).substr(negative ? 1 : 0);
      std::from_chars_result r{};
      if (digits.size() > 2 && (digits.substr(0, 2) == "0x" || digits.substr(0, 2) == "0X")) {
        r = std::from_chars(digits.data() + 2, digits.data() + digits.size(), value, 16);
      } else {
        r = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      }
      if (r.ec == std::errc{} && r.ptr == digits.data() + digits.size()) {
        e.kind = Expr::Kind::integer;
        e.integer = negative ? -value : value;
        e.symbols.clear();
        return e;
      }
      if (std::isdigit(static_cast<unsigned char>(digits.empty() ? 'x' : digits[0]))) {
        return error(e.where, fmt::format("'{}' is not a number", quote_for_message(w)));
      }
    }
    e.kind = Expr::Kind::symbols;
    return e;
  }

  const std::string& text_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
  int depth_ = 0;
  std::optional<Location> unterminated_at_;
};

Result<Script, SyntaxError> parse_script(const std::string& path, std::string text,
                                         const Definitions& definitions) {
  // The header's --define lines count too (packetdrill reads them before the
  // events); the command line's come first, so the header's win, as with
  // every other option.
  Definitions all = definitions;
  {
    Script header_only;
    Parser scan(text);
    if (auto header = scan.parse_header(header_only); !header) return fail(header.error());
    for (const auto& [name, value] : header_only.options) {
      std::pair<std::string, std::string> d;
      if (name == "define" && split_definition(value, &d)) all.push_back(std::move(d));
    }
  }
  Script script;
  script.path = path;
  script.source = substitute_definitions(text, all);
  Parser parser(script.source);
  if (auto parsed = parser.parse(script); !parsed) return fail(parsed.error());
  return script;
}

EventReader::EventReader(const Script& script)
    : parser_(std::make_unique<Parser>(script.source, script.events_offset, script.events_at)) {}

EventReader::~EventReader() = default;

std::optional<Event> EventReader::next() {
  auto event = parser_->next_event(nullptr);
  // parse_script() read the same text without error.
  return event ? std::move(*event) : std::nullopt;
}

}  // namespace finwait::script
