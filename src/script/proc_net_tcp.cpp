#include "script/proc_net_tcp.h"

#include <fmt/format.h>

namespace finwait::script {
namespace {

// An address as a little-endian kernel prints the network-order word with
// %08X: 192.168.0.1 is 0100A8C0.
std::string address_hex(wire::Ipv4Address address) {
  return fmt::format("{:08X}", __builtin_bswap32(address.to_uint()));
}

// The "tr" column: which timer runs (Linux's timer_active in tcp4_seq_show).
int timer_code(const std::string& timer) {
  if (timer == "on") return 1;                               // retransmission
  if (timer == "keepalive" || timer == "finwait2") return 2;  // sk_timer
  if (timer == "timewait") return 3;
  if (timer == "persist") return 4;                          // zero-window probe
  return 0;
}

// Expiry in USER_HZ clock ticks (1/100 s), as jiffies_delta_to_clock_t() gives it.
std::int64_t clock_ticks(Duration d) { return d.nanoseconds() <= 0 ? 0 : d.nanoseconds() / 10'000'000; }

}  // namespace

bool is_proc_net_tcp(const std::string& path) { return path == "/proc/net/tcp" || path == "/proc/net/tcp6"; }

std::vector<std::string> proc_net_tcp_lines(const std::string& path, const stack::Stack& stack, Instant now) {
  if (!is_proc_net_tcp(path)) return {};
  std::vector<std::string> lines;
  lines.push_back(path == "/proc/net/tcp"
                      ? "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
                      : "  sl  local_address                         remote_address                        st tx_queue "
                        "rx_queue tr tm->when retrnsmt   uid  timeout inode");
  if (path != "/proc/net/tcp") return lines;
  int sl = 0;
  for (const stack::Stack::ListenerInfo& l : stack.listeners()) {
    // A listener's rx_queue is its accept queue's length (sk_ack_backlog).
    lines.push_back(fmt::format("{:4}: {}:{:04X} 00000000:0000 {:02X} {:08X}:{:08X} 00:00000000 00000000 {:5} {:8} {}",
                                sl++, address_hex(l.address), l.port, tcp::linux_state_number(tcp::State::listen), 0,
                                l.accept_queue, 0, 0, 0));
  }
  for (const stack::Stack::ConnectionInfo& c : stack.connections(now)) {
    lines.push_back(fmt::format("{:4}: {}:{:04X} {}:{:04X} {:02X} {:08X}:{:08X} {:02X}:{:08X} {:08X} {:5} {:8} {}", sl++,
                                address_hex(c.flow.local), c.flow.local_port, address_hex(c.flow.remote),
                                c.flow.remote_port, tcp::linux_state_number(c.state), c.send_queue, c.receive_queue,
                                timer_code(c.timer), clock_ticks(c.timer_remaining), c.timer_count, 0, 0, 0));
  }
  return lines;
}

}  // namespace finwait::script
