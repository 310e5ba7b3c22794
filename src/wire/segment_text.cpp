#include "wire/segment_text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <charconv>
#include <vector>

#include <fmt/format.h>

#include "base/quote.h"

namespace finwait::wire {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  void skip_spaces() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
  }
  bool done() {
    skip_spaces();
    return at_ >= text_.size();
  }
  bool accept(char c) {
    skip_spaces();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  bool accept_word(std::string_view word) {
    skip_spaces();
    if (text_.substr(at_, word.size()) != word) return false;
    const std::size_t after = at_ + word.size();
    if (after < text_.size() &&
        (std::isalnum(static_cast<unsigned char>(text_[after])) || text_[after] == '_')) {
      return false;
    }
    at_ = after;
    return true;
  }
  std::string_view word() {
    skip_spaces();
    const std::size_t begin = at_;
    while (at_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
    return text_.substr(begin, at_ - begin);
  }
  std::optional<std::uint64_t> number() {
    skip_spaces();
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text_.data() + at_, text_.data() + text_.size(), value);
    if (ec != std::errc{}) return std::nullopt;
    at_ = static_cast<std::size_t>(end - text_.data());
    return value;
  }
  std::size_t offset() const { return at_; }
  std::size_t offset_after_spaces() {
    skip_spaces();
    return at_;
  }
  void rewind_to(std::size_t at) { at_ = std::min(at, text_.size()); }
  std::string_view rest() const { return text_.substr(at_); }
  void skip(std::size_t n) { at_ = std::min(at_ + n, text_.size()); }
  std::string error(std::string_view what) const { return fmt::format("at column {}: {}", at_ + 1, what); }
  // An error about the next word, placed at its start.
  std::string error_about_word(std::string_view what_format) {
    skip_spaces();
    const std::size_t begin = at_;
    const std::string quoted = quote_for_message(word());
    return fmt::format("at column {}: {}", begin + 1, fmt::format(fmt::runtime(what_format), quoted));
  }

 private:
  std::string_view text_;
  std::size_t at_ = 0;
};

Result<std::uint32_t, std::string> expect_number(Reader& r, std::uint64_t max, std::string_view what) {
  auto value = r.number();
  if (!value) return fail(r.error(fmt::format("expected {}", what)));
  if (*value > max) return fail(r.error(fmt::format("{} {} is too large (at most {})", what, *value, max)));
  return static_cast<std::uint32_t>(*value);
}

constexpr std::size_t k_bad_hex = static_cast<std::size_t>(-1);

// Hex digits after blanks, two per byte, into `out`: how many bytes were read
// (0 when no digit follows), k_bad_hex for an odd count or more than fit.
std::size_t read_hex_bytes(Reader& r, std::span<std::uint8_t> out) {
  r.skip_spaces();
  const std::string_view rest = r.rest();
  std::size_t n = 0;
  while (n < rest.size() && std::isxdigit(static_cast<unsigned char>(rest[n]))) ++n;
  if (n % 2 != 0 || n / 2 > out.size()) return k_bad_hex;
  for (std::size_t i = 0; i < n; i += 2) {
    out[i / 2] = static_cast<std::uint8_t>(std::stoi(std::string(rest.substr(i, 2)), nullptr, 16));
  }
  r.skip(n);
  return n / 2;
}

