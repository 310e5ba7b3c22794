#include "host/host_settings.h"

#include <fstream>
#include <sstream>
#include <string>

namespace finwait::host {
namespace {

std::optional<std::int64_t> read_number(const char* path) {
  std::ifstream in(path);
  std::int64_t value = 0;
  if (!(in >> value)) return std::nullopt;
  return value;
}

}  // namespace

HostSettings read_host_settings() {
  HostSettings s;
  s.fin_timeout_s = read_number("/proc/sys/net/ipv4/tcp_fin_timeout");
  s.keepalive_time_s = read_number("/proc/sys/net/ipv4/tcp_keepalive_time");
  s.keepalive_intvl_s = read_number("/proc/sys/net/ipv4/tcp_keepalive_intvl");
  s.keepalive_probes = read_number("/proc/sys/net/ipv4/tcp_keepalive_probes");
  s.retries2 = read_number("/proc/sys/net/ipv4/tcp_retries2");
  s.orphan_retries = read_number("/proc/sys/net/ipv4/tcp_orphan_retries");
  s.max_orphans = read_number("/proc/sys/net/ipv4/tcp_max_orphans");
  // "TCP: inuse 5 orphan 0 tw 2 alloc 7 mem 1"
  std::ifstream sockstat("/proc/net/sockstat");
  std::string line;
  while (std::getline(sockstat, line)) {
    if (!line.starts_with("TCP:")) continue;
    std::istringstream words(line.substr(4));
    std::string key;
    std::int64_t value = 0;
    while (words >> key >> value) {
      if (key == "orphan") s.orphans = value;
      if (key == "tw") s.time_waits = value;
    }
  }
  return s;
}

}  // namespace finwait::host
