// What of the host's TCP settings and counters decides how long a stuck
// connection lasts: /proc/sys/net/ipv4/tcp_* and /proc/net/sockstat, read in
// the network namespace the scan runs in.
#pragma once

#include <cstdint>
#include <optional>

namespace finwait::host {

struct HostSettings {
  std::optional<std::int64_t> fin_timeout_s;       // tcp_fin_timeout
  std::optional<std::int64_t> keepalive_time_s;    // tcp_keepalive_time
  std::optional<std::int64_t> keepalive_intvl_s;   // tcp_keepalive_intvl
  std::optional<std::int64_t> keepalive_probes;    // tcp_keepalive_probes
  std::optional<std::int64_t> retries2;            // tcp_retries2
  std::optional<std::int64_t> orphan_retries;      // tcp_orphan_retries (0 means 8)
  std::optional<std::int64_t> max_orphans;         // tcp_max_orphans
  std::optional<std::int64_t> orphans;             // sockstat "TCP: ... orphan N"
  std::optional<std::int64_t> time_waits;          // sockstat "tw N"
};

HostSettings read_host_settings();

}  // namespace finwait::host