Result<bool, std::string> parse_option(Reader& r, TcpOptions& options) {
  auto full = [&] { return fail(r.error("too many options: more than 40 bytes")); };
  if (r.accept_word("nop"))
    return options.try_add_byte(tcp_option_kind::nop) ? Result<bool, std::string>(true) : full();
  if (r.accept_word("eol"))
    return options.try_add_byte(tcp_option_kind::eol) ? Result<bool, std::string>(true) : full();
  if (r.accept_word("sackOK")) {
    return options.try_add_raw(tcp_option_kind::sack_permitted, {}) ? Result<bool, std::string>(true)
                                                                    : full();
  }
  if (r.accept_word("mss")) {
    auto mss = expect_number(r, 0xffff, "an MSS value");
    if (!mss) return fail(mss.error());
    TcpOptions one;
    one.add_mss(static_cast<std::uint16_t>(*mss));
    return options.try_add_raw(tcp_option_kind::mss, one.bytes().subspan(2)) ? Result<bool, std::string>(true)
                                                                             : full();
  }
  if (r.accept_word("wscale")) {
    auto shift = expect_number(r, 0xff, "a window scale shift");
    if (!shift) return fail(shift.error());
    const std::uint8_t data[1] = {static_cast<std::uint8_t>(*shift)};
    return options.try_add_raw(tcp_option_kind::window_scale, data) ? Result<bool, std::string>(true)
                                                                    : full();
  }
  if (r.accept_word("TS")) {
    if (!r.accept_word("val")) return fail(r.error("expected 'val' after TS"));
    auto value = expect_number(r, 0xffffffff, "a TS val");
    if (!value) return fail(value.error());
    if (!r.accept_word("ecr")) return fail(r.error("expected 'ecr' after the TS val"));
    auto echo = expect_number(r, 0xffffffff, "a TS ecr");
    if (!echo) return fail(echo.error());
    TcpOptions one;
    one.add_timestamps(*value, *echo);
    return options.try_add_raw(tcp_option_kind::timestamps, one.bytes().subspan(2))
               ? Result<bool, std::string>(true)
               : full();
  }
  if (r.accept_word("sack")) {
    std::vector<SackBlock> blocks;
    while (true) {
      const std::size_t before = r.offset();
      auto left = r.number();
      if (!left) break;
      if (!r.accept(':')) return fail(r.error("expected ':' in a SACK block L:R"));
      auto right = expect_number(r, 0xffffffff, "the right edge of a SACK block");
      if (!right) return fail(right.error());
      if (*left > 0xffffffff) return fail(r.error("SACK edge too large"));
      blocks.push_back({SeqNum(static_cast<std::uint32_t>(*left)), SeqNum(*right)});
      (void)before;
    }
    if (blocks.empty() || blocks.size() > 4) return fail(r.error("a SACK option takes 1 to 4 blocks L:R"));
    TcpOptions one;
    one.add_sack(std::span<const SackBlock>(blocks));
    return options.try_add_raw(tcp_option_kind::sack, one.bytes().subspan(2))
               ? Result<bool, std::string>(true)
               : full();
  }
  // RFC 2385 3.0: md5 DIGEST, the 16-byte digest in hex (32 digits).
  if (r.accept_word("md5")) {
    std::array<std::uint8_t, 16> digest{};
    const std::size_t n = read_hex_bytes(r, digest);
    if (n != digest.size()) return fail(r.error("an MD5 digest is 32 hex digits"));
    return options.try_add_raw(tcp_option_kind::md5, digest) ? Result<bool, std::string>(true) : full();
  }
  // RFC 7413: FO [COOKIE] and the experimental FOEXP [COOKIE], the cookie
  // in hex; without one, a cookie request.
  const bool experimental = r.accept_word("FOEXP");
  if (experimental || r.accept_word("FO")) {
    FastOpenCookie cookie;
    cookie.experimental = experimental;
    const std::size_t n = read_hex_bytes(r, cookie.bytes);
    if (n == k_bad_hex) return fail(r.error("a Fast Open cookie is 2 to 32 hex digits, an even count"));
    cookie.size = static_cast<std::uint8_t>(n);
    // Written as it goes on the wire: the option alone, the script says its padding.
    std::array<std::uint8_t, 18> data{};
    std::size_t size = 0;
    if (experimental) {
      data[0] = 0xF9;
      data[1] = 0x89;
      size = 2;
    }
    std::copy(cookie.value().begin(), cookie.value().end(), data.begin() + static_cast<std::ptrdiff_t>(size));
    size += cookie.size;
    return options.try_add_raw(experimental ? tcp_option_kind::experimental : tcp_option_kind::fast_open,
                               std::span(data.data(), size))
               ? Result<bool, std::string>(true)
               : full();
  }
  return fail(r.error_about_word("unknown TCP option '{}' (known: nop, eol, mss, wscale, sackOK, sack, TS, md5, FO, FOEXP)"));
}

}  // namespace

