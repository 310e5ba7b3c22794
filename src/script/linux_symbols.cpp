#include "script/linux_symbols.h"

#include <array>
#include <utility>

namespace finwait::script {
namespace {

constexpr std::array<std::pair<std::string_view, std::int64_t>, 84> k_symbols{{
    {"AF_INET", 2},
    {"AF_INET6", 10},
    {"PF_INET", 2},
    {"SOCK_STREAM", 1},
    {"SO_ZEROCOPY", 60},
    {"TCP_INQ", 36},
    {"TCP_FASTOPEN", 23},
    {"TCP_FASTOPEN_CONNECT", 30},
    {"TCP_FASTOPEN_KEY", 33},
    {"TCP_FASTOPEN_NO_COOKIE", 34},
    {"TCP_CM_INQ", 36},
    {"SOCK_DGRAM", 2},
    {"SOCK_NONBLOCK", 04000},
    {"IPPROTO_IP", 0},
    {"IPPROTO_TCP", 6},
    {"IPPROTO_UDP", 17},
    {"SOL_SOCKET", 1},
    {"SOL_TCP", 6},
    {"SOL_IP", 0},
    {"SO_DEBUG", 1},
    {"SO_REUSEADDR", 2},
    {"SO_TYPE", 3},
    {"SO_ERROR", 4},
    {"SO_DONTROUTE", 5},
    {"SO_BROADCAST", 6},
    {"SO_SNDBUF", 7},
    {"SO_RCVBUF", 8},
    {"SO_KEEPALIVE", 9},
    {"SO_OOBINLINE", 10},
    {"SO_LINGER", 13},
    {"SO_REUSEPORT", 15},
    {"SO_RCVLOWAT", 18},
    {"SO_SNDLOWAT", 19},
    {"TCP_NODELAY", 1},
    {"TCP_MAXSEG", 2},
    {"TCP_CORK", 3},
    {"TCP_KEEPIDLE", 4},
    {"TCP_KEEPINTVL", 5},
    {"TCP_KEEPCNT", 6},
    {"TCP_SYNCNT", 7},
    {"TCP_LINGER2", 8},
    {"TCP_DEFER_ACCEPT", 9},
    {"TCP_WINDOW_CLAMP", 10},
    {"TCP_INFO", 11},
    {"TCP_QUICKACK", 12},
    {"TCP_CONGESTION", 13},
    {"TCP_USER_TIMEOUT", 18},
    {"TCP_NOTSENT_LOWAT", 25},
    {"SHUT_RD", 0},
    {"SHUT_WR", 1},
    {"SHUT_RDWR", 2},
    {"F_GETFL", 3},
    {"F_SETFL", 4},
    {"O_RDONLY", 0},
    {"O_WRONLY", 1},
    {"O_RDWR", 2},
    {"O_NONBLOCK", 04000},
    {"SIOCINQ", 0x541B},
    {"FIONREAD", 0x541B},
    {"SIOCOUTQ", 0x5411},
    {"EPOLLIN", 0x001},
    {"EPOLLPRI", 0x002},
    {"EPOLLOUT", 0x004},
    {"EPOLLERR", 0x008},
    {"EPOLLHUP", 0x010},
    {"EPOLLRDHUP", 0x2000},
    {"EPOLLET", 1LL << 31},
    {"EPOLL_CTL_ADD", 1},
    {"EPOLL_CTL_DEL", 2},
    {"EPOLL_CTL_MOD", 3},
    {"POLLIN", 0x001},
    {"POLLPRI", 0x002},
    {"POLLOUT", 0x004},
    {"POLLERR", 0x008},
    {"POLLHUP", 0x010},
    {"POLLNVAL", 0x020},
    {"POLLRDHUP", 0x2000},
    {"MSG_DONTWAIT", 0x40},
    {"MSG_PEEK", 0x2},
    {"MSG_EOR", 0x80},
    {"MSG_MORE", 0x8000},
    {"MSG_NOSIGNAL", 0x4000},
    {"MSG_ZEROCOPY", 0x4000000},
    {"MSG_FASTOPEN", 0x20000000},
}};

}  // namespace

std::optional<std::int64_t> linux_symbol(std::string_view name) {
  for (const auto& [symbol, value] : k_symbols) {
    if (symbol == name) return value;
  }
  return std::nullopt;
}

}  // namespace finwait::script
