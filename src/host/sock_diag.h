// The kernel's TCP sockets through NETLINK_SOCK_DIAG (inet_diag v2), with
// libmnl building and walking the netlink messages: a dump of IPv4 and IPv6
// sockets in chosen states, and SOCK_DESTROY for one of them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "host/kernel_socket.h"

namespace finwait::host {

// Bit (1 << state) per KernelState, as idiag_states takes them.
using StateMask = std::uint32_t;
constexpr StateMask state_bit(KernelState s) { return StateMask{1} << static_cast<unsigned>(s); }

// Every TCP socket of this network namespace in `states`, IPv4 then IPv6.
// The error says what failed (socket, send, the kernel's answer).
Result<std::vector<KernelSocket>, std::string> dump_tcp_sockets(StateMask states);

// SOCK_DESTROY (Linux's tcp_abort): 0 when the kernel did it, else its errno
// (EOPNOTSUPP without CONFIG_INET_DIAG_DESTROY, EPERM without
// CAP_NET_ADMIN, ENOENT once the socket is gone).
int destroy_tcp_socket(const KernelSocket& socket);

}  // namespace finwait::host