Result<SegmentText, std::string> parse_segment_text(std::string_view text) {
  Reader r(text);
  SegmentText s;
  if (r.accept('[')) {
    const std::size_t name_at = r.offset_after_spaces();
    std::string_view name = r.word();
    const std::size_t close = name.find(']');
    if (close == std::string_view::npos) return fail(r.error("expected ']' after the ECN field"));
    name = name.substr(0, close);
    if (name == "ect01") {
      s.ecn = Ecn::ect0;
      s.ecn_any_ect = true;
    } else if (auto ecn = parse_ecn_name(name)) {
      s.ecn = *ecn;
    } else {
      return fail(fmt::format("at column {}: '{}' is not an ECN field (noecn, ect0, ect1, ect01 or ce)", name_at + 1,
                              quote_for_message(name)));
    }
    r.rewind_to(name_at + close + 1);
  }
  const std::size_t flags_at = r.offset_after_spaces();
  std::string letters(r.word());
  // packetdrill's 'A' is the AE bit, outside the eight flags TcpFlags keeps.
  if (letters.find('A') != std::string::npos) {
    s.ae = true;
    std::erase(letters, 'A');
  }
  auto parsed_flags = letters.empty() && s.ae ? std::optional<TcpFlags>(TcpFlags{}) : TcpFlags::parse(letters);
  if (!parsed_flags) {
    return fail(fmt::format(
        "at column {}: '{}' is not a set of TCP flags (letters from S F R P . U E W A, or -)", flags_at + 1,
        quote_for_message(letters)));
  }
  s.flags = *parsed_flags;
  auto start = expect_number(r, 0xffffffff, "START:END(LEN)");
  if (!start) return fail(start.error());
  if (!r.accept(':')) return fail(r.error("expected ':' in START:END(LEN)"));
  auto end = expect_number(r, 0xffffffff, "END in START:END(LEN)");
  if (!end) return fail(end.error());
  if (!r.accept('(')) return fail(r.error("expected '(' in START:END(LEN)"));
  auto length = expect_number(r, 0xffff, "LEN in START:END(LEN)");
  if (!length) return fail(length.error());
  if (!r.accept(')')) return fail(r.error("expected ')' in START:END(LEN)"));
  s.start = *start;
  s.end = *end;
  s.length = *length;
  if (s.end - s.start != s.length) {
    return fail(fmt::format("{}:{}({}): END must be START + LEN", s.start, s.end, s.length));
  }
  while (!r.done()) {
    if (r.accept_word("ack")) {
      auto ack = expect_number(r, 0xffffffff, "an ack number");
      if (!ack) return fail(ack.error());
      s.ack = *ack;
    } else if (r.accept_word("win")) {
      auto window = expect_number(r, 0xffff, "a window");
      if (!window) return fail(window.error());
      s.window = static_cast<std::uint16_t>(*window);
    } else if (r.accept_word("urg")) {
      auto urgent = expect_number(r, 0xffff, "an urgent pointer");
      if (!urgent) return fail(urgent.error());
      s.urgent = static_cast<std::uint16_t>(*urgent);
    } else if (r.accept('<')) {
      s.options_given = true;
      if (r.accept('.')) {
        if (!r.accept('.') || !r.accept('.') || !r.accept('>')) return fail(r.error("expected <...>"));
        s.options_wildcard = true;
        continue;
      }
      if (r.accept('>')) continue;  // <> : explicitly none
      while (true) {
        auto option = parse_option(r, s.options);
        if (!option) return fail(option.error());
        if (r.accept('>')) break;
        if (!r.accept(',')) return fail(r.error("expected ',' or '>' in the option list"));
      }
    } else {
      return fail(r.error_about_word("unexpected '{}' (expected ack, win, urg or <options>)"));
    }
  }
  return s;
}

}  // namespace finwait::wire

