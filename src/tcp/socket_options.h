// Per-socket options (POSIX and Linux names), which override the stack's
// tunables where Linux has one (DESIGN.md "Tunables").
#pragma once

#include <cstdint>
#include <optional>

#include "tcp/congestion_control.h"
#include "time/instant.h"
#include "time/optional_duration.h"

namespace finwait::tcp {

// Ordered by size, so that it packs: every socket and every connection holds
// one (an idle connection's memory counts each byte twice).
struct SocketOptions {
  OptionalDuration keepalive_idle;      // TCP_KEEPIDLE, else tcp_keepidle
  OptionalDuration keepalive_interval;  // TCP_KEEPINTVL, else tcp_keepintvl
  // TCP_LINGER2: nullopt uses tcp_finwait2; a negative value (linger2_negative)
  // closes an orphan in FIN_WAIT_2 at once with RST (Linux).
  OptionalDuration linger2;
  Duration user_timeout;                        // TCP_USER_TIMEOUT; zero = off
  std::optional<int> keepalive_count;           // TCP_KEEPCNT, else tcp_keepcnt
  std::optional<int> syn_count;                 // TCP_SYNCNT, else tcp_syn_retries
  std::optional<std::uint32_t> send_buffer;     // SO_SNDBUF
  std::optional<std::uint32_t> receive_buffer;  // SO_RCVBUF
  // SO_LINGER: on with 0 seconds aborts with RST at close(); on with N seconds
  // makes close() wait until the FIN is acknowledged or N seconds pass.
  int linger_seconds = 0;
  // TCP_NOTSENT_LOWAT: writable only while fewer bytes than this wait unsent
  // (Linux's tcp_stream_memory_free); 0 is no limit (the sysctl's default).
  std::uint32_t notsent_lowat = 0;
  // RFC 7413: TCP_FASTOPEN on a listener, the length of its queue of Fast
  // Open children still in SYN-RECEIVED (0: off); TCP_FASTOPEN_NO_COOKIE
  // takes SYN data without a cookie; TCP_FASTOPEN_CONNECT (client) defers
  // the SYN to the first write, to carry it.
  int fastopen_queue = 0;
  // TCP_MAXSEG: the MSS we advertise and the most we send (0: the path's).
  std::uint16_t max_segment = 0;
  std::optional<CongestionAlgorithm> congestion;  // TCP_CONGESTION, else tcp_congestion_control
  bool linger_on = false;
  bool keepalive = false;  // SO_KEEPALIVE
  bool linger2_negative = false;
  bool nodelay = false;  // TCP_NODELAY: no Nagle
  bool cork = false;     // TCP_CORK: only full segments until uncorked
  bool inq = false;      // TCP_INQ: recvmsg() reports TCP_CM_INQ
  bool fastopen_no_cookie = false;
  bool fastopen_connect = false;
  // SO_ZEROCOPY: accepted; finwait always copies a write, so MSG_ZEROCOPY
  // sends as a plain write and no completion reaches the error queue.
  bool zerocopy = false;
};

}  // namespace finwait::tcp
