// The system calls of SCRIPTS.md 4 and the finwait extensions of 5, as Linux
// answers them, on the stack's sockets.
#include <algorithm>
#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "api/socket_api.h"
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

[[noreturn]] static void failure_at(int line, std::string message) { throw ScriptFailure{line, std::move(message)}; }

// The bytes a struct msghdr's msg_iov holds: the sum of its iov_len.
static std::int64_t iovec_total(const Expr& header, int line);
static std::vector<const Expr*> cmsgs_of(const Expr& control);
// What of a struct msghdr finwait cannot honour is refused by name.
static void check_message_header(const Expr& header, bool reading, int line);

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

static const Expr* field_of(const Expr& object, std::string_view name) {
  for (const Field& f : object.fields) {
    if (f.name == name) return &f.value;
  }
  return nullptr;
}

static std::int64_t iovec_total(const Expr& header, int line) {
  if (header.kind != Expr::Kind::object) failure_at(line, "a struct msghdr is written {msg_name(...)=..., msg_iov(N)=[...], msg_flags=0}");
  const Expr* iov = field_of(header, "msg_iov");
  if (iov == nullptr) failure_at(line, "the struct msghdr has no msg_iov");
  std::vector<const Expr*> vectors;
  if (iov->kind == Expr::Kind::object) {
    vectors.push_back(iov);
  } else {
    for (const Expr& item : iov->items) vectors.push_back(&item);
  }
  std::int64_t total = 0;
  for (const Expr* v : vectors) {
    // {..., LEN} or {iov_base=..., iov_len=LEN}
    const Expr* len = field_of(*v, "iov_len");
    if (len == nullptr && v->kind == Expr::Kind::object && v->fields.size() == 2) len = &v->fields[1].value;
    if (len == nullptr) failure_at(line, "an iovec is written {..., LEN}");
    total += number(*len, line, "an iovec's length");
  }
  return total;
}

static void check_message_header(const Expr& header, bool reading, int line) {
  if (const Expr* flags = field_of(header, "msg_flags"); flags != nullptr && flags->kind != Expr::Kind::ellipsis) {
    if (number(*flags, line, "msg_flags") != 0 && !reading) failure_at(line, "sendmsg() ignores msg_flags: write 0");
  }
  if (const Expr* control = field_of(header, "msg_control"); control != nullptr && control->kind != Expr::Kind::ellipsis) {
    if (!reading) failure_at(line, "sendmsg() with msg_control: finwait's TCP takes no cmsgs");
    for (const Expr* cmsg : cmsgs_of(*control)) {
      const Expr* level = field_of(*cmsg, "cmsg_level");
      const Expr* type = field_of(*cmsg, "cmsg_type");
      if (level == nullptr || type == nullptr || field_of(*cmsg, "cmsg_data") == nullptr ||
          number(*level, line, "cmsg_level") != linux_constant::ipproto_tcp ||
          number(*type, line, "cmsg_type") != linux_constant::tcp_inq) {
        failure_at(line, "recvmsg() cmsgs: finwait gives TCP_CM_INQ only ({cmsg_level=SOL_TCP, cmsg_type=TCP_CM_INQ, cmsg_data=N})");
      }
    }
  }
}

// msg_control=[{...}, ...] or one {...}.
static std::vector<const Expr*> cmsgs_of(const Expr& control) {
  std::vector<const Expr*> out;
  if (control.kind == Expr::Kind::object) {
    out.push_back(&control);
  } else {
    for (const Expr& item : control.items) out.push_back(&item);
  }
  return out;
}

static const Expr* field(const Expr& object, std::string_view name) {
  for (const Field& f : object.fields) {
    if (f.name == name) return &f.value;
  }
  return nullptr;
}

