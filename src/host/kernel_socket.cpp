#include "host/kernel_socket.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include <fmt/format.h>

namespace finwait::host {
namespace {

constexpr std::array<std::pair<KernelState, std::string_view>, 11> k_states{{
    {KernelState::established, "ESTABLISHED"},
    {KernelState::syn_sent, "SYN_SENT"},
    {KernelState::syn_recv, "SYN_RECEIVED"},
    {KernelState::fin_wait1, "FIN_WAIT_1"},
    {KernelState::fin_wait2, "FIN_WAIT_2"},
    {KernelState::time_wait, "TIME_WAIT"},
    {KernelState::close, "CLOSED"},
    {KernelState::close_wait, "CLOSE_WAIT"},
    {KernelState::last_ack, "LAST_ACK"},
    {KernelState::listen, "LISTEN"},
    {KernelState::closing, "CLOSING"},
}};

// Upper case without '_' and '-': FIN-WAIT-2, fin_wait2 and FINWAIT2 meet.
std::string squeezed(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '_' || c == '-') continue;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

std::string endpoint(int family, const std::array<std::uint8_t, 16>& address, std::uint16_t port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET6) {
    inet_ntop(AF_INET6, address.data(), text, sizeof text);
    return fmt::format("[{}]:{}", text, port);
  }
  inet_ntop(AF_INET, address.data(), text, sizeof text);
  return fmt::format("{}:{}", text, port);
}

}  // namespace

std::string_view state_name(KernelState state) {
  for (auto [s, name] : k_states) {
    if (s == state) return name;
  }
  return "UNKNOWN";
}

std::optional<KernelState> parse_state_name(std::string_view text) {
  const std::string want = squeezed(text);
  for (auto [s, name] : k_states) {
    if (squeezed(name) == want) return s;
  }
  if (want == "SYNRECV") return KernelState::syn_recv;
  return std::nullopt;
}

std::string_view timer_name(KernelTimer timer) {
  switch (timer) {
    case KernelTimer::none: return "off";
    case KernelTimer::retransmit: return "on";
    case KernelTimer::keepalive: return "keepalive";
    case KernelTimer::time_wait: return "timewait";
    case KernelTimer::zero_window_probe: return "persist";
  }
  return "unknown";
}

std::string local_endpoint(const KernelSocket& s) { return endpoint(s.family, s.local_address, s.local_port); }
std::string remote_endpoint(const KernelSocket& s) { return endpoint(s.family, s.remote_address, s.remote_port); }
std::string conn_name(const KernelSocket& s) { return local_endpoint(s) + "-" + remote_endpoint(s); }

}  // namespace finwait::host
