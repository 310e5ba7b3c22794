// The eleven states of RFC 9293 3.3.2.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace finwait::tcp {

enum class State : std::uint8_t {
  closed,
  listen,
  syn_sent,
  syn_received,
  established,
  fin_wait_1,
  fin_wait_2,
  close_wait,
  closing,
  last_ack,
  time_wait,
};

// As RFC 9293 spells it: "FIN-WAIT-2".
std::string_view to_string(State state);
// As netstat spells it: "FIN_WAIT_2".
std::string_view netstat_name(State state);
// As Linux's tcp_states.h names it (scripts' tcp_state()): "TCP_FIN_WAIT2".
std::string_view linux_name(State state);
std::optional<State> parse_linux_name(std::string_view name);
// Linux's number for it (tcp_states.h, TCP_INFO's tcpi_state, /proc/net/tcp's
// st column): TCP_ESTABLISHED 1 ... TCP_CLOSE 7 ... TCP_LISTEN 10, TCP_CLOSING 11.
std::uint8_t linux_state_number(State state);

// RFC 9293 3.3.2: states after the SYNs have been exchanged both ways.
constexpr bool is_synchronized(State state) {
  return state != State::closed && state != State::listen && state != State::syn_sent &&
         state != State::syn_received;
}

}  // namespace finwait::tcp
