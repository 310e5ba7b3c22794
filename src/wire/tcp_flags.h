// The eight TCP flag bits of RFC 9293 3.1 (with ECE/CWR from RFC 3168), kept
// whole so that a parsed header re-emits bit for bit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace finwait::wire {

class TcpFlags {
 public:
  // Bit values; TcpFlags::syn | TcpFlags::ack makes the bits of a SYN-ACK.
  enum Bit : std::uint8_t {
    fin = 0x01,
    syn = 0x02,
    rst = 0x04,
    psh = 0x08,
    ack = 0x10,
    urg = 0x20,
    ece = 0x40,
    cwr = 0x80,
  };

  constexpr TcpFlags() = default;
  constexpr explicit TcpFlags(std::uint8_t bits) : bits_(bits) {}

  constexpr std::uint8_t bits() const { return bits_; }
  constexpr bool has(std::uint8_t flag) const { return (bits_ & flag) != 0; }
  constexpr bool fin_set() const { return has(fin); }
  constexpr bool syn_set() const { return has(syn); }
  constexpr bool rst_set() const { return has(rst); }
  constexpr bool psh_set() const { return has(psh); }
  constexpr bool ack_set() const { return has(ack); }
  constexpr bool urg_set() const { return has(urg); }

  constexpr TcpFlags with(std::uint8_t flag) const { return TcpFlags(bits_ | flag); }
  constexpr TcpFlags without(std::uint8_t flag) const {
    return TcpFlags(static_cast<std::uint8_t>(bits_ & ~flag));
  }

  // Letters as tcpdump and packetdrill print them: F S R P . U E W, "-" for none.
  std::string to_string() const;
  // Accepts those letters in any order, "-" for none; nullopt on any other character.
  static std::optional<TcpFlags> parse(std::string_view letters);

  constexpr bool operator==(const TcpFlags&) const = default;

 private:
  std::uint8_t bits_ = 0;
};

}  // namespace finwait::wire
