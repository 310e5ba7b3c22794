#include "tools/serve_apps.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "base/decimal.h"

namespace finwait::tools {
namespace {

constexpr std::size_t k_slice = 65536;
constexpr std::size_t k_max_request = 16384;  // a request head larger than this is refused
constexpr std::uint64_t k_max_body = std::uint64_t{1} << 40;

// 'a' + i % 26 from any offset: a slice starting at offset % 26.
const std::array<char, k_slice + 26>& body_pattern() {
  static const auto pattern = [] {
    std::array<char, k_slice + 26> p{};
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = Services::body_byte(i);
    return p;
  }();
  return pattern;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<bool, std::string> Services::listen() {
  for (auto [port, kind, name] : {std::tuple{config_.echo, Kind::echo, "--echo"},
                                  std::tuple{config_.discard, Kind::discard, "--discard"},
                                  std::tuple{config_.http, Kind::http, "--http"}}) {
    if (!port) continue;
    const int fd = stack_.socket();
    stack_.set_nonblocking(fd, true);
    stack_.set_reuse_address(fd, true);
    tcp::SocketOptions options;
    options.keepalive = keepalive_;  // inherited by accepted connections
    (void)stack_.set_options(fd, options, Instant{});  // no connection: the time is not read
    if (const Errno e = stack_.bind(fd, {}, *port); e != Errno::ok)
      return fail(fmt::format("{} {}: bind: {}", name, *port, to_string(e)));
    if (const Errno e = stack_.listen(fd, 4096); e != Errno::ok)
      return fail(fmt::format("{} {}: listen: {}", name, *port, to_string(e)));
    listeners_[fd] = kind;
  }
  return true;
}

std::size_t Services::open_connections() const {
  return static_cast<std::size_t>(std::count_if(peers_.begin(), peers_.end(), [](const Peer& p) { return p.open; }));
}

void Services::on_ready(std::span<const int> ready, Instant now) {
  for (int fd : ready) {
    if (auto listener = listeners_.find(fd); listener != listeners_.end()) {
      while (true) {
        auto accepted = stack_.accept(fd);
        if (!accepted) break;
        const auto index = static_cast<std::size_t>(*accepted);
        if (index >= peers_.size()) peers_.resize(index + 1);
        peers_[index] = Peer{};
        peers_[index].open = true;
        peers_[index].kind = listener->second;
        stack_.set_nonblocking(*accepted, true);
        serve(*accepted, now);
      }
    } else if (fd >= 0 && static_cast<std::size_t>(fd) < peers_.size() && peers_[static_cast<std::size_t>(fd)].open) {
      serve(fd, now);
    }
  }
}

void Services::read_all(int fd, Peer& p, Instant now) {
  char buffer[16384];
  while (true) {
    auto n = stack_.receive(fd, std::span(reinterpret_cast<std::uint8_t*>(buffer), sizeof buffer), now);
    if (!n) {
      if (n.error() != Errno::eagain) p.peer_done = true;  // reset or gone
      return;
    }
    if (*n == 0) {
      p.peer_done = true;
      return;
    }
    if (p.kind == Kind::echo) p.output.append(buffer, *n);
    if (p.kind == Kind::http) p.input.append(buffer, *n);
    // Echo: do not take more than one slice ahead of what the peer reads back.
    if (p.kind == Kind::echo && p.output.size() > k_slice) return;
  }
}

void Services::answer_http(Peer& p) {
  // One request at a time: the next is read once this response is sent.
  const std::size_t end = p.input.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (p.input.size() > k_max_request) {
      p.output = "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      p.close_when_sent = true;
      p.input.clear();
    }
    return;
  }
  const std::string head = p.input.substr(0, end);
  p.input.erase(0, end + 4);
  const std::string request_line = head.substr(0, head.find("\r\n"));
  const std::string headers = lower(head.substr(std::min(head.size(), request_line.size())));
  const bool http10 = request_line.ends_with("HTTP/1.0");
  p.close_when_sent = headers.find("\r\nconnection: close") != std::string::npos ||
                      (http10 && headers.find("\r\nconnection: keep-alive") == std::string::npos);
  const std::string connection = p.close_when_sent ? "close" : "keep-alive";
  constexpr std::string_view k_prefix = "GET /bytes/";
  std::optional<std::int64_t> size;
  if (request_line.starts_with(k_prefix)) {
    const std::string rest = request_line.substr(k_prefix.size());
    size = parse_decimal_integer(rest.substr(0, rest.find(' ')));
  }
  if (size && *size >= 0 && static_cast<std::uint64_t>(*size) <= k_max_body) {
    p.body_size = static_cast<std::uint64_t>(*size);
    p.body_sent = 0;
    p.output = fmt::format(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: {}\r\n\r\n",
        p.body_size, connection);
    return;
  }
  const std::string_view body = "finwait serve answers GET /bytes/N\n";
  p.body_size = 0;
  p.output = fmt::format("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: {}\r\n\r\n{}",
                         body.size(), connection, body);
}

bool Services::send_pending(int fd, Peer& p, Instant now) {
  while (!p.output.empty()) {
    auto n = stack_.send(fd, std::span(reinterpret_cast<const std::uint8_t*>(p.output.data()), p.output.size()), now);
    if (!n || *n == 0) return false;
    p.output.erase(0, *n);
  }
  while (p.body_sent < p.body_size) {
    const std::size_t skew = p.body_sent % 26;
    const std::size_t length = static_cast<std::size_t>(std::min<std::uint64_t>(p.body_size - p.body_sent, k_slice));
    const auto* from = reinterpret_cast<const std::uint8_t*>(body_pattern().data() + skew);
    auto n = stack_.send(fd, std::span(from, length), now);
    if (!n || *n == 0) return false;
    p.body_sent += *n;
  }
  return true;
}

void Services::serve(int fd, Instant now) {
  Peer& p = peers_[static_cast<std::size_t>(fd)];
  while (true) {
    read_all(fd, p, now);
    if (p.kind == Kind::http && p.output.empty() && p.body_sent == p.body_size) answer_http(p);
    const bool sent = send_pending(fd, p, now);
    if (stack_.readiness(fd).error) {
      close_peer(fd, now);
      return;
    }
    if (!sent) return;  // writable comes later
    if (p.close_when_sent || (p.peer_done && (p.kind != Kind::http || p.input.find("\r\n\r\n") == std::string::npos))) {
      close_peer(fd, now);
      return;
    }
    // Another pipelined request, or more echo input, may be waiting.
    if (p.kind == Kind::http && p.input.find("\r\n\r\n") != std::string::npos) continue;
    if (p.kind == Kind::echo && stack_.readable_bytes(fd) > 0) continue;
    return;
  }
}

void Services::close_peer(int fd, Instant now) {
  peers_[static_cast<std::size_t>(fd)] = Peer{};
  (void)stack_.close(fd, now);
}

void Services::close_all(Instant now) {
  for (const auto& [fd, kind] : listeners_) (void)stack_.close(fd, now);
  listeners_.clear();
  for (std::size_t fd = 0; fd < peers_.size(); ++fd) {
    if (peers_[fd].open) close_peer(static_cast<int>(fd), now);
  }
}

}  // namespace finwait::tools
