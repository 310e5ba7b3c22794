#include "soak_peers.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "api/linux_abi.h"

namespace finwait::soak {
namespace {
namespace abi = api::linux_abi;

constexpr std::uint16_t k_port = 80;
constexpr std::size_t k_chunk = 8192;

void set_bounds(api::SocketApi& s, int fd, Instant now) {
  (void)s.setsockopt(fd, abi::sol_socket, abi::so_keepalive, std::int64_t{1}, now);
  (void)s.setsockopt(fd, abi::ipproto_tcp, abi::tcp_keepidle, std::int64_t{k_keepidle_s}, now);
  (void)s.setsockopt(fd, abi::ipproto_tcp, abi::tcp_keepintvl, std::int64_t{k_keepintvl_s}, now);
  (void)s.setsockopt(fd, abi::ipproto_tcp, abi::tcp_keepcnt, std::int64_t{k_keepcnt}, now);
  (void)s.setsockopt(fd, abi::ipproto_tcp, abi::tcp_user_timeout, std::int64_t{k_user_timeout_ms}, now);
}

// What both ends do with one connection, each step: send what fits, read
// and check what came, and close as the plan says.
struct Driver {
  api::SocketApi& s;
  int fd;
  const SoakPlan& plan;
  std::size_t index;
  bool is_client;
  SideRecord& me;
  Instant now;

  const ConnectionPlan& c() const { return plan.connections[index]; }
  std::size_t to_send() const { return is_client ? c().client_bytes : c().server_bytes; }
  std::size_t to_receive() const { return is_client ? c().server_bytes : c().client_bytes; }
  bool aborts() const {
    return (is_client && c().order == CloseOrder::client_abort) || (!is_client && c().order == CloseOrder::server_abort);
  }

  void fail(Errno e) {
    if (me.error == Errno::ok) me.error = e;
  }