namespace finwait::wire {

std::string mismatch(const SegmentText& expected, const TcpSegment& actual, SeqNum seq_base,
                     SeqNum ack_base) {
  std::string why;
  auto add = [&](std::string what) {
    if (!why.empty()) why += "; ";
    why += what;
  };
  if (expected.ecn) {
    const bool either = expected.ecn_any_ect && (actual.ecn == Ecn::ect0 || actual.ecn == Ecn::ect1);
    if (!either && actual.ecn != *expected.ecn) {
      add(fmt::format("IP ECN field [{}] instead of [{}]", ecn_name(actual.ecn),
                      expected.ecn_any_ect ? "ect01" : ecn_name(*expected.ecn)));
    }
  }
  const bool actual_ae = (actual.reserved & 0x01) != 0;
  if (expected.flags != actual.flags || expected.ae != actual_ae) {
    add(fmt::format("flags {}{} instead of {}{}", actual.flags.to_string(), actual_ae ? "A" : "",
                    expected.flags.to_string(), expected.ae ? "A" : ""));
  }
  const std::uint32_t start = actual.seq.raw() - seq_base.raw();
  if (start != expected.start) add(fmt::format("seq {} instead of {}", start, expected.start));
  if (actual.payload.size() != expected.length) {
    add(fmt::format("length {} instead of {}", actual.payload.size(), expected.length));
  }
  if (expected.ack) {
    // The field is compared; the ACK bit is one of the flags, compared above
    // (`R 1:1(0) ack 0` asks for a RST without ACK whose field is zero).
    const std::uint32_t ack = actual.ack.raw() - ack_base.raw();
    if (ack != *expected.ack) add(fmt::format("ack {} instead of {}", ack, *expected.ack));
  } else if (actual.ack.raw() != 0) {
    add(fmt::format("ack field {} instead of 0", actual.ack.raw()));
  }
  if (expected.window && *expected.window != actual.window) {
    add(fmt::format("win {} instead of {}", actual.window, *expected.window));
  }
  if (expected.urgent && *expected.urgent != actual.urgent_pointer) {
    add(fmt::format("urg {} instead of {}", actual.urgent_pointer, *expected.urgent));
  }
  if (!expected.options_wildcard) {
    // Compare option by option; TS values are not compared (SCRIPTS.md 3).
    auto a = actual.options.begin();
    auto e = expected.options.begin();
    bool same = true;
    for (; a != actual.options.end() && e != expected.options.end(); ++a, ++e) {
      const TcpOption got = *a;
      const TcpOption want = *e;
      if (got.kind != want.kind || got.data.size() != want.data.size() ||
          got.trailing_garbage != want.trailing_garbage) {
        same = false;
        break;
      }
      if (got.kind == tcp_option_kind::timestamps) continue;
      if (got.kind == tcp_option_kind::sack) {
        for (std::size_t i = 0; i + 4 <= got.data.size(); i += 4) {
          const std::uint32_t edge =
              (std::uint32_t{got.data[i]} << 24 | std::uint32_t{got.data[i + 1]} << 16 |
               std::uint32_t{got.data[i + 2]} << 8 | got.data[i + 3]) -
              ack_base.raw();
          const std::uint32_t want_edge = std::uint32_t{want.data[i]} << 24 |
                                          std::uint32_t{want.data[i + 1]} << 16 |
                                          std::uint32_t{want.data[i + 2]} << 8 | want.data[i + 3];
          if (edge != want_edge) same = false;
        }
        continue;
      }
      if (!std::equal(got.data.begin(), got.data.end(), want.data.begin(), want.data.end())) same = false;
    }
    if (a != actual.options.end() || e != expected.options.end()) same = false;
    if (!same) {
      add(fmt::format("options <{}> instead of <{}>", actual.options.to_string(ack_base),
                      expected.options.to_string()));
    }
  }
  return why;
}

}  // namespace finwait::wire
