// The system calls of SCRIPTS.md 4 and the finwait extensions of 5, as Linux
// answers them, on the stack's sockets.
#include <algorithm>
#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "base/quote.h"
#include "script/linux_symbols.h"
#include "script/runner.h"
#include "script/script_options.h"

namespace finwait::script {

namespace lc = linux_constant;

namespace {

// What a call returned: a value, or -1 and an errno; or "it would block".
struct Outcome {
  bool blocked = false;
  std::int64_t value = 0;
  Errno error = Errno::ok;
  bool returns_descriptor = false;
};

Outcome value_of(std::int64_t v) {
  return Outcome{false, v, Errno::ok, false};
}
Outcome error_of(Errno e) {
  return Outcome{false, -1, e, false};
}
Outcome blocked() {
  return Outcome{true, 0, Errno::ok, false};
}

}  // namespace

// Evaluates an argument to a number: an integer, or symbols joined by '|'.
static std::int64_t number(const Expr& e, int line, const char* what) {
  if (e.kind == Expr::Kind::integer) return e.integer;
  if (e.kind == Expr::Kind::array && e.items.size() == 1) return number(e.items[0], line, what);
  if (e.kind == Expr::Kind::symbols) {
    std::int64_t v = 0;
    for (const std::string& s : e.symbols) {
      if (auto known = linux_symbol(s)) {
        v |= *known;
      } else {
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (ec != std::errc{} || end != s.data() + s.size()) {
          throw ScriptFailure{line, fmt::format("unknown symbol {} in {}", quote_for_message(s), what)};
        }
        v |= n;
      }
    }
    return v;
  }
  throw ScriptFailure{line, fmt::format("{} must be a number or a symbol", what)};
}

static const Expr* field(const Expr& object, std::string_view name) {
  for (const Field& f : object.fields) {
    if (f.name == name) return &f.value;
  }
  return nullptr;
}

static std::uint32_t epoll_mask(const stack::SocketReadiness& r) {
  // Linux's tcp_poll().
  std::uint32_t mask = 0;
  if (r.readable || r.read_hangup) mask |= lc::epollin;
  if (r.writable) mask |= lc::epollout;
  if (r.error) mask |= lc::epollerr;
  if (r.hangup) mask |= lc::epollhup;
  if (r.read_hangup || r.hangup) mask |= lc::epollrdhup | lc::epollin;
  return mask;
}

void Runner::call(const Event& event, const CallEvent& c, bool first_attempt, bool* is_blocked) {
  const int line = event.where.line;
  const auto& a = c.args;
  auto need = [&](std::size_t n) {
    if (a.size() < n) failure(line, fmt::format("{}() needs {} arguments", c.name, n));
  };
  auto script_fd_of = [&](const Expr& e) -> ScriptFd* {
    const auto fd = static_cast<int>(number(e, line, "a descriptor"));
    auto it = fds_.find(fd);
    return it == fds_.end() ? nullptr : &it->second;
  };
  auto socket_of = [&](const Expr& e) -> int {
    ScriptFd* f = script_fd_of(e);
    return f == nullptr || f->is_epoll ? -1 : f->stack_fd;
  };
  auto new_script_fd = [&](int stack_fd, bool is_epoll) {
    // The script names the descriptor it expects; any non-negative result matches it.
    int fd = 3;
    if (c.result.kind == Expr::Kind::integer && c.result.integer >= 0 &&
        !fds_.count(static_cast<int>(c.result.integer))) {
      fd = static_cast<int>(c.result.integer);
    } else {
      while (fds_.count(fd)) ++fd;
    }
    fds_[fd] = ScriptFd{is_epoll, stack_fd, {}};
    return fd;
  };

  Outcome out;
  std::size_t written_so_far = 0;  // a blocking write that is still going
  const std::string& name = c.name;
  if (name == "socket") {
    need(3);
    const std::int64_t type = number(a[1], line, "the socket type");
    if ((type & 0xf) != 1) failure(line, "finwait scripts use SOCK_STREAM sockets only");
    const int fd = stack_->socket();
    if (type & lc::o_nonblock) stack_->set_nonblocking(fd, true);
    out = value_of(new_script_fd(fd, false));
    out.returns_descriptor = true;
  } else if (name == "bind") {
    need(1);
    const int fd = socket_of(a[0]);
    out = fd < 0 ? error_of(Errno::ebadf) : [&] {
      const Errno e = stack_->bind(fd, k_local_address, k_script_port);
      return e == Errno::ok ? value_of(0) : error_of(e);
    }();
  } else if (name == "listen") {
    need(2);
    const int fd = socket_of(a[0]);
    if (fd < 0) {
      out = error_of(Errno::ebadf);
    } else {
      const Errno e = stack_->listen(fd, static_cast<int>(number(a[1], line, "the backlog")));
      out = e == Errno::ok ? value_of(0) : error_of(e);
    }
  } else if (name == "accept" || name == "accept4") {
    need(1);
    const int fd = socket_of(a[0]);
    if (fd < 0) {
      out = error_of(Errno::ebadf);
    } else {
      auto accepted = stack_->accept(fd);
      if (accepted) {
        if (auto f = stack_->flow_of(*accepted)) flow_ = *f;
        out = value_of(new_script_fd(*accepted, false));
        out.returns_descriptor = true;
      } else if (accepted.error() == Errno::eagain && !stack_->nonblocking(fd)) {
        out = blocked();
      } else {
        out = error_of(accepted.error());
      }
    }
  } else if (name == "connect") {
    need(1);
    const int fd = socket_of(a[0]);
    if (fd < 0) {
      out = error_of(Errno::ebadf);
    } else if (!first_attempt && pending_ && pending_->started) {
      // A blocking connect in progress: done once the handshake ends either way.
      const auto state = stack_->state_of(fd);
      if (state == tcp::State::syn_sent || state == tcp::State::syn_received) {
        out = blocked();
      } else {
        const Errno e = stack_->take_error(fd);
        out = e == Errno::ok ? value_of(0) : error_of(e);
      }
    } else {
      const Errno e = stack_->connect(fd, k_remote_address, k_script_port, now_);
      if (auto f = stack_->flow_of(fd)) flow_ = *f;
      capture();
      if (e == Errno::einprogress && !stack_->nonblocking(fd)) {
        const auto state = stack_->state_of(fd);
        if (state == tcp::State::syn_sent || state == tcp::State::syn_received) {
          out = blocked();  // the pending entry made below records that the handshake began
        } else {
          const Errno error = stack_->take_error(fd);
          out = error == Errno::ok ? value_of(0) : error_of(error);
        }
      } else {
        out = e == Errno::ok ? value_of(0) : error_of(e);
      }
    }
  } else if (name == "read" || name == "recv" || name == "recvfrom" || name == "write" || name == "send" ||
             name == "sendto") {
    need(3);
    const int fd = socket_of(a[0]);
    const std::int64_t asked = number(a[2], line, "the length");
    const auto length = static_cast<std::size_t>(std::max<std::int64_t>(asked, 0));
    const bool reading = name == "read" || name == "recv" || name == "recvfrom";
    const bool dont_wait = a.size() >= 4 && a[3].kind != Expr::Kind::ellipsis &&
                           (number(a[3], line, "the flags") & 0x40) != 0;  // MSG_DONTWAIT
    const bool null_buffer =
        a[1].kind == Expr::Kind::symbols && a[1].symbols.size() == 1 && a[1].symbols[0] == "NULL";
    if (fd < 0) {
      out = error_of(Errno::ebadf);
    } else if (null_buffer || asked < 0) {
      // As the kernel answers a NULL buffer, or a length past SSIZE_MAX
      // (a negative one): the buffer cannot be there (access_ok fails).
      out = error_of(Errno::efault);
    } else if (reading) {
      // The buffer is as large as what can be read, never as large as asked:
      // a read of 4 GB on an empty socket allocates nothing and says EAGAIN.
      std::vector<std::uint8_t> buffer(std::min(length, std::max<std::size_t>(stack_->readable_bytes(fd), 1)));
      auto r = stack_->receive(fd, buffer, now_);
      capture();
      if (r) {
        out = value_of(static_cast<std::int64_t>(*r));
      } else if (r.error() == Errno::eagain && !stack_->nonblocking(fd) && !dont_wait) {
        out = blocked();
      } else {
        out = error_of(r.error());
      }
    } else {
      // A blocking write returns once every byte is queued, writing what
      // fits as space frees up; a nonblocking one takes what fits now.
      const bool blocking = !stack_->nonblocking(fd) && !dont_wait;
      const std::size_t done = first_attempt || !pending_ ? 0 : pending_->written;
      // Written in slices from one buffer, as far as the send buffer takes
      // them: a write of 2^62 bytes allocates no more than a small one.
      static const std::vector<std::uint8_t> k_slice(65536, 'x');
      std::size_t total = done;
      Result<std::size_t, Errno> r = std::size_t{0};
      do {  // at least once: a write of 0 bytes still learns ENOTCONN, EPIPE, ...
        const std::size_t n = std::min(length - total, k_slice.size());
        r = stack_->send(fd, std::span(k_slice).first(n), now_);
        if (!r) break;
        total += *r;
        if (*r < n) break;
      } while (total < length);
      capture();
      if (total == length) {
        out = value_of(static_cast<std::int64_t>(length));
      } else if ((r || r.error() == Errno::eagain) && blocking) {
        out = blocked();
        written_so_far = total;
      } else if (r || total > 0) {
        out = value_of(static_cast<std::int64_t>(total));
      } else {
        out = error_of(r.error());
      }
    }
  } else if (name == "close") {
    need(1);
    ScriptFd* f = script_fd_of(a[0]);
    if (f == nullptr) {
      out = error_of(Errno::ebadf);
    } else if (f->is_epoll) {
      fds_.erase(static_cast<int>(number(a[0], line, "a descriptor")));
      out = value_of(0);
    } else if (!first_attempt) {
      out = stack_->close_pending(f->stack_fd) ? blocked() : value_of(0);
      if (!out.blocked) fds_.erase(static_cast<int>(number(a[0], line, "a descriptor")));
    } else {
      const int fd = f->stack_fd;
      const Errno e = stack_->close(fd, now_);
      capture();
      if (e == Errno::ok && stack_->close_pending(fd) && event.time.is_blocking) {
        out = blocked();  // SO_LINGER {1, N}: close() waits
      } else {
        fds_.erase(static_cast<int>(number(a[0], line, "a descriptor")));
        out = e == Errno::ok ? value_of(0) : error_of(e);
      }
    }
  } else if (name == "shutdown") {
    need(2);
    const int fd = socket_of(a[0]);
    const std::int64_t how = number(a[1], line, "how");
    if (fd < 0) {
      out = error_of(Errno::ebadf);
    } else if (how < 0 || how > 2) {
      out = error_of(Errno::einval);
    } else {
      const Errno e = stack_->shutdown(fd, static_cast<tcp::Shutdown>(how), now_);
      capture();
      out = e == Errno::ok ? value_of(0) : error_of(e);
    }
  } else if (name == "fcntl") {
    need(2);
    const int fd = socket_of(a[0]);
    const std::int64_t cmd = number(a[1], line, "the command");
    if (fd < 0) {
      out = error_of(Errno::ebadf);
    } else if (cmd == lc::f_getfl) {
      out = value_of(lc::o_rdwr | (stack_->nonblocking(fd) ? lc::o_nonblock : 0));
    } else if (cmd == lc::f_setfl) {
      need(3);
      stack_->set_nonblocking(fd, (number(a[2], line, "the flags") & lc::o_nonblock) != 0);
      out = value_of(0);
    } else {
      failure(line, fmt::format("fcntl command {} is not supported (F_GETFL, F_SETFL)", cmd));
    }
  } else if (name == "setsockopt" || name == "getsockopt") {
    need(4);
    const int fd = socket_of(a[0]);
    const std::int64_t level = number(a[1], line, "the level");
    const std::int64_t option = number(a[2], line, "the option");
    if (fd < 0) {
      out = error_of(Errno::ebadf);
    } else {
      tcp::SocketOptions& o = *stack_->options(fd);
      const Tunables& t = stack_->tunables();
      const bool set = name == "setsockopt";
      const Expr& v = a[3];
      // The kernel takes an int: a larger number arrives as its low 32 bits
      // (as a C caller passing it would send), so no value can overflow below.
      auto int_value = [&] {
        return std::int64_t{static_cast<std::int32_t>(number(v, line, "the option value"))};
      };
      // For getsockopt: the value the call yields, to compare with the script's.
      std::optional<std::int64_t> got;
      std::optional<std::pair<std::int64_t, std::int64_t>> got_linger;
      std::optional<std::string> got_string;
      Errno error = Errno::ok;
      auto seconds_of = [](Duration d) { return d.nanoseconds() / 1'000'000'000; };
      if (level == lc::sol_socket) {
        switch (option) {
          case lc::so_reuseaddr:
            if (set) stack_->set_reuse_address(fd, int_value() != 0);
            got = stack_->reuse_address(fd) ? 1 : 0;
            break;
          case lc::so_keepalive:
            if (set) o.keepalive = int_value() != 0;
            got = o.keepalive ? 1 : 0;
            break;
          case lc::so_linger:
            if (set) {
              const Expr* on = field(v, "onoff");
              const Expr* seconds = field(v, "linger");
              if (on == nullptr || seconds == nullptr) failure(line, "SO_LINGER takes {onoff=N, linger=N}");
              o.linger_on = number(*on, line, "onoff") != 0;
              o.linger_seconds =
                  static_cast<int>(std::max<std::int64_t>(0, number(*seconds, line, "linger")));
            }
            got_linger = std::pair{o.linger_on ? 1 : 0, o.linger_seconds};
            break;
          case lc::so_error:
            if (set) error = Errno::enoprotoopt;
            got = linux_errno_number(stack_->take_error(fd));
            break;
          case lc::so_sndbuf:
          case lc::so_rcvbuf: {
            auto& buffer = option == lc::so_sndbuf ? o.send_buffer : o.receive_buffer;
            // Linux doubles the value asked for (room for its bookkeeping).
            if (set) {
              // Linux: at most net.core.[rw]mem_max, then doubled (room for its bookkeeping).
              const std::int64_t asked = std::min(int_value(), t.get(TunableId::tcp_rmem_max));
              buffer = static_cast<std::uint32_t>(std::max<std::int64_t>(asked * 2, 4608));
            }
            got = buffer.value_or(static_cast<std::uint32_t>(
                t.get(option == lc::so_sndbuf ? TunableId::tcp_sendspace : TunableId::tcp_recvspace)));
            break;
          }
          case 3:  // SO_TYPE
            got = 1;
            break;
          default: error = Errno::enoprotoopt; break;
        }
      } else if (level == lc::ipproto_tcp) {
        switch (option) {
          case lc::tcp_nodelay:
            if (set) o.nodelay = int_value() != 0;
            got = o.nodelay ? 1 : 0;
            break;
          case lc::tcp_keepidle:
          case lc::tcp_keepintvl: {
            auto& slot = option == lc::tcp_keepidle ? o.keepalive_idle : o.keepalive_interval;
            if (set) {
              const std::int64_t s = int_value();
              if (s < 1 || s > 32767) {
                error = Errno::einval;  // Linux: 1..MAX_TCP_KEEPIDLE
              } else {
                slot = seconds(s);
              }
            }
            got = seconds_of(slot.value_or(
                t.duration(option == lc::tcp_keepidle ? TunableId::tcp_keepidle : TunableId::tcp_keepintvl)));
            break;
          }
          case lc::tcp_keepcnt:
            if (set) {
              const std::int64_t n = int_value();
              if (n < 1 || n > 127) {
                error = Errno::einval;
              } else {
                o.keepalive_count = static_cast<int>(n);
              }
            }
            got = o.keepalive_count.value_or(static_cast<int>(t.get(TunableId::tcp_keepcnt)));
            break;
          case lc::tcp_syncnt:
            if (set) {
              const std::int64_t n = int_value();
              if (n < 1 || n > 127) {
                error = Errno::einval;
              } else {
                o.syn_count = static_cast<int>(n);
              }
            }
            got = o.syn_count.value_or(static_cast<int>(t.get(TunableId::tcp_syn_retries)));
            break;
          case lc::tcp_linger2:
            if (set) {
              const std::int64_t s = int_value();
              o.linger2_negative = s < 0;
              if (s <= 0) {
                o.linger2.reset();
              } else {
                // Linux caps TCP_LINGER2 at TCP_FIN_TIMEOUT_MAX (120 s); the
                // other profiles take what they are given.
                o.linger2 = seconds(profile_ == Profile::linux ? std::min<std::int64_t>(s, 120) : s);
              }
            }
            got =
                o.linger2_negative ? -1 : seconds_of(o.linger2.value_or(t.duration(TunableId::tcp_finwait2)));
            break;
          case lc::tcp_user_timeout:
            if (set) {
              const std::int64_t ms = int_value();
              if (ms < 0) {
                error = Errno::einval;
              } else {
                o.user_timeout = milliseconds(ms);
              }
            }
            got = o.user_timeout.milliseconds();
            break;
          case lc::tcp_maxseg: got = 1460; break;
          case lc::tcp_congestion:
            got_string = "cubic";
            if (set && v.kind == Expr::Kind::string && v.text != "cubic" && v.text != "reno")
              error = Errno::enoprotoopt;
            break;
          default: error = Errno::enoprotoopt; break;
        }
      } else {
        error = Errno::enoprotoopt;
      }
      if (error != Errno::ok) {
        out = error_of(error);
      } else {
        out = value_of(0);
        if (set) {
          stack_->apply_options(fd, now_);
          capture();
        } else {
          // Compare what getsockopt yields with what the script expects.
          if (got_linger) {
            const Expr* on = field(v, "onoff");
            const Expr* seconds = field(v, "linger");
            if ((on && number(*on, line, "onoff") != got_linger->first) ||
                (seconds && number(*seconds, line, "linger") != got_linger->second)) {
              failure(line, fmt::format("getsockopt gave {{onoff={}, linger={}}}", got_linger->first,
                                        got_linger->second));
            }
          } else if (got_string) {
            if (v.kind == Expr::Kind::string && v.text != *got_string) {
              failure(line, fmt::format("getsockopt gave \"{}\"", *got_string));
            }
          } else if (got && v.kind != Expr::Kind::ellipsis && number(v, line, "the option value") != *got) {
            failure(line, fmt::format("getsockopt gave [{}], the script expects [{}]", *got,
                                      number(v, line, "the option value")));
          }
        }
      }
    }
  } else if (name == "ioctl") {
    need(3);
    const int fd = socket_of(a[0]);
    const std::int64_t request = number(a[1], line, "the request");
    if (fd < 0) {
      out = error_of(Errno::ebadf);
    } else if (request == lc::siocinq) {
      const auto n = static_cast<std::int64_t>(stack_->readable_bytes(fd));
      if (a[2].kind != Expr::Kind::ellipsis && number(a[2], line, "the value") != n) {
        failure(line, fmt::format("SIOCINQ gave [{}]", n));
      }
      out = value_of(0);
    } else {
      failure(line, fmt::format("ioctl request {:#x} is not supported (SIOCINQ, FIONREAD)", request));
    }
  } else if (name == "epoll_create" || name == "epoll_create1") {
    out = value_of(new_script_fd(-1, true));
    out.returns_descriptor = true;
  } else if (name == "epoll_ctl") {
    need(4);
    ScriptFd* ep = script_fd_of(a[0]);
    const std::int64_t op = number(a[1], line, "the operation");
    const auto target = static_cast<int>(number(a[2], line, "the descriptor"));
    if (ep == nullptr || !ep->is_epoll || !fds_.count(target)) {
      out = error_of(Errno::ebadf);
    } else if (op == lc::epoll_ctl_del) {
      ep->interest.erase(target);
      out = value_of(0);
    } else {
      const Expr* events = field(a[3], "events");
      ep->interest[target] = events ? static_cast<std::uint32_t>(number(*events, line, "events")) : 0;
      out = value_of(0);
    }
  } else if (name == "epoll_wait" || name == "poll") {
    // Level-triggered readiness; EPOLLERR and EPOLLHUP are always reported.
    const bool is_poll = name == "poll";
    need(3);
    std::vector<std::pair<int, std::uint32_t>> ready;  // script fd, events
    std::int64_t timeout_ms = 0;
    if (is_poll) {
      timeout_ms = number(a[2], line, "the timeout");
      for (const Expr& item : a[0].kind == Expr::Kind::object ? std::vector<Expr>{a[0]} : a[0].items) {
        const Expr* fd_field = field(item, "fd");
        const Expr* events = field(item, "events");
        if (fd_field == nullptr) failure(line, "poll takes [{fd=N, events=..., revents=...}]");
        const auto fd = static_cast<int>(number(*fd_field, line, "fd"));
        const std::uint32_t want = events ? static_cast<std::uint32_t>(number(*events, line, "events")) : 0;
        auto it = fds_.find(fd);
        std::uint32_t revents = 0x20;  // POLLNVAL
        if (it != fds_.end() && !it->second.is_epoll) {
          revents = epoll_mask(stack_->readiness(it->second.stack_fd)) & (want | lc::epollerr | lc::epollhup);
        }
        if (revents != 0) ready.emplace_back(fd, revents);
      }
    } else {
      need(4);
      timeout_ms = number(a[3], line, "the timeout");
      ScriptFd* ep = script_fd_of(a[0]);
      if (ep == nullptr || !ep->is_epoll) {
        out = error_of(Errno::ebadf);
      } else {
        for (const auto& [fd, want] : ep->interest) {
          auto it = fds_.find(fd);
          if (it == fds_.end() || it->second.is_epoll) continue;
          const std::uint32_t events =
              epoll_mask(stack_->readiness(it->second.stack_fd)) & (want | lc::epollerr | lc::epollhup);
          if (events != 0) ready.emplace_back(fd, events);
        }
      }
    }
    // A timeout past any script's end is as good as forever (and cannot overflow).
    timeout_ms = std::min(timeout_ms, k_max_script_time_us / 1000);
    if (out.error == Errno::ok) {
      const bool timed_out =
          pending_ && timeout_ms >= 0 && now_us() >= pending_->start_us + timeout_ms * 1000;
      if (ready.empty() && timeout_ms != 0 && !timed_out) {
        out = blocked();
      } else {
        out = value_of(static_cast<std::int64_t>(ready.size()));
        // Compare the reported events with the script's.
        const Expr& expected = is_poll ? a[0] : a[1];
        const std::vector<Expr> items =
            expected.kind == Expr::Kind::object ? std::vector<Expr>{expected} : expected.items;
        for (std::size_t i = 0; i < items.size() && i < ready.size(); ++i) {
          const Expr* events = field(items[i], is_poll ? "revents" : "events");
          if (events && static_cast<std::uint32_t>(number(*events, line, "events")) != ready[i].second) {
            failure(line, fmt::format("{} reported events {:#x} for fd {}, the script expects {:#x}", name,
                                      ready[i].second, ready[i].first, number(*events, line, "events")));
          }
        }
      }
    }
  } else if (name == "tcp_state" || name == "conn_state") {
    std::optional<tcp::State> state;
    if (name == "tcp_state") {
      need(1);
      const int fd = socket_of(a[0]);
      if (fd < 0) failure(line, "tcp_state() of a descriptor the script does not hold");
      state = stack_->state_of(fd);
    } else {
      state = flow_ ? stack_->state_of(*flow_) : std::nullopt;
      if (!state) state = tcp::State::closed;
    }
    if (c.result.kind != Expr::Kind::symbols || c.result.symbols.size() != 1) {
      failure(line, fmt::format("{}() = TCP_STATE_NAME expected", name));
    }
    const auto expected = tcp::parse_linux_name(c.result.symbols[0]);
    if (!expected) failure(line, fmt::format("unknown state {}", c.result.symbols[0]));
    if (*state != *expected) {
      failure(line, fmt::format("{}() is {}, the script expects {}", name, tcp::linux_name(*state),
                                tcp::linux_name(*expected)));
    }
    trace(fmt::format("{} {}() = {}", now_us(), name, tcp::linux_name(*state)));
    return;
  } else if (name == "conn_count") {
    out = value_of(static_cast<std::int64_t>(stack_->connection_count()));
  } else if (name == "quiet") {
    // The stack sends nothing until the end of the window; the next event
    // counts from the end (SCRIPTS.md 5).
    const std::int64_t end = event.time.is_blocking ? blocking_end(event, now_us()) : now_us();
    while (stack_->next_deadline() <= Instant::from_nanoseconds(end * 1000)) {
      step_timers_once();
      if (!captured_.empty()) {
        failure(line, fmt::format("expected silence until {} s, but sent {} at {} s", end / 1e6,
                                  describe(captured_.front()), captured_.front().at.nanoseconds() / 1e9));
      }
    }
    advance_to(end);
    last_event_us_ = end;
    out = value_of(0);
  } else {
    failure(line,
            fmt::format("unsupported call {}() (finwait runs: socket bind listen accept connect read write "
                        "send recv close shutdown fcntl setsockopt getsockopt poll epoll_create epoll_ctl "
                        "epoll_wait ioctl tcp_state conn_state conn_count quiet)",
                        name));
  }

  *is_blocked = out.blocked;
  if (out.blocked) {
    if (first_attempt) {
      if (!event.time.is_blocking) {
        failure(line,
                fmt::format("{}() would block here; write it as a blocking call, T...E {}(...)", name, name));
      }
      Pending p;
      p.event = std::make_shared<const Event>(event);
      p.start_us = now_us();
      p.end_us = blocking_end(event, p.start_us);
      p.started = name == "connect";
      pending_ = p;
    }
    if (pending_) pending_->written = written_so_far;
    return;
  }
  // The call returned: check when, and what.
  if (event.time.is_blocking && name != "quiet") {
    const std::int64_t start = first_attempt ? now_us() : pending_->start_us;
    const std::int64_t end = blocking_end(event, start);
    const std::int64_t tol = tolerance(end - start);
    if (now_us() < end - tol || now_us() > end + tol) {
      failure(line, fmt::format("{}() returned at {:.6f} s, expected at {:.6f} s", name, now_us() / 1e6,
                                end / 1e6));
    }
  }
  trace(fmt::format("{:.6f} {}() = {}{}", now_us() / 1e6, name, out.value,
                    out.error == Errno::ok ? "" : std::string(" ") + std::string(to_string(out.error))));
  const Expr& r = c.result;
  if (r.kind == Expr::Kind::ellipsis) return;
  const std::int64_t expected = number(r, line, "the result");
  const bool matches = out.returns_descriptor && expected >= 0 ? out.value >= 0 : out.value == expected;
  if (!matches) {
    failure(line, fmt::format("{}() returned {}{}, the script expects {}{}", name, out.value,
                              out.error == Errno::ok ? "" : fmt::format(" {}", to_string(out.error)),
                              expected, c.errno_name ? " " + *c.errno_name : ""));
  }
  if (out.value == -1 && c.errno_name) {
    const auto want = parse_errno(*c.errno_name);
    if (!want) failure(line, fmt::format("unknown errno {}", *c.errno_name));
    if (*want != out.error) {
      failure(line, fmt::format("{}() failed with {}, the script expects {}", name, to_string(out.error),
                                *c.errno_name));
    }
  }
}

std::int64_t Runner::blocking_end(const Event& event, std::int64_t start_us) const {
  // SCRIPTS.md 2: for a relative T, E is relative to the same base as T.
  const std::int64_t base = event.time.kind == TimeSpec::Kind::relative ? start_us - event.time.start_us : 0;
  return event.time.end_kind == TimeSpec::Kind::relative ? base + event.time.end_us : event.time.end_us;
}

void Runner::check_pending() {
  if (!pending_) return;
  const std::shared_ptr<const Event> held = pending_->event;  // call() may reset pending_
  const Event& event = *held;
  const auto& c = std::get<CallEvent>(event.action);
  bool still_blocked = false;
  call(event, c, false, &still_blocked);
  if (!still_blocked) {
    pending_.reset();
    return;
  }
  const std::int64_t tol = tolerance(pending_->end_us - pending_->start_us);
  if (now_us() > pending_->end_us + tol) {
    failure(event.where.line, fmt::format("{}() did not return by {:.6f} s", c.name, pending_->end_us / 1e6));
  }
}

}  // namespace finwait::script
