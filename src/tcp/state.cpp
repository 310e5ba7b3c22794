#include "tcp/state.h"

#include <array>

namespace finwait::tcp {
namespace {

struct StateNames {
  State state;
  std::string_view rfc;
  std::string_view netstat;
  std::string_view linux;
};

constexpr std::array<StateNames, 11> k_names{{
    {State::closed, "CLOSED", "CLOSED", "TCP_CLOSE"},
    {State::listen, "LISTEN", "LISTEN", "TCP_LISTEN"},
    {State::syn_sent, "SYN-SENT", "SYN_SENT", "TCP_SYN_SENT"},
    {State::syn_received, "SYN-RECEIVED", "SYN_RCVD", "TCP_SYN_RECV"},
    {State::established, "ESTABLISHED", "ESTABLISHED", "TCP_ESTABLISHED"},
    {State::fin_wait_1, "FIN-WAIT-1", "FIN_WAIT_1", "TCP_FIN_WAIT1"},
    {State::fin_wait_2, "FIN-WAIT-2", "FIN_WAIT_2", "TCP_FIN_WAIT2"},
    {State::close_wait, "CLOSE-WAIT", "CLOSE_WAIT", "TCP_CLOSE_WAIT"},
    {State::closing, "CLOSING", "CLOSING", "TCP_CLOSING"},
    {State::last_ack, "LAST-ACK", "LAST_ACK", "TCP_LAST_ACK"},
    {State::time_wait, "TIME-WAIT", "TIME_WAIT", "TCP_TIME_WAIT"},
}};

const StateNames& names_of(State state) {
  return k_names[static_cast<std::size_t>(state)];
}

}  // namespace

std::string_view to_string(State state) {
  return names_of(state).rfc;
}
std::string_view netstat_name(State state) {
  return names_of(state).netstat;
}
std::string_view linux_name(State state) {
  return names_of(state).linux;
}

std::uint8_t linux_state_number(State state) {
  switch (state) {
    case State::established: return 1;
    case State::syn_sent: return 2;
    case State::syn_received: return 3;
    case State::fin_wait_1: return 4;
    case State::fin_wait_2: return 5;
    case State::time_wait: return 6;
    case State::closed: return 7;
    case State::close_wait: return 8;
    case State::last_ack: return 9;
    case State::listen: return 10;
    case State::closing: return 11;
  }
  return 7;
}

std::optional<State> parse_linux_name(std::string_view name) {
  for (const auto& n : k_names) {
    if (n.linux == name) return n.state;
  }
  return std::nullopt;
}

}  // namespace finwait::tcp
