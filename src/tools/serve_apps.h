// The servers `finwait serve` runs on its stack: echo (RFC 862), discard
// (RFC 863) and a small HTTP/1.1 responder that answers `GET /bytes/N` with N
// bytes ('a' + i % 26 for byte i), keep-alive unless the request says
// `Connection: close` (or is HTTP/1.0 without keep-alive). Large responses
// go out as send space frees; nothing is buffered beyond one slice.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "stack/stack.h"

namespace finwait::tools {

struct ServiceConfig {
  std::optional<std::uint16_t> echo;
  std::optional<std::uint16_t> discard;
  std::optional<std::uint16_t> http;
};

class Services {
 public:
  // `keepalive`: SO_KEEPALIVE on the listeners, so on every accepted connection.
  Services(stack::Stack& stack, ServiceConfig config, bool keepalive = false)
      : stack_(stack), config_(config), keepalive_(keepalive) {}
  // Opens the listeners; fails naming the port.
  Result<bool, std::string> listen();
  void on_ready(std::span<const int> ready, Instant now);
  // Closes every listener and connection (SIGINT, SIGTERM): each connection
  // then ends as the profile says (FIN, FIN_WAIT_2 bound, TIME_WAIT).
  void close_all(Instant now);
  std::size_t open_connections() const;

  // The HTTP body's byte at `offset`.
  static char body_byte(std::uint64_t offset) { return static_cast<char>('a' + offset % 26); }

 private:
  enum class Kind : std::uint8_t { echo, discard, http };
  struct Peer {
    bool open = false;
    Kind kind = Kind::echo;
    std::string input;           // http: the request so far
    std::string output;          // echo: bytes to send back; http: the response head
    std::uint64_t body_sent = 0;  // http: of body_size
    std::uint64_t body_size = 0;
    bool close_when_sent = false;
    bool peer_done = false;  // the peer sent its FIN
  };
  void serve(int fd, Instant now);
  void read_all(int fd, Peer& p, Instant now);
  void answer_http(Peer& p);
  bool send_pending(int fd, Peer& p, Instant now);  // true when all is sent
  void close_peer(int fd, Instant now);

  stack::Stack& stack_;
  ServiceConfig config_;
  bool keepalive_ = false;
  std::map<int, Kind> listeners_;
  std::vector<Peer> peers_;  // by descriptor
};

}  // namespace finwait::tools
