// The Linux constants scripts name (SOL_SOCKET, TCP_KEEPIDLE, EPOLLIN, ...),
// with Linux's values, so that a script's numbers mean what they mean on Linux.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/errno.h"

namespace finwait::script {

std::optional<std::int64_t> linux_symbol(std::string_view name);
// Linux's errno numbers (SO_ERROR returns them).
int linux_errno_number(Errno error);

namespace linux_constant {
inline constexpr int sol_socket = 1;
inline constexpr int ipproto_tcp = 6;
inline constexpr int so_reuseaddr = 2;
inline constexpr int so_error = 4;
inline constexpr int so_sndbuf = 7;
inline constexpr int so_rcvbuf = 8;
inline constexpr int so_keepalive = 9;
inline constexpr int so_linger = 13;
inline constexpr int tcp_nodelay = 1;
inline constexpr int tcp_maxseg = 2;
inline constexpr int tcp_keepidle = 4;
inline constexpr int tcp_keepintvl = 5;
inline constexpr int tcp_keepcnt = 6;
inline constexpr int tcp_syncnt = 7;
inline constexpr int tcp_linger2 = 8;
inline constexpr int tcp_congestion = 13;
inline constexpr int tcp_user_timeout = 18;
inline constexpr int f_getfl = 3;
inline constexpr int f_setfl = 4;
inline constexpr int o_nonblock = 04000;
inline constexpr int o_rdwr = 2;
inline constexpr int siocinq = 0x541B;
inline constexpr int epoll_ctl_add = 1;
inline constexpr int epoll_ctl_del = 2;
inline constexpr int epoll_ctl_mod = 3;
inline constexpr std::uint32_t epollin = 0x001;
inline constexpr std::uint32_t epollpri = 0x002;
inline constexpr std::uint32_t epollout = 0x004;
inline constexpr std::uint32_t epollerr = 0x008;
inline constexpr std::uint32_t epollhup = 0x010;
inline constexpr std::uint32_t epollrdhup = 0x2000;
}  // namespace linux_constant

}  // namespace finwait::script
