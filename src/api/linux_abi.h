// The numbers a Linux program passes to the socket calls (SOL_SOCKET,
// TCP_KEEPIDLE, EPOLLIN, MSG_DONTWAIT, ...), with Linux's values: the socket
// API takes them as a C program would, and scripts name them.
#pragma once

#include <cstdint>

#include "base/errno.h"

namespace finwait::api::linux_abi {

inline constexpr int af_unspec = 0;
inline constexpr int af_inet = 2;
inline constexpr int sock_stream = 1;
inline constexpr int sock_nonblock = 04000;
inline constexpr int sock_cloexec = 02000000;
inline constexpr int sol_socket = 1;
inline constexpr int ipproto_tcp = 6;
inline constexpr int so_reuseaddr = 2;
inline constexpr int so_type = 3;
inline constexpr int so_error = 4;
inline constexpr int so_sndbuf = 7;
inline constexpr int so_rcvbuf = 8;
inline constexpr int so_keepalive = 9;
inline constexpr int so_linger = 13;
inline constexpr int so_zerocopy = 60;
inline constexpr int tcp_nodelay = 1;
inline constexpr int tcp_maxseg = 2;
inline constexpr int tcp_cork = 3;
inline constexpr int tcp_keepidle = 4;
inline constexpr int tcp_keepintvl = 5;
inline constexpr int tcp_keepcnt = 6;
inline constexpr int tcp_syncnt = 7;
inline constexpr int tcp_linger2 = 8;
inline constexpr int tcp_congestion = 13;
inline constexpr int tcp_user_timeout = 18;
inline constexpr int tcp_notsent_lowat = 25;
inline constexpr int tcp_fastopen = 23;
inline constexpr int tcp_fastopen_connect = 30;
inline constexpr int tcp_fastopen_no_cookie = 34;
inline constexpr int tcp_inq = 36;  // also TCP_CM_INQ, its cmsg type
inline constexpr int f_getfl = 3;
inline constexpr int f_setfl = 4;
inline constexpr int o_nonblock = 04000;
inline constexpr int o_rdwr = 2;
inline constexpr int siocinq = 0x541B;  // also FIONREAD
inline constexpr int msg_peek = 0x2;
inline constexpr int msg_dontwait = 0x40;
inline constexpr int msg_eor = 0x80;
inline constexpr int msg_more = 0x8000;
inline constexpr int msg_fastopen = 0x20000000;
inline constexpr int shut_rd = 0;
inline constexpr int shut_wr = 1;
inline constexpr int shut_rdwr = 2;
inline constexpr int epoll_ctl_add = 1;
inline constexpr int epoll_ctl_del = 2;
inline constexpr int epoll_ctl_mod = 3;
inline constexpr std::uint32_t epollin = 0x001;
inline constexpr std::uint32_t epollpri = 0x002;
inline constexpr std::uint32_t epollout = 0x004;
inline constexpr std::uint32_t epollerr = 0x008;
inline constexpr std::uint32_t epollhup = 0x010;
inline constexpr std::uint32_t epollrdhup = 0x2000;
inline constexpr std::uint32_t epolloneshot = 1u << 30;
inline constexpr std::uint32_t epollet = 1u << 31;
inline constexpr std::uint32_t pollnval = 0x020;

// Linux's errno numbers (SO_ERROR returns them).
int errno_number(Errno error);

}  // namespace finwait::api::linux_abi
