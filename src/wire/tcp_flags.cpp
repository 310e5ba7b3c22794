#include "wire/tcp_flags.h"

#include <array>
#include <utility>

namespace finwait::wire {
namespace {

// tcpdump's order (print-tcp.c), which packetdrill scripts follow too: "F.", "S.", "FP.".
constexpr std::array<std::pair<std::uint8_t, char>, 8> k_letters{{
    {TcpFlags::fin, 'F'},
    {TcpFlags::syn, 'S'},
    {TcpFlags::rst, 'R'},
    {TcpFlags::psh, 'P'},
    {TcpFlags::ack, '.'},
    {TcpFlags::urg, 'U'},
    {TcpFlags::ece, 'E'},
    {TcpFlags::cwr, 'W'},
}};

}  // namespace

std::string TcpFlags::to_string() const {
  std::string out;
  for (auto [bit, letter] : k_letters) {
    if (has(bit)) out.push_back(letter);
  }
  return out.empty() ? "-" : out;
}

std::optional<TcpFlags> TcpFlags::parse(std::string_view letters) {
  if (letters == "-") return TcpFlags{};
  if (letters.empty()) return std::nullopt;
  std::uint8_t bits = 0;
  for (char c : letters) {
    bool known = false;
    for (auto [bit, letter] : k_letters) {
      if (c == letter) {
        bits |= bit;
        known = true;
      }
    }
    if (!known) return std::nullopt;
  }
  return TcpFlags(bits);
}

}  // namespace finwait::wire