void Runner::call(const Event& event, const CallEvent& c, bool first_attempt, bool* is_blocked) {
  const int line = event.where.line;
  const auto& a = c.args;
  api::SocketApi& sockets = *sockets_;
  auto need = [&](std::size_t n) {
    if (a.size() < n) failure(line, fmt::format("{}() needs {} arguments", c.name, n));
  };
  auto script_fd = [&](const Expr& e) { return static_cast<int>(number(e, line, "a descriptor")); };
  // The API's descriptor behind a script's (-1: none, which the API calls EBADF).
  auto api_fd_of = [&](const Expr& e) {
    auto it = fds_.find(script_fd(e));
    return it == fds_.end() ? -1 : it->second;
  };
  auto script_fd_for = [&](int api_fd) {
    for (const auto& [script, api] : fds_) {
      if (api == api_fd) return script;
    }
    return -1;
  };
  auto new_script_fd = [&](int api_fd) {
    // The script names the descriptor it expects; any non-negative result matches it.
    int fd = 3;
    if (c.result.kind == Expr::Kind::integer && c.result.integer >= 0 &&
        !fds_.count(static_cast<int>(c.result.integer))) {
      fd = static_cast<int>(c.result.integer);
    } else {
      while (fds_.count(fd)) ++fd;
    }
    fds_[fd] = api_fd;
    return fd;
  };
  auto outcome_of = [](const api::CallResult& r) {
    if (r.would_block) return blocked();
    return r.error == Errno::ok ? value_of(r.value) : error_of(r.error);
  };

  Outcome out;
  std::size_t written_so_far = 0;  // a blocking write that is still going
  const std::string& name = c.name;
  if (name == "socket") {
    need(3);
    const std::int64_t type = number(a[1], line, "the socket type");
    if ((type & 0xf) != lc::sock_stream) failure(line, "finwait scripts use SOCK_STREAM sockets only");
    const api::CallResult r = sockets.socket(lc::af_inet, static_cast<int>(type & (0xf | lc::sock_nonblock)), 0);
    out = r.ok() ? value_of(new_script_fd(static_cast<int>(r.value))) : outcome_of(r);
    out.returns_descriptor = r.ok();
    if (r.ok()) {
      retire_flow();
      isn_flow_.reset();  // the new socket's first SYN or SYN-ACK maps its ISN afresh
      socket_under_test_ = static_cast<int>(r.value);
      listener_took_syn_ = false;
    }
  } else if (name == "bind") {
    need(1);
    out = outcome_of(sockets.bind(api_fd_of(a[0]), local_address_, bind_port_));
  } else if (name == "listen") {
    need(2);
    out = outcome_of(sockets.listen(api_fd_of(a[0]), static_cast<int>(number(a[1], line, "the backlog"))));
  } else if (name == "accept" || name == "accept4") {
    need(1);
    const api::CallResult r = sockets.accept(api_fd_of(a[0]));
    if (r.ok()) {
      const int child = static_cast<int>(r.value);
      if (auto f = stack_->flow_of(sockets.stack_fd(child))) flow_ = *f;
      socket_under_test_ = child;
      listener_took_syn_ = false;
      out = value_of(new_script_fd(child));
      out.returns_descriptor = true;
    } else {
      out = outcome_of(r);
    }
  } else if (name == "connect") {
    need(1);
    const int fd = api_fd_of(a[0]);
    const bool unspecified = a.size() > 1 && a[1].kind == Expr::Kind::symbols && a[1].symbols.size() == 1 &&
                             a[1].symbols[0] == "AF_UNSPEC";
    const api::CallResult r = unspecified ? sockets.disconnect(fd, now_)
                                          : sockets.connect(fd, remote_address_, connect_port_, now_);
    if (auto f = stack_->flow_of(sockets.stack_fd(fd))) flow_ = *f;
    capture();
    out = outcome_of(r);
  } else if (name == "read" || name == "recv" || name == "recvfrom" || name == "write" || name == "send" ||
             name == "sendto" || name == "sendmsg" || name == "recvmsg") {
    // sendmsg/recvmsg carry their buffers in packetdrill's struct msghdr:
    // {msg_name(...)=..., msg_iov(N)=[{..., LEN}, ...], msg_flags=0}; the
    // bytes are the iovecs' total, the flags the third argument.
    const bool message = name == "sendmsg" || name == "recvmsg";
    need(3);
    const int fd = api_fd_of(a[0]);
    const std::int64_t asked = message ? iovec_total(a[1], line) : number(a[2], line, "the length");
    const auto length = static_cast<std::size_t>(std::max<std::int64_t>(asked, 0));
    const bool reading = name == "read" || name == "recv" || name == "recvfrom" || name == "recvmsg";
    const std::size_t flags_at = message ? 2 : 3;
    const int flags = a.size() > flags_at && a[flags_at].kind != Expr::Kind::ellipsis
                          ? static_cast<int>(number(a[flags_at], line, "the flags"))
                          : 0;
    if (message) check_message_header(a[1], reading, line);
    // sendto's address: packetdrill writes `...` (the remote end) or a family.
    const bool unspecified = name == "sendto" && a.size() > 4 && a[4].kind == Expr::Kind::symbols &&
                             a[4].symbols.size() == 1 && a[4].symbols[0] == "AF_UNSPEC";
    const int family = unspecified ? api::linux_abi::af_unspec : api::linux_abi::af_inet;
    const bool null_buffer = !message && a[1].kind == Expr::Kind::symbols && a[1].symbols.size() == 1 &&
                             a[1].symbols[0] == "NULL";
    if (!sockets.is_socket(fd)) {
      out = error_of(Errno::ebadf);
    } else if (null_buffer || asked < 0) {
      // As the kernel answers a NULL buffer, or a length past SSIZE_MAX
      // (a negative one): the buffer cannot be there (access_ok fails).
      out = error_of(Errno::efault);
    } else if (reading) {
      // The buffer is as large as what can be read, never as large as asked:
      // a read of 4 GB on an empty socket allocates nothing and says EAGAIN.
      const int sfd = sockets.stack_fd(fd);
      std::vector<std::uint8_t> buffer(std::min(length, std::max<std::size_t>(stack_->readable_bytes(sfd), 1)));
      const api::CallResult r = sockets.read(fd, buffer, flags, now_);
      capture();
      out = outcome_of(r);
      // recvmsg()'s TCP_CM_INQ (Linux's tcp_recvmsg with TCP_INQ set): what
      // is left to read, after this read.
      if (const Expr* control = message ? field_of(a[1], "msg_control") : nullptr;
          control != nullptr && control->kind != Expr::Kind::ellipsis && r.ok()) {
        const tcp::SocketOptions* o = stack_->options(sfd);
        if (o == nullptr || !o->inq) failure(line, "recvmsg() expects TCP_CM_INQ, but TCP_INQ is not set on the socket");
        for (const Expr* cmsg : cmsgs_of(*control)) {
          const std::int64_t expected = number(*field_of(*cmsg, "cmsg_data"), line, "cmsg_data");
          const auto inq = static_cast<std::int64_t>(stack_->inq_hint(sfd));
          if (expected != inq) failure(line, fmt::format("TCP_CM_INQ is {}, the script expects {}", inq, expected));
        }
      }
    } else {
      // A blocking write returns once every byte is queued, writing what
      // fits as space frees up; a nonblocking one takes what fits now.
      const std::size_t done = first_attempt || !pending_ ? 0 : pending_->written;
      // Written in slices from one buffer, as far as the send buffer takes
      // them: a write of 2^62 bytes allocates no more than a small one.
      static const std::vector<std::uint8_t> k_slice(65536, 'x');
      std::size_t total = done;
      api::CallResult r;
      do {  // at least once: a write of 0 bytes still learns ENOTCONN, EPIPE, ...
        const std::size_t n = std::min(length - total, k_slice.size());
        // sendto/sendmsg with MSG_FASTOPEN: the first slice may open the connection.
        r = (name == "sendto" || name == "sendmsg") && total == 0 && (flags & linux_constant::msg_fastopen) != 0
                ? sockets.sendto(fd, std::span(k_slice).first(n), flags, remote_address_, connect_port_, now_,
                                 family)
                : sockets.write(fd, std::span(k_slice).first(n), flags & ~linux_constant::msg_fastopen, now_);
        if (r.error != Errno::ok) break;
        total += static_cast<std::size_t>(std::max<std::int64_t>(r.value, 0));
        if (r.would_block || static_cast<std::size_t>(r.value) < n) break;
      } while (total < length);
      capture();
      if (r.error != Errno::ok && total == 0) {
        out = error_of(r.error);  // a write of 0 bytes learns its error too (EINPROGRESS, EPIPE, ...)
      } else if (total == length && !r.would_block) {
        out = value_of(static_cast<std::int64_t>(length));
      } else if (r.would_block) {
        out = blocked();
        written_so_far = total;
      } else if (r.error == Errno::ok || total > 0) {
        out = value_of(static_cast<std::int64_t>(total));
      } else {
        out = error_of(r.error);
      }
    }
  } else if (name == "close") {
    need(1);
    const int fd = api_fd_of(a[0]);
    const api::CallResult r = sockets.close(fd, now_);
    capture();
    // SO_LINGER {1, N}: close() waits, if the script wrote it as waiting.
    if (r.would_block && (event.time.is_blocking || !first_attempt)) {
      out = blocked();
    } else {
      fds_.erase(script_fd(a[0]));
      out = r.would_block ? value_of(0) : outcome_of(r);
    }
  } else if (name == "shutdown") {
    need(2);
    const api::CallResult r =
        sockets.shutdown(api_fd_of(a[0]), static_cast<int>(number(a[1], line, "how")), now_);
    capture();
    out = outcome_of(r);
  } else if (name == "fcntl") {
    need(2);
    const std::int64_t cmd = number(a[1], line, "the command");
    if (cmd != lc::f_getfl && cmd != lc::f_setfl)
      failure(line, fmt::format("fcntl command {} is not supported (F_GETFL, F_SETFL)", cmd));
    if (cmd == lc::f_setfl) need(3);
    out = outcome_of(sockets.fcntl(api_fd_of(a[0]), static_cast<int>(cmd),
                                   cmd == lc::f_setfl ? number(a[2], line, "the flags") : 0));
  } else if (name == "setsockopt" || name == "getsockopt") {
    need(4);
    const int fd = api_fd_of(a[0]);
    const auto level = static_cast<int>(number(a[1], line, "the level"));
    const auto option = static_cast<int>(number(a[2], line, "the option"));
    const Expr& v = a[3];
    const bool is_linger = level == lc::sol_socket && option == lc::so_linger;
    auto linger_of = [&]() -> std::optional<api::Linger> {
      const Expr* on = field(v, "onoff");
      const Expr* seconds = field(v, "linger");
      if (on == nullptr || seconds == nullptr) return std::nullopt;
      return api::Linger{number(*on, line, "onoff"), number(*seconds, line, "linger")};
    };
    if (name == "setsockopt") {
      api::OptionValue value = std::int64_t{0};
      if (is_linger && sockets.is_socket(fd)) {
        auto l = linger_of();
        if (!l) failure(line, "SO_LINGER takes {onoff=N, linger=N}");
        value = *l;
      } else if (v.kind == Expr::Kind::string) {
        value = v.text;
      } else if (sockets.is_socket(fd)) {
        value = number(v, line, "the option value");
      }
      const api::CallResult r = sockets.setsockopt(fd, level, option, value, now_);
      capture();
      out = outcome_of(r);
    } else {
      api::OptionValue got;
      const api::CallResult r = sockets.getsockopt(fd, level, option, got);
      out = outcome_of(r);
      // Compare what getsockopt yields with what the script expects.
      if (r.ok()) {
        if (const auto* l = std::get_if<api::Linger>(&got)) {
          const Expr* on = field(v, "onoff");
          const Expr* seconds = field(v, "linger");
          if ((on && number(*on, line, "onoff") != l->onoff) ||
              (seconds && number(*seconds, line, "linger") != l->seconds)) {
            failure(line, fmt::format("getsockopt gave {{onoff={}, linger={}}}", l->onoff, l->seconds));
          }
        } else if (const auto* text = std::get_if<std::string>(&got)) {
          if (v.kind == Expr::Kind::string && v.text != *text) {
            failure(line, fmt::format("getsockopt gave \"{}\"", *text));
          }
        } else if (v.kind != Expr::Kind::ellipsis && v.kind != Expr::Kind::string) {
          const std::int64_t value = std::get<std::int64_t>(got);
          if (number(v, line, "the option value") != value) {
            failure(line, fmt::format("getsockopt gave [{}], the script expects [{}]", value,
                                      number(v, line, "the option value")));
          }
        }
      }
    }
  } else if (name == "ioctl") {
    need(3);
    const std::int64_t request = number(a[1], line, "the request");
    if (request != lc::siocinq)
      failure(line, fmt::format("ioctl request {:#x} is not supported (SIOCINQ, FIONREAD)", request));
    std::int64_t n = 0;
    const api::CallResult r = sockets.ioctl(api_fd_of(a[0]), static_cast<int>(request), n);
    if (r.ok() && a[2].kind != Expr::Kind::ellipsis && number(a[2], line, "the value") != n) {
      failure(line, fmt::format("SIOCINQ gave [{}]", n));
    }
    out = outcome_of(r);
  } else if (name == "epoll_create" || name == "epoll_create1") {
    const api::CallResult r = sockets.epoll_create();
    out = value_of(new_script_fd(static_cast<int>(r.value)));
    out.returns_descriptor = true;
  } else if (name == "epoll_ctl") {
    need(4);
    const Expr* events = field(a[3], "events");
    out = outcome_of(sockets.epoll_ctl(api_fd_of(a[0]), static_cast<int>(number(a[1], line, "the operation")),
                                       api_fd_of(a[2]),
                                       events ? static_cast<std::uint32_t>(number(*events, line, "events")) : 0));
  } else if (name == "epoll_wait" || name == "poll") {
    const bool is_poll = name == "poll";
    need(3);
    std::vector<std::pair<int, std::uint32_t>> ready;  // script fd, events
    std::int64_t timeout_ms = 0;
    if (is_poll) {
      timeout_ms = number(a[2], line, "the timeout");
      std::vector<api::PollFd> polled;
      for (const Expr& item : a[0].kind == Expr::Kind::object ? std::vector<Expr>{a[0]} : a[0].items) {
        const Expr* fd_field = field(item, "fd");
        const Expr* events = field(item, "events");
        if (fd_field == nullptr) failure(line, "poll takes [{fd=N, events=..., revents=...}]");
        const int fd = static_cast<int>(number(*fd_field, line, "fd"));
        auto it = fds_.find(fd);
        polled.push_back(api::PollFd{it == fds_.end() ? -1 : it->second,
                                     events ? static_cast<std::uint32_t>(number(*events, line, "events")) : 0, 0});
      }
      (void)sockets.poll(polled);
      for (std::size_t i = 0; i < polled.size(); ++i) {
        if (polled[i].revents == 0) continue;
        const Expr& item = a[0].kind == Expr::Kind::object ? a[0] : a[0].items[i];
        ready.emplace_back(static_cast<int>(number(*field(item, "fd"), line, "fd")), polled[i].revents);
      }
    } else {
      need(4);
      timeout_ms = number(a[3], line, "the timeout");
      std::vector<api::EpollEvent> events;
      const api::CallResult r = sockets.epoll_wait(api_fd_of(a[0]), events);
      if (!r.ok()) out = outcome_of(r);
      for (const api::EpollEvent& e : events) ready.emplace_back(script_fd_for(e.fd), e.events);
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
      const int fd = sockets.stack_fd(api_fd_of(a[0]));
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
