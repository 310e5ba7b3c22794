#include "script/code_block.h"

#include <array>
#include <cctype>
#include <charconv>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace finwait::script {
namespace {

struct Token {
  enum class Kind : std::uint8_t { number, name, op, end };
  Kind kind = Kind::end;
  std::string text;
  std::int64_t number = 0;
};

// Python's tokens, as far as the subset goes; `error` is set at the first
// character that is none of them.
std::vector<Token> tokenize(std::string_view s, std::string* error) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t j = i;
      int base = 10;
      if (c == '0' && i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        base = 16;
        j = i + 2;
      }
      const std::size_t digits = j;
      while (j < s.size() && (std::isxdigit(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      std::string text;
      for (std::size_t k = digits; k < j; ++k) {
        if (s[k] != '_') text.push_back(s[k]);
      }
      Token t{Token::Kind::number, std::string(s.substr(i, j - i)), 0};
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), t.number, base);
      if (ec != std::errc{} || end != text.data() + text.size()) {
        *error = fmt::format("'{}' is not a number", t.text);
        return out;
      }
      out.push_back(std::move(t));
      i = j;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      out.push_back(Token{Token::Kind::name, std::string(s.substr(i, j - i)), 0});
      i = j;
    } else {
      static constexpr std::array<std::string_view, 22> k_ops{
          "==", "!=", "<=", ">=", "<<", ">>", "//", "**", "<", ">", "(", ")",
          "+",  "-",  "*",  "%",  "&",  "|",  "^",  "~", ",", "/"};
      bool found = false;
      for (std::string_view op : k_ops) {
        if (s.substr(i, op.size()) == op) {
          out.push_back(Token{Token::Kind::op, std::string(op), 0});
          i += op.size();
          found = true;
          break;
        }
      }
      if (!found) {
        *error = fmt::format("'{}' is outside the Python finwait evaluates", c);
        return out;
      }
    }
  }
  out.push_back(Token{});
  return out;
}

// One statement's expressions, parsed and (with a lookup) evaluated in the
// same descent; `error` stops it at the first problem.
class Evaluator {
 public:
  Evaluator(const std::vector<Token>& tokens, const NameLookup* lookup) : tokens_(tokens), lookup_(lookup) {}

