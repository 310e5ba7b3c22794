// TCP Fast Open (RFC 7413) on the server side, as Linux decides it for each
// SYN (net/ipv4/tcp_fastopen.c, tcp_try_fastopen): whether the SYN's data is
// taken before the handshake ends, and which cookie the SYN-ACK carries.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/siphash.h"
#include "tcp/connection.h"
#include "wire/ipv4_address.h"
#include "wire/tcp_header.h"

namespace finwait::tcp {

// The bits of the tcp_fastopen sysctl (include/net/tcp.h).
namespace fast_open_bits {
inline constexpr std::int64_t client = 0x1;
inline constexpr std::int64_t server = 0x2;
inline constexpr std::int64_t client_no_cookie = 0x4;
inline constexpr std::int64_t server_no_cookie = 0x200;
inline constexpr std::int64_t server_without_sockopt = 0x400;
}  // namespace fast_open_bits

// The keys cookies are made with (RFC 7413 4.1.2): a primary and, while keys
// rotate, a backup whose cookies are still accepted.
struct FastOpenKeys {
  SipKey primary;
  std::optional<SipKey> backup;
};
// Linux's tcp_fastopen_key sysctl: "xxxxxxxx-xxxxxxxx-xxxxxxxx-xxxxxxxx",
// optionally ",..." with the backup; nothing if it is not that.
std::optional<FastOpenKeys> parse_fast_open_keys(std::string_view text);

// Linux's __tcp_fastopen_cookie_gen_cipher for IPv4: SipHash-2-4 of the
// SYN's source and destination addresses, 8 bytes, little-endian.
wire::FastOpenCookie fast_open_cookie(const SipKey& key, wire::Ipv4Address source, wire::Ipv4Address destination);

// What a listener brings to the decision.
struct FastOpenListener {
  int max_queue = 0;        // TCP_FASTOPEN's queue length; 0: Fast Open is off on it
  int pending = 0;          // Fast Open children still in SYN-RECEIVED
  bool no_cookie = false;   // TCP_FASTOPEN_NO_COOKIE
};

struct FastOpenDecision {
  FastOpenAnswer answer;
  bool cookie_requested = false;  // TCPFastOpenCookieReqd
  bool passive = false;           // TCPFastOpenPassive: a Fast Open child is made
  bool passive_fail = false;      // TCPFastOpenPassiveFail: a cookie that did not check
  bool queue_full = false;        // TCPFastOpenListenOverflow
  bool backup_key = false;        // TCPFastOpenPassiveAltKey
};

FastOpenDecision decide_fast_open(std::int64_t sysctl, const FastOpenListener& listener, const wire::TcpSegment& syn,
                                  const FastOpenKeys& keys, wire::Ipv4Address source, wire::Ipv4Address destination);

}  // namespace finwait::tcp
