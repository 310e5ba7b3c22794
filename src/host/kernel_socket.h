// One TCP socket of the running Linux kernel, as NETLINK_SOCK_DIAG reports it
// (inet_diag_msg and the tcp_info beside it). Values only: host/sock_diag.h
// fills them, host/verdict.h judges them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace finwait::host {

// Linux's TCP states (include/net/tcp_states.h), in its numbers.
enum class KernelState : std::uint8_t {
  established = 1,
  syn_sent = 2,
  syn_recv = 3,
  fin_wait1 = 4,
  fin_wait2 = 5,
  time_wait = 6,
  close = 7,
  close_wait = 8,
  last_ack = 9,
  listen = 10,
  closing = 11,
};

// "FIN_WAIT_2", as finwait names states everywhere.
std::string_view state_name(KernelState state);
// FIN_WAIT_2, FIN-WAIT-2, fin_wait2 and finwait2 alike; nullopt if none.
std::optional<KernelState> parse_state_name(std::string_view text);

// inet_diag's idiag_timer: which timer runs (ss -o prints the same names).
enum class KernelTimer : std::uint8_t { none = 0, retransmit = 1, keepalive = 2, time_wait = 3, zero_window_probe = 4 };
std::string_view timer_name(KernelTimer timer);

struct KernelSocket {
  int family = 0;  // AF_INET or AF_INET6
  std::array<std::uint8_t, 16> local_address{};
  std::array<std::uint8_t, 16> remote_address{};
  std::uint16_t local_port = 0;
  std::uint16_t remote_port = 0;
  std::uint32_t interface = 0;
  std::array<std::uint32_t, 2> cookie{};  // the kernel's name for the socket (SOCK_DESTROY needs it)
  KernelState state = KernelState::close;
  KernelTimer timer = KernelTimer::none;
  std::uint32_t timer_left_ms = 0;
  std::uint8_t retransmits = 0;  // of the timer running (idiag_retrans)
  std::uint32_t receive_queue = 0;
  std::uint32_t send_queue = 0;
  std::uint32_t uid = 0;
  std::uint64_t inode = 0;  // 0: no file holds it (orphaned, or still in a listener's queue)
  // tcp_info, absent for TIME_WAIT's minisockets.
  std::optional<std::uint32_t> last_received_ms;  // tcpi_last_ack_recv: since anything came
};

// "198.18.0.1:80", "[2001:db8::1]:80".
std::string local_endpoint(const KernelSocket& s);
std::string remote_endpoint(const KernelSocket& s);
// DESIGN.md's `conn`: local-remote.
std::string conn_name(const KernelSocket& s);

}  // namespace finwait::host
