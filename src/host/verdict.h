// Whether a stuck connection of the kernel ends by itself, by what and when,
// and if not, why and what to change: the seed's knowledge (DESIGN.md "The
// story") applied to Linux's rules (tcp_timer.c, tcp_input.c):
//  - TIME_WAIT ends after its fixed 60 s (TCP_TIMEWAIT_LEN);
//  - an orphaned FIN_WAIT_2 ends after tcp_fin_timeout;
//  - an owned FIN_WAIT_2 (shutdown(SHUT_WR), socket kept) has no timer: only
//    keepalive, if the program asked for it, ends it, and only when the peer
//    is gone;
//  - CLOSE_WAIT lasts until the program closes the socket, or accepts it
//    first when it still waits in a listener's queue;
//  - FIN_WAIT_1, CLOSING and LAST_ACK end when retransmissions give up
//    (tcp_retries2; tcp_orphan_retries for orphans).
#pragma once

#include <optional>
#include <string>

#include "host/host_settings.h"
#include "host/kernel_socket.h"

namespace finwait::host {

enum class Ownership { process, orphan, not_yet_accepted };

struct Verdict {
  bool bounded = false;
  std::string bound_by;              // "tcp_fin_timeout (60 s)", empty when unbounded
  std::optional<double> ends_in_s;   // when the timer says so
  std::string why;                   // one sentence
  std::string remedy;                // the sysctl, the socket option, or the program to fix
};

// `owner` names the process that holds the socket or that listens for it.
Verdict judge(const KernelSocket& socket, Ownership ownership, const HostSettings& settings,
              const std::string& owner);

}  // namespace finwait::host
