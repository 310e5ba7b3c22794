// Why a connection changed state: every transition carries one, so that a
// timeline, a JSON event or netstat can say *why* (DESIGN.md "Commands").
#pragma once

#include <cstdint>
#include <string_view>

namespace finwait::tcp {

enum class Cause : std::uint8_t {
  app_connect,                  // CLOSED -> SYN-SENT
  syn_received,                 // a SYN opened a passive connection, or crossed ours
  syn_ack_received,             // SYN-SENT -> ESTABLISHED
  ack_received,                 // SYN-RECEIVED -> ESTABLISHED
  app_close,                    // the application closed (or shut down for writing)
  app_shutdown,                 // shutdown(SHUT_WR)
  fin_received,                 // the peer's FIN
  fin_acked,                    // the peer acknowledged our FIN
  time_wait_expired,            // 2 MSL passed
  rst_received,                 // an acceptable RST
  finwait2_timeout,             // tcp_finwait2 / TCP_LINGER2 for an orphan
  finwait2_halfclosed_timeout,  // tcp_finwait2_halfclosed
  keepalive_timeout,            // keepalive probes went unanswered
  user_timeout,                 // TCP_USER_TIMEOUT (RFC 5482)
  keepinit_timeout,             // tcp_keepinit: establishment took too long
  retransmit_timeout,           // retransmission limit (tcp_retries2, tcp_syn_retries, ...)
  linger_abort,                 // close() with SO_LINGER {1, 0}
  unread_data_abort,            // close() with unread data (RFC 2525 2.17)
  data_after_close,             // new data for a connection the application closed
  app_abort,                    // abort() by the application
  listener_closed,              // the listening socket closed before accept()
  linger2_negative,             // TCP_LINGER2 < 0: no FIN_WAIT_2 at all
  time_wait_reused,             // a new SYN for the same 4-tuple ended TIME-WAIT
  icmp_unreachable,             // a hard ICMP error while the handshake was under way
};

std::string_view to_string(Cause cause);

}  // namespace finwait::tcp
