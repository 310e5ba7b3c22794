#include "script/icmp_line.h"

#include <array>
#include <charconv>
#include <sstream>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/quote.h"

namespace finwait::script {

namespace {

// packetdrill's names for the unreachable codes (RFC 792, RFC 1122, RFC 1812).
constexpr std::array<std::pair<std::string_view, std::uint8_t>, 16> k_codes{{
    {"net_unreachable", 0},       {"host_unreachable", 1},      {"protocol_unreachable", 2},
    {"port_unreachable", 3},      {"frag_needed", 4},           {"source_route_failed", 5},
    {"net_unknown", 6},           {"host_unknown", 7},          {"source_host_isolated", 8},
    {"net_prohibited", 9},        {"host_prohibited", 10},      {"net_unreachable_for_tos", 11},
    {"host_unreachable_for_tos", 12}, {"comm_prohibited", 13}, {"host_precedence_violation", 14},
    {"precedence_cutoff", 15},
}};

bool number(std::string_view text, std::uint64_t max, std::uint64_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc{} && end == text.data() + text.size() && *out <= max;
}

}  // namespace

bool is_icmp_line(std::string_view text) { return text.starts_with("icmp ") || text == "icmp"; }

Result<IcmpLine, std::string> parse_icmp_line(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  IcmpLine line;
  if (words.size() < 2 || words[1] != "unreachable") {
    return fail(std::string("finwait's ICMP lines are `icmp unreachable [CODE] [mtu N] [START:END(LEN)]`"));
  }
  std::size_t i = 2;
  if (i < words.size() && words[i][0] != '[' && words[i] != "mtu") {
    bool known = false;
    for (const auto& [name, code] : k_codes) {
      if (words[i] == name) {
        line.code = code;
        known = true;
      }
    }
    if (!known) return fail(fmt::format("unknown ICMP unreachable code '{}'", quote_for_message(words[i])));
    ++i;
  }
  if (i + 1 < words.size() && words[i] == "mtu") {
    std::uint64_t mtu = 0;
    if (!number(words[i + 1], 65535, &mtu)) return fail(fmt::format("mtu '{}' is not 0..65535", quote_for_message(words[i + 1])));
    line.mtu = static_cast<std::uint16_t>(mtu);
    i += 2;
  }
  if (i < words.size()) {
    // [START:END(LEN)]
    const std::string_view q = words[i];
    const std::size_t colon = q.find(':');
    const std::size_t paren = q.find('(');
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    std::uint64_t length = 0;
    if (q.size() < 2 || q.front() != '[' || q.back() != ']' || colon == std::string_view::npos ||
        paren == std::string_view::npos || paren < colon || q[q.size() - 2] != ')' ||
        !number(q.substr(1, colon - 1), 0xffffffff, &start) ||
        !number(q.substr(colon + 1, paren - colon - 1), 0xffffffff, &end) ||
        !number(q.substr(paren + 1, q.size() - paren - 3), 0xffffffff, &length)) {
      return fail(fmt::format("'{}' is not a quoted segment [START:END(LEN)]", quote_for_message(q)));
    }
    line.quoted_start = static_cast<std::uint32_t>(start);
    line.quoted_length = static_cast<std::uint32_t>(length);
    ++i;
  }
  if (i != words.size()) return fail(fmt::format("unexpected '{}' in an ICMP line", quote_for_message(words[i])));
  return line;
}

}  // namespace finwait::script
