// Connections per second, two finwait stacks in one process on an in-memory
// link, one core: connect, one byte each way, the server closes, the client
// closes; with 10^2, 10^4 and 10^6 other connections held open and idle. In
// the same run, the baseline: the Linux kernel doing the same over 127.0.0.1
// with real sockets (with no idle connections: a million idle kernel sockets
// would need a million descriptors).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "base/check.h"
#include "bench/ratio_reporter.h"
#include "stack/stack.h"

namespace {

using finwait::Errno;
using finwait::Instant;
using finwait::stack::Stack;
using finwait::stack::StackConfig;
using finwait::wire::Ipv4Address;

const Ipv4Address k_client(198, 18, 0, 1);
const Ipv4Address k_server(198, 18, 0, 2);
constexpr std::uint16_t k_port = 80;

struct Pair {
  Pair() {
    StackConfig c;
    c.address = k_client;
    c.name = "client";
    client = std::make_unique<Stack>(c);
    c.address = k_server;
    c.name = "server";
    c.secret = {9, 10};
    server = std::make_unique<Stack>(c);
    listener = listen_on(k_port);
  }

  int listen_on(std::uint16_t port) {
    const int fd = server->socket();
    (void)server->bind(fd, {}, port);
    (void)server->listen(fd, 4096);
    listeners.push_back(fd);
    return fd;
  }

  // Moves frames both ways until both stacks are quiet.
  void pump() {
    bool moved = true;
    while (moved) {
      moved = false;
      for (Stack* from : {client.get(), server.get()}) {
        Stack* to = from == client.get() ? server.get() : client.get();
        if (from->outgoing_count() == 0) continue;
        // Copy out first: delivering may make `to` answer into its own buffer.
        bytes.clear();
        bounds.clear();
        for (std::size_t i = 0; i < from->outgoing_count(); ++i) {
          const auto f = from->outgoing(i);
          bounds.emplace_back(bytes.size(), f.size());
          bytes.insert(bytes.end(), f.begin(), f.end());
        }
        from->clear_outgoing();
        for (const auto& [at, size] : bounds) to->on_frame(std::span(bytes).subspan(at, size), now);
        moved = true;
      }
    }
  }

  void tick(finwait::Duration d) {
    now = now + d;
    if (client->next_deadline() <= now) client->on_timer(now);
    if (server->next_deadline() <= now) server->on_timer(now);
    pump();
  }

  // Opens `n` connections and leaves them idle (both ends ESTABLISHED).
  void open_idle(std::size_t n) {
    std::uint16_t port = 10000;
    int l = listen_on(port);
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0 && i % 20000 == 0) l = listen_on(++port);
      const int fd = client->socket();
      (void)client->connect(fd, k_server, port, now);
      pump();
      FINWAIT_CHECK(server->accept(l).ok());
      if (i % 1000 == 0) tick(finwait::microseconds(10));
    }
  }

  void cycle() {
    std::uint8_t byte[1] = {'x'};
    tick(finwait::milliseconds(1));  // ISNs move on, TIME-WAIT expires in time
    const int c = client->socket();
    (void)client->connect(c, k_server, k_port, now);
    pump();
    auto s = server->accept(listener);
    FINWAIT_CHECK(s.ok());
    (void)client->send(c, byte, now);
    pump();
    (void)server->receive(*s, byte, now);
    (void)server->send(*s, byte, now);
    pump();
    (void)client->receive(c, byte, now);
    (void)server->close(*s, now);  // the server closes first, as in the seed story
    pump();
    (void)client->close(c, now);
    pump();
  }

  std::unique_ptr<Stack> client;
  std::unique_ptr<Stack> server;
  std::vector<int> listeners;
  int listener = -1;
  Instant now;
  std::vector<std::uint8_t> bytes;  // frames in transit, back to back
  std::vector<std::pair<std::size_t, std::size_t>> bounds;
};

void bm_finwait_cps(benchmark::State& state) {
  Pair pair;
  pair.open_idle(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) pair.cycle();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["held_connections"] = static_cast<double>(pair.server->connection_count());
}

// The kernel, with real sockets over loopback.
void bm_kernel_cps(benchmark::State& state) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener, 4096) != 0) {
    state.SkipWithError("cannot listen on 127.0.0.1");
    return;
  }
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  char byte = 'x';
  for (auto _ : state) {
    const int c = ::socket(AF_INET, SOCK_STREAM, 0);
    ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(c, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      state.SkipWithError("connect to 127.0.0.1 failed");
      ::close(c);
      break;
    }
    const int s = ::accept(listener, nullptr, nullptr);
    (void)!::write(c, &byte, 1);
    (void)!::read(s, &byte, 1);
    (void)!::write(s, &byte, 1);
    (void)!::read(c, &byte, 1);
    ::close(s);
    (void)!::read(c, &byte, 1);  // end of stream
    ::close(c);
  }
  ::close(listener);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

constexpr std::int64_t k_idle[] = {100, 10'000, 1'000'000};

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("kernel_loopback_cps", bm_kernel_cps)->Iterations(20000)->UseRealTime();
  for (std::int64_t n : k_idle) {
    benchmark::RegisterBenchmark("finwait_cps", bm_finwait_cps)->Arg(n)->Iterations(100000)->UseRealTime();
  }
  benchmark::Initialize(&argc, argv);
  finwait::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const double kernel = reporter.items_per_second("kernel_loopback_cps/iterations:20000/real_time");
  fmt::print("\n{:>14}  {:>14}  {:>12}\n", "idle held", "connections/s", "vs kernel");
  for (std::int64_t n : k_idle) {
    const double cps =
        reporter.items_per_second(fmt::format("finwait_cps/{}/iterations:100000/real_time", n));
    if (cps == 0) continue;
    fmt::print("{:>14}  {:>14.0f}  {:>11.1f}x\n", n, cps, kernel > 0 ? cps / kernel : 0.0);
  }
  if (kernel > 0) fmt::print("{:>14}  {:>14.0f}  (Linux, 127.0.0.1, real sockets)\n", "kernel", kernel);
  benchmark::Shutdown();
  return 0;
}