  std::int64_t expression() { return or_test(); }
  const Token& peek() const { return tokens_[pos_]; }
  bool accept(std::string_view op) {
    if (peek().kind != Token::Kind::end && peek().text == op) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool at_end() const { return peek().kind == Token::Kind::end; }
  std::string error;

 private:
  std::int64_t or_test() {
    std::int64_t v = and_test();
    while (error.empty() && accept("or")) {
      const std::int64_t rhs = and_test();
      v = (v != 0 || rhs != 0) ? 1 : 0;
    }
    return v;
  }
  std::int64_t and_test() {
    std::int64_t v = not_test();
    while (error.empty() && accept("and")) {
      const std::int64_t rhs = not_test();
      v = (v != 0 && rhs != 0) ? 1 : 0;
    }
    return v;
  }
  std::int64_t not_test() {
    if (accept("not")) return not_test() == 0 ? 1 : 0;
    return comparison();
  }
  // Python chains comparisons: a <= b <= c is a <= b and b <= c.
  std::int64_t comparison() {
    std::int64_t left = bit_or();
    bool result = true;
    bool compared = false;
    while (error.empty()) {
      static constexpr std::array<std::string_view, 6> k_compare{"==", "!=", "<=", ">=", "<", ">"};
      std::string_view op;
      for (std::string_view candidate : k_compare) {
        if (accept(candidate)) {
          op = candidate;
          break;
        }
      }
      if (op.empty()) break;
      const std::int64_t right = bit_or();
      const bool holds = op == "==" ? left == right
                         : op == "!=" ? left != right
                         : op == "<=" ? left <= right
                         : op == ">=" ? left >= right
                         : op == "<"  ? left < right
                                      : left > right;
      result = result && holds;
      compared = true;
      left = right;
    }
    return compared ? (result ? 1 : 0) : left;
  }
  std::int64_t bit_or() {
    std::int64_t v = bit_xor();
    while (error.empty() && accept("|")) v |= bit_xor();
    return v;
  }
  std::int64_t bit_xor() {
    std::int64_t v = bit_and();
    while (error.empty() && accept("^")) v ^= bit_and();
    return v;
  }
  std::int64_t bit_and() {
    std::int64_t v = shift();
    while (error.empty() && accept("&")) v &= shift();
    return v;
  }
  std::int64_t shift() {
    std::int64_t v = arith();
    while (error.empty()) {
      if (accept("<<")) {
        const std::int64_t n = arith();
        v = (n >= 0 && n < 63) ? static_cast<std::int64_t>(static_cast<std::uint64_t>(v) << n) : 0;
      } else if (accept(">>")) {
        const std::int64_t n = arith();
        v = (n >= 0 && n < 63) ? v >> n : (v < 0 ? -1 : 0);
      } else {
        break;
      }
    }
    return v;
  }
  std::int64_t arith() {
    std::int64_t v = term();
    while (error.empty()) {
      if (accept("+")) {
        v = static_cast<std::int64_t>(static_cast<std::uint64_t>(v) + static_cast<std::uint64_t>(term()));
      } else if (accept("-")) {
        v = static_cast<std::int64_t>(static_cast<std::uint64_t>(v) - static_cast<std::uint64_t>(term()));
      } else {
        break;
      }
    }
    return v;
  }
  // Python's // and % floor toward minus infinity.
  std::int64_t term() {
    std::int64_t v = factor();
    while (error.empty()) {
      if (accept("*")) {
        v = static_cast<std::int64_t>(static_cast<std::uint64_t>(v) * static_cast<std::uint64_t>(factor()));
      } else if (accept("//") || accept("%")) {
        const bool modulo = tokens_[pos_ - 1].text == "%";
        const std::int64_t d = factor();
        if (d == 0) {
          if (lookup_ != nullptr) error = "division by zero";
          return 0;
        }
        std::int64_t q = v / d;
        std::int64_t r = v % d;
        if (r != 0 && ((r < 0) != (d < 0))) {
          --q;
          r += d;
        }
        v = modulo ? r : q;
      } else if (peek().text == "/" || peek().text == "**") {
        error = fmt::format("'{}' is outside the Python finwait evaluates (integers only)", peek().text);
        return 0;
      } else {
        break;
      }
    }
    return v;
  }
  std::int64_t factor() {
    if (accept("-")) return -factor();
    if (accept("+")) return factor();
    if (accept("~")) return ~factor();
    return atom();
  }
  std::int64_t atom() {
    const Token t = peek();
    if (t.kind == Token::Kind::number) {
      ++pos_;
      return t.number;
    }
    if (accept("(")) {
      const std::int64_t v = expression();
      if (error.empty() && !accept(")")) error = "expected ')'";
      return v;
    }
    if (t.kind == Token::Kind::name) {
      static constexpr std::array<std::string_view, 8> k_reserved{"and", "or", "not", "assert",
                                                                  "import", "print", "def", "lambda"};
      for (std::string_view word : k_reserved) {
        if (t.text == word) {
          error = fmt::format("'{}' is outside the Python finwait evaluates", t.text);
          return 0;
        }
      }
      ++pos_;
      if (peek().text == "(" || peek().text == "[" || peek().text == ".") {
        error = fmt::format("'{}' is called or indexed: outside the Python finwait evaluates", t.text);
        return 0;
      }
      if (t.text == "True") return 1;
      if (t.text == "False") return 0;
      if (lookup_ == nullptr) return 0;  // checking only
      const NameValue found = (*lookup_)(t.text);
      if (!found.value) {
        error = found.why_not;
        return 0;
      }
      return *found.value;
    }
    error = t.kind == Token::Kind::end ? "the expression ends too soon"
                                       : fmt::format("unexpected '{}'", t.text);
    return 0;
  }

  const std::vector<Token>& tokens_;
  std::size_t pos_ = 0;
  const NameLookup* lookup_;
};

// The block's statements: lines, and ';' within them; a '\' at the end of a
// line continues it, as do open parentheses; '#' starts a comment.
std::vector<std::string> statements(std::string_view code) {
  std::vector<std::string> out;
  std::string current;
  int depth = 0;
  for (std::size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '#') {
      while (i + 1 < code.size() && code[i + 1] != '\n') ++i;
    } else if (c == '\\' && i + 1 < code.size() && code[i + 1] == '\n') {
      current.push_back(' ');
      ++i;
    } else if ((c == '\n' && depth == 0) || c == ';') {
      out.push_back(std::move(current));
      current.clear();
    } else {
      if (c == '(') ++depth;
      if (c == ')' && depth > 0) --depth;
      current.push_back(c == '\n' ? ' ' : c);
    }
  }
  out.push_back(std::move(current));
  std::vector<std::string> kept;
  for (std::string& s : out) {
    if (s.find_first_not_of(" \t\r") != std::string::npos) kept.push_back(std::move(s));
  }
  return kept;
}

