// Small applications for simulations: a server that reads each request whole,
// answers it and closes, and clients that connect, send a request, read the
// answer and then close, abort, stay, or crash their host. Nothing is lost:
// a request or response larger than the send buffer goes out whole as room
// frees, and every byte that arrives is read and counted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/world.h"
#include "tcp/socket_options.h"

namespace finwait::sim {

struct ServerConfig {
  std::uint16_t port = 80;
  // The request is whole after this many bytes (or when the client shuts
  // down for writing); then the response goes out.
  std::size_t request_bytes = 1;
  std::size_t response_bytes = 100;
  bool close_after_response = true;  // else it keeps the connection open
  tcp::SocketOptions options;        // SO_KEEPALIVE, SO_LINGER, TCP_LINGER2, ...
};

class ServerApp : public App {
 public:
  ServerApp(std::string host, ServerConfig config) : App(std::move(host)), config_(std::move(config)) {}
  void step(World& world, Instant now) override;
  void forget_sockets() override {
    listener_ = -1;
    epoll_ = -1;
    peers_.clear();
  }
  const ServerConfig& config() const { return config_; }

 private:
  struct Peer {
    bool open = false;
    std::size_t request_received = 0;
    bool answering = false;
    std::size_t response_sent = 0;
  };
  void serve(api::SocketApi& s, int fd, Instant now);
  ServerConfig config_;
  int listener_ = -1;
  int epoll_ = -1;
  std::vector<api::EpollEvent> events_;
  std::vector<Peer> peers_;  // by descriptor
};

// What a client does once it has its answer: close, abort (SO_LINGER 0),
// shut down for writing and keep the socket, keep it as is, or crash its host.
enum class AfterResponse : std::uint8_t { close, abort, shutdown, stay, crash };

struct ClientConfig {
  wire::Ipv4Address server;
  std::uint16_t port = 80;
  int connections = 1;
  Instant start;
  std::size_t request_bytes = 10;
  // The answer is complete after this many bytes; 0: at the end of the stream.
  std::size_t expect_bytes = 0;
  AfterResponse after = AfterResponse::close;
  // With `crash`: how long after the last answer the host dies (long enough
  // for its stack to acknowledge the server's FIN).
  Duration crash_delay = milliseconds(200);
  tcp::SocketOptions options;
};

// How a client's connections went, for the verdict.
struct ClientTally {
  int answered = 0;         // the whole answer (expect_bytes, or up to the end of the stream)
  int short_answers = 0;    // the stream ended or failed before expect_bytes
  int never_connected = 0;  // refused, timed out or reset before ESTABLISHED
  int unfinished = 0;       // still waiting when the run ended (or the host crashed first)
  std::uint64_t bytes_received = 0;
};

class ClientApp : public App {
 public:
  ClientApp(std::string host, ClientConfig config) : App(std::move(host)), config_(std::move(config)) {}
  void step(World& world, Instant now) override;
  Instant next_wakeup() const override { return started_ ? Instant::never() : config_.start; }
  void forget_sockets() override;
  const ClientConfig& config() const { return config_; }
  ClientTally tally() const;

 private:
  struct Connection {
    bool open = false;
    bool connected = false;
    std::size_t request_sent = 0;
    bool finished = false;
    std::size_t received = 0;
  };
  void drive(api::SocketApi& s, int fd, Instant now);
  void finish(api::SocketApi& s, int fd, Instant now);
  ClientConfig config_;
  bool started_ = false;
  bool crash_scheduled_ = false;
  std::vector<Connection> connections_;  // by descriptor
  int epoll_ = -1;
  std::vector<api::EpollEvent> events_;
  int finished_ = 0;
  ClientTally lost_;  // what forget_sockets() left unfinished
};

}  // namespace finwait::sim
