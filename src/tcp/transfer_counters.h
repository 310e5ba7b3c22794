// What the data-transfer machinery counts, for the whole stack, under the
// names Linux's nstat gives them (TcpExt unless marked Tcp).
#pragma once

#include <cstdint>

namespace finwait::tcp {

struct TransferCounters {
  std::uint64_t retrans_segs = 0;       // Tcp RetransSegs: segments sent again
  std::uint64_t timeouts = 0;           // TCPTimeouts: retransmission timer expiries
  std::uint64_t loss_probes = 0;        // TCPLossProbes: tail loss probes sent (RFC 8985 7)
  std::uint64_t sack_recovery = 0;      // TCPSackRecovery: fast recoveries with SACK
  std::uint64_t reno_recovery = 0;      // TCPRenoRecovery: NewReno recoveries (RFC 6582)
  std::uint64_t dsack_sent = 0;         // TCPDSACKOldSent: duplicates reported (RFC 2883)
  std::uint64_t ofo_queue = 0;          // TCPOFOQueue: out-of-order segments held
  std::uint64_t ofo_drop = 0;           // TCPOFODrop: out-of-order segments with no room
  std::uint64_t rcvq_drop = 0;          // TCPRcvQDrop: in-order data past the buffer
  std::uint64_t beyond_window = 0;      // BeyondWindow: ends past the window announced
  std::uint64_t paws_estab = 0;         // PAWSEstab: old duplicates PAWS dropped (RFC 7323 5)

  template <class F>
  void for_each(F&& f) const {
    f("RetransSegs", retrans_segs);
    f("TCPTimeouts", timeouts);
    f("TCPLossProbes", loss_probes);
    f("TCPSackRecovery", sack_recovery);
    f("TCPRenoRecovery", reno_recovery);
    f("TCPDSACKOldSent", dsack_sent);
    f("TCPOFOQueue", ofo_queue);
    f("TCPOFODrop", ofo_drop);
    f("TCPRcvQDrop", rcvq_drop);
    f("BeyondWindow", beyond_window);
    f("PAWSEstab", paws_estab);
  }
};

}  // namespace finwait::tcp