// Checks (lookup null) or runs one statement.
std::optional<std::string> statement(const std::string& text, const NameLookup* lookup) {
  const std::size_t first = text.find_first_not_of(" \t");
  std::size_t word_end = first;
  while (word_end < text.size() && (std::isalnum(static_cast<unsigned char>(text[word_end])) || text[word_end] == '_')) {
    ++word_end;
  }
  const std::string_view word = std::string_view(text).substr(first, word_end - first);
  if (word != "assert" && word != "pass") {
    std::string shown = text.substr(first);
    while (!shown.empty() && (shown.back() == ' ' || shown.back() == '\t')) shown.pop_back();
    return fmt::format("'{}' is not an assert statement: finwait evaluates assert statements only", shown);
  }
  std::string error;
  const std::vector<Token> tokens = tokenize(text, &error);
  if (!error.empty()) return error;
  Evaluator e(tokens, lookup);
  if (e.accept("pass")) {
    if (!e.at_end()) return fmt::format("unexpected '{}' after pass", e.peek().text);
    return std::nullopt;
  }
  e.accept("assert");
  const std::int64_t holds = e.expression();
  if (!e.error.empty()) return e.error;
  // The message after the comma: evaluated only when the assertion fails,
  // as Python does; a name is shown with its value.
  std::string shown;
  if (e.accept(",")) {
    const Token first = e.peek();
    const std::int64_t value = e.expression();
    if (!e.error.empty()) return e.error;
    shown = first.kind == Token::Kind::name ? fmt::format("{} = {}", first.text, value) : fmt::format("{}", value);
  }
  if (!e.at_end()) return fmt::format("unexpected '{}'", e.peek().text);
  if (lookup != nullptr && holds == 0) {
    std::string trimmed = text.substr(text.find_first_not_of(" \t"));
    while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t')) trimmed.pop_back();
    return shown.empty() ? fmt::format("{}: failed", trimmed) : fmt::format("{}: failed ({})", trimmed, shown);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_code_block(std::string_view code) {
  for (const std::string& s : statements(code)) {
    if (auto bad = statement(s, nullptr)) return bad;
  }
  return std::nullopt;
}

std::optional<std::string> run_code_block(std::string_view code, const NameLookup& lookup) {
  for (const std::string& s : statements(code)) {
    if (auto bad = statement(s, &lookup)) return bad;
  }
  return std::nullopt;
}

std::optional<std::int64_t> code_block_constant(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::int64_t>, 23> k_constants{{
      // include/net/tcp_states.h
      {"TCP_ESTABLISHED", 1},
      {"TCP_SYN_SENT", 2},
      {"TCP_SYN_RECV", 3},
      {"TCP_FIN_WAIT1", 4},
      {"TCP_FIN_WAIT2", 5},
      {"TCP_TIME_WAIT", 6},
      {"TCP_CLOSE", 7},
      {"TCP_CLOSE_WAIT", 8},
      {"TCP_LAST_ACK", 9},
      {"TCP_LISTEN", 10},
      {"TCP_CLOSING", 11},
      // enum tcp_ca_state (include/uapi/linux/tcp.h)
      {"TCP_CA_Open", 0},
      {"TCP_CA_Disorder", 1},
      {"TCP_CA_CWR", 2},
      {"TCP_CA_Recovery", 3},
      {"TCP_CA_Loss", 4},
      // tcpi_options
      {"TCPI_OPT_TIMESTAMPS", 1},
      {"TCPI_OPT_SACK", 2},
      {"TCPI_OPT_WSCALE", 4},
      {"TCPI_OPT_ECN", 8},
      {"TCPI_OPT_ECN_SEEN", 16},
      {"TCPI_OPT_SYN_DATA", 32},
      {"TCPI_OPT_USEC_TS", 64},
  }};
  for (const auto& [n, v] : k_constants) {
    if (n == name) return v;
  }
  return std::nullopt;
}

}  // namespace finwait::script