  // Returns false once the socket is closed.
  bool run(bool& shut_wr) {
    std::array<std::uint8_t, k_chunk> buffer{};
    // Send.
    const std::size_t limit = aborts() ? c().abort_after : to_send();
    while (me.sent < limit && !shut_wr) {
      const std::size_t n = std::min(k_chunk, limit - me.sent);
      for (std::size_t i = 0; i < n; ++i) buffer[i] = pattern_byte(plan.seed, index, is_client, me.sent + i);
      const api::CallResult r = s.write(fd, std::span(buffer).first(n), 0, now);
      if (!r.ok()) {
        if (r.error != Errno::eagain) fail(r.error);
        break;
      }
      me.sent += static_cast<std::size_t>(r.value);
    }
    if (aborts() && me.sent >= c().abort_after) {
      (void)s.setsockopt(fd, abi::sol_socket, abi::so_linger, api::Linger{1, 0}, now);
      (void)s.close(fd, now);
      me.aborted = me.closed = true;
      return false;
    }
    const bool sent_all = me.sent >= to_send();
    if (sent_all && is_client && c().order == CloseOrder::half_close && !shut_wr) {
      (void)s.shutdown(fd, abi::shut_wr, now);
      shut_wr = true;
    }
    // Receive and check.
    while (me.error == Errno::ok) {
      const api::CallResult r = s.read(fd, buffer, 0, now);
      if (!r.ok()) {
        if (r.error != Errno::eagain) fail(r.error);
        break;
      }
      if (r.value == 0) {
        me.eof = true;
        break;
      }
      for (std::int64_t i = 0; i < r.value; ++i) {
        const std::size_t at = me.received + static_cast<std::size_t>(i);
        const std::uint8_t want = at < to_receive() ? pattern_byte(plan.seed, index, !is_client, at) : 0;
        if (at >= to_receive() || buffer[static_cast<std::size_t>(i)] != want) {
          if (me.broken.empty())
            me.broken = at >= to_receive() ? fmt::format("{} bytes more than the {} sent", r.value - i, to_receive())
                                           : fmt::format("byte {} is {:#04x}, not {:#04x}", at,
                                                         buffer[static_cast<std::size_t>(i)], want);
          break;
        }
      }
      me.received += static_cast<std::size_t>(r.value);
    }
    if (me.error == Errno::ok) {
      api::OptionValue so_error = std::int64_t{0};
      if (s.getsockopt(fd, abi::sol_socket, abi::so_error, so_error).ok()) {
        if (const auto* e = std::get_if<std::int64_t>(&so_error); e != nullptr && *e != 0) fail(Errno::econnreset);
      }
    }
    const bool got_all = me.received >= to_receive();
    bool close_now = me.error != Errno::ok || !me.broken.empty();
    switch (c().order) {
      case CloseOrder::client_first:
        close_now = close_now || (is_client ? sent_all && got_all : sent_all && me.eof);
        break;
      case CloseOrder::server_first:
        close_now = close_now || (is_client ? sent_all && me.eof : sent_all && got_all);
        break;
      case CloseOrder::simultaneous: close_now = close_now || (sent_all && got_all); break;
      case CloseOrder::half_close:
      case CloseOrder::client_abort:
      case CloseOrder::server_abort: close_now = close_now || (sent_all && me.eof); break;
    }
    if (me.eof && !close_now && got_all && sent_all) close_now = true;
    if (me.eof && !got_all) close_now = true;  // the peer ended early: nothing more will come
    if (close_now) {
      (void)s.close(fd, now);
      me.closed = true;
      return false;
    }
    return true;
  }
};

}  // namespace

std::uint8_t pattern_byte(std::uint64_t seed, std::size_t connection, bool from_client, std::size_t offset) {
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + connection * 0xBF58476D1CE4E5B9ull + (from_client ? 1 : 2) +
                    offset * 0x94D049BB133111EBull;
  x ^= x >> 31;
  x *= 0xD6E8FEB86659FD93ull;
  return static_cast<std::uint8_t>(x >> 56);
}

SoakClient::SoakClient(const SoakPlan& plan, Ledger& ledger)
    : App("client"), plan_(plan), ledger_(ledger), fds_(plan.connections.size(), -1),
      started_(plan.connections.size(), false) {}

Instant SoakClient::next_wakeup() const {
  Instant next = Instant::never();
  for (std::size_t i = 0; i < plan_.connections.size(); ++i) {
    if (!started_[i]) next = std::min(next, Instant{} + plan_.connections[i].start);
  }
  return next;
}

void SoakClient::forget_sockets() {
  for (std::size_t i = 0; i < fds_.size(); ++i) {
    if (fds_[i] >= 0) ledger_.client[i].crashed = true;
    fds_[i] = -1;
  }
  // A connection not started yet when the host went down is never made.
  for (std::size_t i = 0; i < started_.size(); ++i) {
    if (!started_[i]) {
      started_[i] = true;
      ledger_.client[i].crashed = true;
    }
  }
}

void SoakClient::step(sim::World& world, Instant now) {
  api::SocketApi* s = world.sockets(host());
  if (s == nullptr) return;
  for (std::size_t i = 0; i < plan_.connections.size(); ++i) {
    SideRecord& me = ledger_.client[i];
    if (!started_[i] && now >= Instant{} + plan_.connections[i].start) {
      started_[i] = true;
      const int fd = static_cast<int>(s->socket(abi::af_inet, abi::sock_stream | abi::sock_nonblock, 0).value);
      set_bounds(*s, fd, now);
      (void)s->connect(fd, wire::Ipv4Address(198, 18, 0, 2), k_port, now);
      fds_[i] = fd;
      me.opened = true;
    }
    const int fd = fds_[i];
    if (fd < 0) continue;
    if (!s->stack().connected_once(s->stack_fd(fd))) {
      // Not connected yet: a refusal or a timeout ends it.
      api::OptionValue so_error = std::int64_t{0};
      if (s->getsockopt(fd, abi::sol_socket, abi::so_error, so_error).ok()) {
        if (const auto* e = std::get_if<std::int64_t>(&so_error); e != nullptr && *e != 0) {
          me.error = Errno::econnrefused;
          (void)s->close(fd, now);
          me.closed = true;
          fds_[i] = -1;
        }
      }
      continue;
    }
    // The header first: the connection's index.
    if (header_sent_.size() < fds_.size()) header_sent_.resize(fds_.size(), 0);
    while (header_sent_[i] < 4) {
      const std::uint32_t index = static_cast<std::uint32_t>(i);
      const std::uint8_t header[4] = {static_cast<std::uint8_t>(index), static_cast<std::uint8_t>(index >> 8),
                                      static_cast<std::uint8_t>(index >> 16), static_cast<std::uint8_t>(index >> 24)};
      const api::CallResult r = s->write(fd, std::span(header).subspan(header_sent_[i]), 0, now);
      if (!r.ok()) {
        if (r.error != Errno::eagain) {
          me.error = r.error;  // the connection failed before it carried anything
          (void)s->close(fd, now);
          me.closed = true;
          fds_[i] = -1;
        }
        break;
      }
      header_sent_[i] += static_cast<std::size_t>(r.value);
    }
    if (fds_[i] < 0 || header_sent_[i] < 4) continue;
    if (shut_.size() < fds_.size()) shut_.resize(fds_.size(), false);
    bool shut = shut_[i];
    Driver d{*s, fd, plan_, i, true, me, now};
    if (!d.run(shut)) fds_[i] = -1;
    shut_[i] = shut;
  }
}

SoakServer::SoakServer(const SoakPlan& plan, Ledger& ledger) : App("server"), plan_(plan), ledger_(ledger) {}

void SoakServer::forget_sockets() {
  for (const Peer& p : peers_) {
    if (p.fd >= 0 && p.connection >= 0) ledger_.server[static_cast<std::size_t>(p.connection)].crashed = true;
  }
  peers_.clear();
  listener_ = -1;
}

void SoakServer::step(sim::World& world, Instant now) {
  api::SocketApi* s = world.sockets(host());
  if (s == nullptr) return;
  if (listener_ < 0) {
    listener_ = static_cast<int>(s->socket(abi::af_inet, abi::sock_stream | abi::sock_nonblock, 0).value);
    set_bounds(*s, listener_, now);  // inherited by what it accepts
    (void)s->setsockopt(listener_, abi::sol_socket, abi::so_reuseaddr, std::int64_t{1}, now);
    (void)s->bind(listener_, {}, k_port);
    (void)s->listen(listener_, 64);
  }
  while (true) {
    const api::CallResult accepted = s->accept(listener_);
    if (!accepted.ok()) break;
    const int fd = static_cast<int>(accepted.value);
    (void)s->fcntl(fd, abi::f_setfl, abi::o_nonblock);
    Peer p;
    p.fd = fd;
    peers_.push_back(p);
  }
  for (Peer& p : peers_) {
    if (p.fd < 0) continue;
    while (p.header_read < 4) {
      const api::CallResult r = s->read(p.fd, std::span(p.header).subspan(p.header_read), 0, now);
      if (!r.ok() || r.value == 0) {
        if (r.value == 0 || (r.error != Errno::eagain)) {
          (void)s->close(p.fd, now);  // gone before it said who it is
          p.fd = -1;
        }
        break;
      }
      p.header_read += static_cast<std::size_t>(r.value);
    }
    if (p.fd < 0 || p.header_read < 4) continue;
    if (p.connection < 0) {
      const std::uint32_t index = p.header[0] | (p.header[1] << 8) | (p.header[2] << 16) |
                                  (static_cast<std::uint32_t>(p.header[3]) << 24);
      if (index >= plan_.connections.size() || ledger_.server[index].opened) {
        (void)s->close(p.fd, now);  // a header no client sent: the pattern would catch it anyway
        p.fd = -1;
        continue;
      }
      p.connection = static_cast<int>(index);
      ledger_.server[index].opened = true;
    }
    bool shut = false;
    Driver d{*s, p.fd, plan_, static_cast<std::size_t>(p.connection), false,
             ledger_.server[static_cast<std::size_t>(p.connection)], now};
    if (!d.run(shut)) p.fd = -1;
  }
}

}  // namespace finwait::soak
