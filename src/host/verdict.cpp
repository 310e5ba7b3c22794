#include "host/verdict.h"

#include <fmt/format.h>

namespace finwait::host {
namespace {

std::string seconds_or_unknown(const std::optional<std::int64_t>& s) {
  return s ? fmt::format("{} s", *s) : std::string("unknown");
}

std::optional<double> timer_left(const KernelSocket& s) {
  if (s.timer == KernelTimer::none) return std::nullopt;
  return s.timer_left_ms / 1000.0;
}

Verdict time_wait(const KernelSocket& s) {
  Verdict v;
  v.bounded = true;
  v.bound_by = "TIME_WAIT's fixed 60 s (TCP_TIMEWAIT_LEN)";
  v.ends_in_s = timer_left(s);
  v.why = "the side that closed first waits out old duplicates (RFC 9293 3.6)";
  v.remedy = "none needed; many of them on a client: net.ipv4.tcp_tw_reuse=1 for outgoing connections";
  return v;
}

Verdict orphan_fin_wait_2(const KernelSocket& s, const HostSettings& h) {
  Verdict v;
  v.bounded = true;
  v.bound_by = fmt::format("tcp_fin_timeout ({})", seconds_or_unknown(h.fin_timeout_s));
  v.ends_in_s = timer_left(s);
  v.why = "the program closed the socket and the peer has not sent its FIN (a crashed or vanished peer)";
  const std::int64_t fin = h.fin_timeout_s.value_or(60);
  v.remedy = fmt::format(
      "shorter: sysctl -w net.ipv4.tcp_fin_timeout=S (now {} s; AIX: no -o tcp_finwait2={} half-seconds)", fin,
      fin * 2);
  return v;
}

Verdict owned_fin_wait_2(const KernelSocket& s, const HostSettings& h, const std::string& owner) {
  Verdict v;
  if (s.timer == KernelTimer::keepalive) {
    v.bounded = true;
    const std::int64_t idle = h.keepalive_time_s.value_or(7200);
    const std::int64_t total = idle + h.keepalive_intvl_s.value_or(75) * h.keepalive_probes.value_or(9);
    v.bound_by = fmt::format("keepalive, if the peer is gone (about {} s of silence, or the socket's "
                             "TCP_KEEPIDLE/INTVL/CNT)",
                             total);
    v.ends_in_s = timer_left(s);
    v.why = fmt::format("{} shut down its sending side and keeps the socket; a live peer that never sends "
                        "its FIN keeps it open",
                        owner);
    v.remedy = "close() the socket once the program is done with it";
    return v;
  }
  v.bounded = false;
  v.why = fmt::format("{} shut down its sending side (shutdown(SHUT_WR)) and keeps the socket: an owned "
                      "FIN_WAIT_2 has no timer (tcp_fin_timeout applies only after close()) and keepalive is off",
                      owner);
  v.remedy = "fix the program: close() the socket after shutdown() (the seed's best fix), or set SO_KEEPALIVE "
             "(with TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT) so that a vanished peer ends it";
  return v;
}

Verdict close_wait(const KernelSocket& s, Ownership ownership, const std::string& owner) {
  Verdict v;
  v.bounded = false;
  if (ownership == Ownership::not_yet_accepted) {
    v.why = fmt::format("the peer closed a connection that waits in the accept queue of {}, which has not "
                        "called accept()",
                        owner);
    v.remedy = "fix the program: accept() what it listens for (or close the listener); the kernel never "
               "closes a queued connection by itself";
    return v;
  }
  v.why = fmt::format("the peer closed; {} has not called close() (keepalive cannot help: the peer answers)",
                      owner);
  v.remedy = "fix the program: close() the socket when read() returns 0";
  if (s.timer == KernelTimer::keepalive) v.why += "; its keepalive ends it only if the peer vanishes";
  return v;
}

Verdict retransmitting(const KernelSocket& s, Ownership ownership, const HostSettings& h) {
  Verdict v;
  v.ends_in_s = timer_left(s);
  if (s.timer == KernelTimer::none) {
    v.bounded = false;
    v.why = "no timer runs: the FIN was acknowledged or never sent";
    v.remedy = "look again: it should move on with the next segment";
    return v;
  }
  v.bounded = true;
  if (ownership == Ownership::orphan) {
    const std::int64_t tries = h.orphan_retries.value_or(0) == 0 ? 8 : *h.orphan_retries;
    v.bound_by = fmt::format("tcp_orphan_retries ({} retransmissions)", tries);
  } else {
    v.bound_by = fmt::format("tcp_retries2 ({} retransmissions) or the socket's TCP_USER_TIMEOUT",
                             h.retries2.value_or(15));
  }
  v.why = s.timer == KernelTimer::zero_window_probe ? "the peer's window is closed: zero-window probes"
                                                    : "its FIN (or data) waits to be acknowledged";
  v.remedy = "none needed unless many: then the peer is unreachable or its window stays shut";
  return v;
}

}  // namespace

Verdict judge(const KernelSocket& socket, Ownership ownership, const HostSettings& settings,
              const std::string& owner) {
  switch (socket.state) {
    case KernelState::time_wait: return time_wait(socket);
    case KernelState::fin_wait2:
      return ownership == Ownership::process ? owned_fin_wait_2(socket, settings, owner)
                                             : orphan_fin_wait_2(socket, settings);
    case KernelState::close_wait: return close_wait(socket, ownership, owner);
    case KernelState::fin_wait1:
    case KernelState::closing:
    case KernelState::last_ack: return retransmitting(socket, ownership, settings);
    default: break;
  }
  Verdict v;
  v.bounded = true;
  v.why = "not a closing state";
  return v;
}

}  // namespace finwait::host
