// What a stack counts, named as Linux's `netstat -s` / nstat names them
// where a name exists (Tcp: ActiveOpens, ...; TcpExt: TCPAbortOnTimeout, ...),
// plus finwait's own for the seed story's timers.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "ip/ip_counters.h"
#include "tcp/transfer_counters.h"
#include "wire/parse_error.h"

namespace finwait::stack {

struct Counters : ip::IpCounters {
  // RFC 1213 / Linux Tcp:
  std::uint64_t active_opens = 0;   // ActiveOpens: CLOSED -> SYN-SENT
  std::uint64_t passive_opens = 0;  // PassiveOpens: LISTEN -> SYN-RECEIVED
  std::uint64_t attempt_fails = 0;  // AttemptFails: SYN-SENT/SYN-RECEIVED -> CLOSED
  std::uint64_t estab_resets = 0;   // EstabResets: ESTABLISHED/CLOSE-WAIT -> CLOSED
  // Linux TcpExt where it has one:
  std::uint64_t challenge_acks = 0;    // TCPChallengeACK
  std::uint64_t listen_drops = 0;      // ListenDrops: SYNs refused, backlog full
  std::uint64_t abort_on_timeout = 0;  // TCPAbortOnTimeout: retransmission limit
  std::uint64_t abort_on_linger = 0;   // TCPAbortOnLinger (SO_LINGER 0 and TCP_LINGER2 < 0)
  std::uint64_t abort_on_data = 0;     // TCPAbortOnData: data after close, or unread at close
  std::uint64_t abort_on_close = 0;    // TCPAbortOnClose
  std::uint64_t md5_unexpected = 0;    // TCPMD5Unexpected: an MD5 option, no key (RFC 2385)
  // finwait's own, one per way a connection can end:
  std::uint64_t finwait2_timeouts = 0;             // FinWait2Timeouts
  std::uint64_t finwait2_halfclosed_timeouts = 0;  // FinWait2HalfClosedTimeouts
  std::uint64_t keepalive_drops = 0;               // KeepaliveDrops
  std::uint64_t user_timeouts = 0;                 // UserTimeouts
  std::uint64_t keepinit_timeouts = 0;             // KeepinitTimeouts
  std::uint64_t time_wait_expired = 0;             // TimeWaitExpired
  std::uint64_t parked = 0;                        // Parked: moved to the compact table
  std::uint64_t parked_refused = 0;                // ParkedRefused: the cap was reached
  std::uint64_t out_of_window_icmps = 0;           // OutOfWindowIcmps: quoting nothing in flight
  std::uint64_t fastopen_passive = 0;              // TCPFastOpenPassive: SYN data taken (RFC 7413)
  std::uint64_t fastopen_passive_fail = 0;         // TCPFastOpenPassiveFail: a cookie that did not check
  std::uint64_t fastopen_passive_alt_key = 0;      // TCPFastOpenPassiveAltKey: checked by the backup key
  std::uint64_t fastopen_cookie_reqd = 0;          // TCPFastOpenCookieReqd: a SYN asked for a cookie
  std::uint64_t fastopen_listen_overflow = 0;      // TCPFastOpenListenOverflow: the Fast Open queue was full
  tcp::TransferCounters transfer;                  // retransmission, recovery, reassembly, PAWS
  // InSegs, OutSegs, InErrs, OutRsts, ICMP and the drops before TCP: ip::IpCounters.
  struct Row {
    std::string_view name;
    std::uint64_t value;
  };
  // Every counter with its name, in a fixed order, for `netstat -s` and JSON.
  template <class F>
  void for_each(F&& f) const {
    f(Row{"ActiveOpens", active_opens});
    f(Row{"PassiveOpens", passive_opens});
    f(Row{"AttemptFails", attempt_fails});
    f(Row{"EstabResets", estab_resets});
    f(Row{"InSegs", in_segs});
    f(Row{"OutSegs", out_segs});
    f(Row{"InErrs", in_errs});
    f(Row{"OutRsts", out_rsts});
    f(Row{"TCPChallengeACK", challenge_acks});
    f(Row{"ListenDrops", listen_drops});
    f(Row{"TCPAbortOnTimeout", abort_on_timeout});
    f(Row{"TCPAbortOnLinger", abort_on_linger});
    f(Row{"TCPAbortOnData", abort_on_data});
    f(Row{"TCPAbortOnClose", abort_on_close});
    f(Row{"TCPMD5Unexpected", md5_unexpected});
    f(Row{"FinWait2Timeouts", finwait2_timeouts});
    f(Row{"FinWait2HalfClosedTimeouts", finwait2_halfclosed_timeouts});
    f(Row{"KeepaliveDrops", keepalive_drops});
    f(Row{"UserTimeouts", user_timeouts});
    f(Row{"KeepinitTimeouts", keepinit_timeouts});
    f(Row{"TimeWaitExpired", time_wait_expired});
    transfer.for_each([&](std::string_view name, std::uint64_t value) { f(Row{name, value}); });
    f(Row{"OutOfWindowIcmps", out_of_window_icmps});
    f(Row{"TCPFastOpenPassive", fastopen_passive});
    f(Row{"TCPFastOpenPassiveFail", fastopen_passive_fail});
    f(Row{"TCPFastOpenPassiveAltKey", fastopen_passive_alt_key});
    f(Row{"TCPFastOpenCookieReqd", fastopen_cookie_reqd});
    f(Row{"TCPFastOpenListenOverflow", fastopen_listen_overflow});
    f(Row{"Parked", parked});
    f(Row{"ParkedRefused", parked_refused});
    f(Row{"IcmpOutEchoReps", icmp_echo_replies});
    f(Row{"IcmpInDestUnreachs", icmp_unreachables});
    f(Row{"NotForUs", not_for_us});
    f(Row{"UnknownProtocol", unknown_protocol});
    for (int i = 0; i < wire::k_parse_error_count; ++i) {
      f(Row{wire::to_string(static_cast<wire::ParseError>(i)), bad_segments[static_cast<std::size_t>(i)]});
    }
  }
};

// The name nstat shows a counter under: Tcp or TcpExt for Linux's, as is for
// ICMP, Finwait before finwait's own: TcpActiveOpens, TcpExtTCPAbortOnTimeout,
// IcmpInDestUnreachs, FinwaitFinWait2Timeouts.
std::string nstat_name(std::string_view counter);

}  // namespace finwait::stack
