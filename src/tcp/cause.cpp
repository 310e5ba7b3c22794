#include "tcp/cause.h"

namespace finwait::tcp {

std::string_view to_string(Cause cause) {
  switch (cause) {
    case Cause::app_connect: return "app_connect";
    case Cause::syn_received: return "syn_received";
    case Cause::syn_ack_received: return "syn_ack_received";
    case Cause::ack_received: return "ack_received";
    case Cause::app_close: return "app_close";
    case Cause::app_shutdown: return "app_shutdown";
    case Cause::fin_received: return "fin_received";
    case Cause::fin_acked: return "fin_acked";
    case Cause::time_wait_expired: return "time_wait_expired";
    case Cause::rst_received: return "rst_received";
    case Cause::finwait2_timeout: return "finwait2_timeout";
    case Cause::finwait2_halfclosed_timeout: return "finwait2_halfclosed_timeout";
    case Cause::keepalive_timeout: return "keepalive_timeout";
    case Cause::user_timeout: return "user_timeout";
    case Cause::keepinit_timeout: return "keepinit_timeout";
    case Cause::retransmit_timeout: return "retransmit_timeout";
    case Cause::linger_abort: return "linger_abort";
    case Cause::unread_data_abort: return "unread_data_abort";
    case Cause::data_after_close: return "data_after_close";
    case Cause::app_abort: return "app_abort";
    case Cause::listener_closed: return "listener_closed";
    case Cause::linger2_negative: return "linger2_negative";
    case Cause::time_wait_reused: return "time_wait_reused";
    case Cause::icmp_unreachable: return "icmp_unreachable";
  }
  return "unknown";
}

}  // namespace finwait::tcp
