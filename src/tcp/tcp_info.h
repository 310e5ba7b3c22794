// What getsockopt(TCP_INFO) reports of a connection, in Linux's struct
// tcp_info terms (include/uapi/linux/tcp.h, filled by tcp_get_info()): the
// fields finwait keeps, with Linux's meanings and units. Fields Linux has and
// finwait does not keep (sndbuf_limited, ...) are absent, not zero.
#pragma once

#include <cstdint>
#include <optional>

namespace finwait::tcp {

struct TcpInfo {
  std::uint8_t state = 7;     // Linux's numbering: TCP_ESTABLISHED 1 ... TCP_CLOSE 7 ... TCP_CLOSING 11
  std::uint8_t ca_state = 0;  // TCP_CA_Open 0, Disorder 1, CWR 2, Recovery 3, Loss 4
  std::uint8_t retransmits = 0;  // RTO expiries for the oldest segment
  std::uint8_t probes = 0;       // zero-window or keepalive probes unanswered
  std::uint8_t backoff = 0;      // times the RTO was doubled
  std::uint8_t options = 0;      // TCPI_OPT_TIMESTAMPS 1, SACK 2, WSCALE 4, ECN 8, SYN_DATA 32
  std::uint8_t snd_wscale = 0;
  std::uint8_t rcv_wscale = 0;
  std::uint32_t rto_us = 0;
  std::uint32_t ato_us = 0;
  std::uint32_t snd_mss = 0;  // the MSS data is cut into (Linux's mss_cache)
  std::uint32_t rcv_mss = 0;  // the peer's segment size as seen
  std::uint32_t unacked = 0;  // packets in the retransmission queue
  std::uint32_t sacked = 0;
  std::uint32_t lost = 0;
  std::uint32_t retrans = 0;  // retransmitted and not yet acknowledged
  std::uint32_t pmtu = 0;
  std::uint32_t rcv_ssthresh = 0;
  std::uint32_t rtt_us = 0;
  std::uint32_t rttvar_us = 0;
  std::uint32_t snd_ssthresh = 0;
  std::uint32_t snd_cwnd = 0;
  std::uint32_t advmss = 0;  // the MSS offered to the peer
  std::uint32_t reordering = 3;  // the degree of reordering seen, in segments (Linux's tp->reordering)
  std::uint32_t total_retrans = 0;
  std::uint32_t delivered = 0;  // packets acknowledged or SACKed, the SYN counted
  std::uint32_t snd_wnd = 0;
  std::uint32_t rcv_wnd = 0;
  std::uint64_t bytes_acked = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t busy_time_us = 0;     // sending: data queued or in flight
  std::uint64_t rwnd_limited_us = 0;  // of that, held back by the peer's window
};

}  // namespace finwait::tcp
