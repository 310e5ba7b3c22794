// setsockopt() and getsockopt() as Linux validates and answers them: the
// options finwait has (SOL_SOCKET: SO_REUSEADDR, SO_KEEPALIVE, SO_LINGER,
// SO_ERROR, SO_SNDBUF, SO_RCVBUF, SO_TYPE, SO_ZEROCOPY; IPPROTO_TCP: TCP_NODELAY, TCP_INQ,
// TCP_MAXSEG, TCP_CORK, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_SYNCNT,
// TCP_LINGER2, TCP_USER_TIMEOUT, TCP_CONGESTION, TCP_FASTOPEN, TCP_FASTOPEN_CONNECT,
// TCP_FASTOPEN_NO_COOKIE), ENOPROTOOPT for the rest.
// A value a socket has not set reads as the stack's tunable.
#include <algorithm>

#include "api/linux_abi.h"
#include "api/socket_api.h"

namespace finwait::api {
namespace abi = linux_abi;
namespace {

std::int64_t whole_seconds(Duration d) { return d.nanoseconds() / 1'000'000'000; }

}  // namespace

CallResult SocketApi::setsockopt(int fd, int level, int option, const OptionValue& value, Instant now) {
  const Descriptor* d = socket_at(fd);
  if (d == nullptr) return CallResult::failed(is_epoll(fd) ? Errno::enotsock : Errno::ebadf);
  const int sfd = d->stack_fd;
  tcp::SocketOptions o = *stack_.options(sfd);
  const Tunables& t = stack_.tunables();
  const bool is_int = std::holds_alternative<std::int64_t>(value);
  // The kernel takes an int: a larger number arrives as its low 32 bits (as
  // a C caller passing it would send), so no value can overflow below.
  const std::int64_t n = is_int ? std::int64_t{static_cast<std::int32_t>(std::get<std::int64_t>(value))} : 0;
  auto in_range = [&](std::int64_t low, std::int64_t high) { return is_int && n >= low && n <= high; };
  const bool needs_int = !(level == abi::sol_socket && option == abi::so_linger) &&
                         !(level == abi::ipproto_tcp && option == abi::tcp_congestion);
  if (needs_int && !is_int) return CallResult::failed(Errno::einval);  // optlen < sizeof(int)
  if (level == abi::sol_socket) {
    switch (option) {
      case abi::so_reuseaddr: stack_.set_reuse_address(sfd, n != 0); break;
      case abi::so_keepalive: o.keepalive = n != 0; break;
      case abi::so_zerocopy: o.zerocopy = n != 0; break;
      case abi::so_linger: {
        const Linger* l = std::get_if<Linger>(&value);
        if (l == nullptr) return CallResult::failed(Errno::einval);
        o.linger_on = l->onoff != 0;
        o.linger_seconds = static_cast<int>(std::clamp<std::int64_t>(l->seconds, 0, 0x7fffffff));
        break;
      }
      case abi::so_sndbuf:
      case abi::so_rcvbuf: {
        // Linux: at most net.core.[rw]mem_max, then doubled (room for its
        // bookkeeping), and never under its minimum.
        auto& buffer = option == abi::so_sndbuf ? o.send_buffer : o.receive_buffer;
        const std::int64_t asked = std::min(n, t.get(TunableId::tcp_rmem_max));
        buffer = static_cast<std::uint32_t>(std::max<std::int64_t>(asked * 2, 4608));
        break;
      }
      default: return CallResult::failed(Errno::enoprotoopt);  // SO_ERROR and SO_TYPE are read-only
    }
  } else if (level == abi::ipproto_tcp) {
    switch (option) {
      case abi::tcp_nodelay: o.nodelay = n != 0; break;
      case abi::tcp_inq: o.inq = n != 0; break;
      case abi::tcp_fastopen: {
        // Linux: on a socket not yet connected or listening; the queue length.
        const std::uint8_t state = stack_.tcp_info(sfd, now).state;
        if (state != 7 && state != 10) return CallResult::failed(Errno::einval);
        if (!is_int || n < 0) return CallResult::failed(Errno::einval);
        o.fastopen_queue = static_cast<int>(n);
        break;
      }
      case abi::tcp_fastopen_no_cookie:
        if (!in_range(0, 1)) return CallResult::failed(Errno::einval);
        o.fastopen_no_cookie = n != 0;
        break;
      case abi::tcp_fastopen_connect: {
        // Linux: 0 or 1; EOPNOTSUPP while the client side is off in
        // tcp_fastopen; only before connect().
        if (!in_range(0, 1)) return CallResult::failed(Errno::einval);
        if ((t.get(TunableId::tcp_fastopen) & tcp::fast_open_bits::client) == 0) {
          return CallResult::failed(Errno::eopnotsupp);
        }
        if (stack_.tcp_info(sfd, now).state != 7) return CallResult::failed(Errno::einval);
        o.fastopen_connect = n != 0;
        break;
      }
      case abi::tcp_keepidle:
      case abi::tcp_keepintvl:
        if (!in_range(1, 32767)) return CallResult::failed(Errno::einval);  // 1..MAX_TCP_KEEPIDLE
        (option == abi::tcp_keepidle ? o.keepalive_idle : o.keepalive_interval) = seconds(n);
        break;
      case abi::tcp_keepcnt:
        if (!in_range(1, 127)) return CallResult::failed(Errno::einval);  // 1..MAX_TCP_KEEPCNT
        o.keepalive_count = static_cast<int>(n);
        break;
      case abi::tcp_syncnt:
        if (!in_range(1, 127)) return CallResult::failed(Errno::einval);  // 1..MAX_TCP_SYNCNT
        o.syn_count = static_cast<int>(n);
        break;
      case abi::tcp_linger2:
        // Negative: an orphan in FIN_WAIT_2 is closed at once with RST;
        // zero: the tunable. Linux caps it at TCP_FIN_TIMEOUT_MAX (120 s);
        // the other profiles take what they are given.
        o.linger2_negative = n < 0;
        if (n <= 0) {
          o.linger2.reset();
        } else {
          o.linger2 = seconds(stack_.config().profile == Profile::linux ? std::min<std::int64_t>(n, 120) : n);
        }
        break;
      case abi::tcp_notsent_lowat:
        // Linux stores the int as a u32: a negative value is a very large one.
        o.notsent_lowat = static_cast<std::uint32_t>(n);
        break;
      case abi::tcp_user_timeout:
        if (n < 0) return CallResult::failed(Errno::einval);
        o.user_timeout = milliseconds(n);
        break;
      case abi::tcp_maxseg:
        // Linux's do_tcp_setsockopt(): 0, or TCP_MIN_MSS (88) to
        // MAX_TCP_WINDOW (32767); it applies to connections not yet open,
        // and larger than the path it has no effect.
        if (n != 0 && !in_range(88, 32767)) return CallResult::failed(Errno::einval);
        o.max_segment = static_cast<std::uint16_t>(n);
        break;
      case abi::tcp_cork: {
        // Linux's __tcp_sock_set_cork(): uncorking sends what was held.
        o.cork = n != 0;
        break;
      }
      case abi::tcp_congestion: {
        const std::string* name = std::get_if<std::string>(&value);
        if (name == nullptr) return CallResult::failed(Errno::einval);
        // Linux's tcp_set_congestion_control: ENOENT for a name it lacks.
        const auto algorithm = tcp::congestion_algorithm_named(*name);
        if (!algorithm) return CallResult::failed(Errno::enoent);
        o.congestion = *algorithm;
        break;
      }
      default: return CallResult::failed(Errno::enoprotoopt);
    }
  } else {
    return CallResult::failed(Errno::enoprotoopt);
  }
  stack_.set_options(sfd, o, now);
  return CallResult::of(0);
}

CallResult SocketApi::getsockopt(int fd, int level, int option, OptionValue& value) {
  const Descriptor* d = socket_at(fd);
  if (d == nullptr) return CallResult::failed(is_epoll(fd) ? Errno::enotsock : Errno::ebadf);
  const int sfd = d->stack_fd;
  const tcp::SocketOptions& o = *stack_.options(sfd);
  const Tunables& t = stack_.tunables();
  if (level == abi::sol_socket) {
    switch (option) {
      case abi::so_reuseaddr: value = std::int64_t{stack_.reuse_address(sfd) ? 1 : 0}; break;
      case abi::so_keepalive: value = std::int64_t{o.keepalive ? 1 : 0}; break;
      case abi::so_zerocopy: value = std::int64_t{o.zerocopy ? 1 : 0}; break;
      case abi::so_linger: value = Linger{o.linger_on ? 1 : 0, o.linger_seconds}; break;
      case abi::so_error: value = std::int64_t{abi::errno_number(stack_.take_error(sfd))}; break;
      case abi::so_sndbuf:
      case abi::so_rcvbuf: {
        const auto& buffer = option == abi::so_sndbuf ? o.send_buffer : o.receive_buffer;
        value = std::int64_t{buffer.value_or(static_cast<std::uint32_t>(
            t.get(option == abi::so_sndbuf ? TunableId::tcp_sendspace : TunableId::tcp_recvspace)))};
        break;
      }
      case abi::so_type: value = std::int64_t{abi::sock_stream}; break;
      default: return CallResult::failed(Errno::enoprotoopt);
    }
  } else if (level == abi::ipproto_tcp) {
    switch (option) {
      case abi::tcp_nodelay: value = std::int64_t{o.nodelay ? 1 : 0}; break;
      case abi::tcp_inq: value = std::int64_t{o.inq ? 1 : 0}; break;
      case abi::tcp_fastopen: value = std::int64_t{o.fastopen_queue}; break;
      case abi::tcp_fastopen_no_cookie: value = std::int64_t{o.fastopen_no_cookie ? 1 : 0}; break;
      case abi::tcp_fastopen_connect: value = std::int64_t{o.fastopen_connect ? 1 : 0}; break;
      case abi::tcp_keepidle:
        value = whole_seconds(o.keepalive_idle.value_or(t.duration(TunableId::tcp_keepidle)));
        break;
      case abi::tcp_keepintvl:
        value = whole_seconds(o.keepalive_interval.value_or(t.duration(TunableId::tcp_keepintvl)));
        break;
      case abi::tcp_keepcnt:
        value = std::int64_t{o.keepalive_count.value_or(static_cast<int>(t.get(TunableId::tcp_keepcnt)))};
        break;
      case abi::tcp_syncnt:
        value = std::int64_t{o.syn_count.value_or(static_cast<int>(t.get(TunableId::tcp_syn_retries)))};
        break;
      case abi::tcp_linger2:
        value = o.linger2_negative ? std::int64_t{-1}
                                   : whole_seconds(o.linger2.value_or(t.duration(TunableId::tcp_finwait2)));
        break;
      case abi::tcp_user_timeout: value = o.user_timeout.milliseconds(); break;
      case abi::tcp_notsent_lowat: value = std::int64_t{static_cast<std::int32_t>(o.notsent_lowat)}; break;
      case abi::tcp_maxseg:
        // Linux's do_tcp_getsockopt(): the MSS in use; before the connection
        // opens (or on a listener) the one asked for, else TCP_MSS_DEFAULT (536).
        value = std::int64_t{stack_.send_mss(sfd).value_or(o.max_segment != 0 ? o.max_segment : 536)};
        break;
      case abi::tcp_cork: value = std::int64_t{o.cork ? 1 : 0}; break;
      case abi::tcp_congestion:
        value = std::string(tcp::to_string(o.congestion.value_or(
            t.get(TunableId::tcp_congestion_control) == k_congestion_reno ? tcp::CongestionAlgorithm::reno
                                                                         : tcp::CongestionAlgorithm::cubic)));
        break;
      default: return CallResult::failed(Errno::enoprotoopt);
    }
  } else {
    return CallResult::failed(Errno::enoprotoopt);
  }
  return CallResult::of(0);
}

}  // namespace finwait::api
