// Connections per second, one core, the cycle of the seed story: connect,
// one byte each way (each end checks it), the server closes first, both ends
// see EOF, the client closes. Each stack runs it with idle ESTABLISHED
// connections held open on other ports of the same server, and prints the
// segments one cycle sends, so that the cycles can be compared:
//  - finwait: two stacks in one process on an in-memory link, checksums
//    computed and verified, with 64 ... 16384 and 10^6 idle connections;
//  - Debian's lwIP (raw API, bench/lwip_wire.h), the same cycle in the same
//    process, 64 ... 16384 idle (bound to ports outside its ephemeral range);
//  - the Linux kernel over 127.0.0.1 with real sockets, none idle (a million
//    idle kernel sockets would need a million descriptors).
// Virtual time moves 1 ms per cycle for both user-space stacks (their
// timers, TIME-WAIT included, run on it); rates are of the real clock.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "base/check.h"
#include "base/decimal.h"
#include "bench/lwip_wire.h"
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
        frames += bounds.size();
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
    FINWAIT_CHECK(client->send(c, byte, now).ok());
    pump();
    byte[0] = 0;
    FINWAIT_CHECK(server->receive(*s, byte, now).ok() && byte[0] == 'x');
    byte[0] = 'y';
    FINWAIT_CHECK(server->send(*s, byte, now).ok());
    pump();
    byte[0] = 0;
    FINWAIT_CHECK(client->receive(c, byte, now).ok() && byte[0] == 'y');
    FINWAIT_CHECK(server->close(*s, now) == Errno::ok);  // the server closes first, as in the seed story
    pump();
    auto eof = client->receive(c, byte, now);
    FINWAIT_CHECK(eof.ok() && *eof == 0);
    FINWAIT_CHECK(client->close(c, now) == Errno::ok);
    pump();
  }

  std::unique_ptr<Stack> client;
  std::unique_ptr<Stack> server;
  std::vector<int> listeners;
  int listener = -1;
  Instant now;
  std::vector<std::uint8_t> bytes;  // frames in transit, back to back
  std::vector<std::pair<std::size_t, std::size_t>> bounds;
  std::uint64_t frames = 0;
};

void bm_finwait_cps(benchmark::State& state) {
  Pair pair;
  pair.open_idle(static_cast<std::size_t>(state.range(0)));
  const std::uint64_t frames_before = pair.frames;
  for (auto _ : state) pair.cycle();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["held_connections"] = static_cast<double>(pair.server->connection_count());
  state.counters["segments_per_cycle"] =
      static_cast<double>(pair.frames - frames_before) / static_cast<double>(state.iterations());
}

// --- lwIP: the same cycle through the raw API's callbacks.
struct LwipCycle {
  bool server_got_byte = false;
  bool server_saw_eof = false;
  bool client_got_byte = false;
  bool client_saw_eof = false;
  bool failed = false;
};

// A receive callback's common part: EOF (no pbuf) closes the pcb; data must
// be the one byte expected. Returns whether EOF came, and sets `got_byte`.
bool lwip_take(tcp_pcb* pcb, pbuf* p, std::uint8_t expected, bool& got_byte) {
  if (p == nullptr) {
    tcp_close(pcb);
    return true;
  }
  std::uint8_t byte = 0;
  pbuf_copy_partial(p, &byte, 1, 0);
  got_byte = p->tot_len == 1 && byte == expected;
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  return false;
}

err_t lwip_server_receive(void* arg, tcp_pcb* pcb, pbuf* p, err_t) {
  auto& cycle = *static_cast<LwipCycle*>(arg);
  if (lwip_take(pcb, p, 'x', cycle.server_got_byte)) {
    cycle.server_saw_eof = true;
    return ERR_OK;
  }
  const std::uint8_t answer = 'y';
  tcp_write(pcb, &answer, 1, TCP_WRITE_FLAG_COPY);
  tcp_shutdown(pcb, 0, 1);  // the server closes first; it reads the client's EOF, then lets go
  return ERR_OK;
}

err_t lwip_server_accept(void* arg, tcp_pcb* pcb, err_t) {
  tcp_arg(pcb, arg);
  tcp_recv(pcb, lwip_server_receive);
  return ERR_OK;
}

err_t lwip_client_receive(void* arg, tcp_pcb* pcb, pbuf* p, err_t) {
  auto& cycle = *static_cast<LwipCycle*>(arg);
  if (lwip_take(pcb, p, 'y', cycle.client_got_byte)) cycle.client_saw_eof = true;
  return ERR_OK;
}

err_t lwip_client_connected(void*, tcp_pcb* pcb, err_t) {
  const std::uint8_t byte = 'x';
  tcp_write(pcb, &byte, 1, TCP_WRITE_FLAG_COPY);
  tcp_output(pcb);
  return ERR_OK;
}

void lwip_client_error(void* arg, err_t) { static_cast<LwipCycle*>(arg)->failed = true; }

err_t lwip_idle_accept(void* arg, tcp_pcb* pcb, err_t) {
  static_cast<std::vector<tcp_pcb*>*>(arg)->push_back(pcb);  // held, never read
  return ERR_OK;
}

void bm_lwip_cps(benchmark::State& state) {
  finwait::bench::LwipWire w;
  ip_addr_t a_ip = w.a_address();
  ip_addr_t b_ip = w.b_address();
  LwipCycle cycle;
  tcp_pcb* listener = tcp_new();
  FINWAIT_CHECK(tcp_bind(listener, &b_ip, k_port) == ERR_OK);
  listener = tcp_listen(listener);
  tcp_arg(listener, &cycle);
  tcp_accept(listener, lwip_server_accept);
  std::vector<tcp_pcb*> held;  // both ends of every idle connection
  tcp_pcb* idle_listener = tcp_new();
  FINWAIT_CHECK(tcp_bind(idle_listener, &b_ip, 10000) == ERR_OK);
  idle_listener = tcp_listen(idle_listener);
  tcp_arg(idle_listener, &held);
  tcp_accept(idle_listener, lwip_idle_accept);
  // Idle clients on ports below lwIP's ephemeral range (49152 and up).
  const auto idle = static_cast<std::uint16_t>(state.range(0));
  const bool drop_time_wait = state.range(1) != 0;
  for (std::uint16_t i = 0; i < idle; ++i) {
    tcp_pcb* pcb = tcp_new();
    FINWAIT_CHECK(tcp_bind(pcb, &a_ip, static_cast<u16_t>(1024 + i)) == ERR_OK);
    FINWAIT_CHECK(tcp_connect(pcb, &b_ip, 10000, nullptr) == ERR_OK);
    held.push_back(pcb);
    w.deliver();
  }
  FINWAIT_CHECK(held.size() == 2 * std::size_t{idle});
  std::uint64_t cycles = 0;
  const std::uint64_t packets_before = w.packets();
  for (auto _ : state) {
    // 1 ms of virtual time per cycle: lwIP's timer every 250 ms of it.
    // lwIP keeps TIME-WAIT 2 x TCP_MSL (120 s) and answers a SYN that meets
    // one with a reset, so a time slice stays under its 16384 ephemeral
    // ports; each slice starts afresh.
    if (++cycles % 250 == 0) tcp_tmr();
    cycle = LwipCycle{};
    tcp_pcb* client = tcp_new();
    FINWAIT_CHECK(tcp_bind(client, &a_ip, 0) == ERR_OK);  // an ephemeral port
    tcp_arg(client, &cycle);
    tcp_recv(client, lwip_client_receive);
    tcp_err(client, lwip_client_error);
    FINWAIT_CHECK(tcp_connect(client, &b_ip, k_port, lwip_client_connected) == ERR_OK);
    w.deliver();
    FINWAIT_CHECK(!cycle.failed && cycle.server_got_byte && cycle.client_got_byte && cycle.server_saw_eof &&
                  cycle.client_saw_eof);
    // lwIP's best case: TIME-WAIT dropped at once, as if it lasted no time.
    if (drop_time_wait) {
      while (tcp_tw_pcbs != nullptr) tcp_abort(tcp_tw_pcbs);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["segments_per_cycle"] =
      static_cast<double>(w.packets() - packets_before) / static_cast<double>(state.iterations());
  std::size_t time_wait = 0;
  for (tcp_pcb* p = tcp_tw_pcbs; p != nullptr; p = p->next) ++time_wait;
  state.counters["time_wait"] = static_cast<double>(time_wait);
  // Leave lwIP empty for the next size: its ports are bound again.
  for (tcp_pcb* pcb : held) tcp_abort(pcb);
  while (tcp_tw_pcbs != nullptr) tcp_abort(tcp_tw_pcbs);
  tcp_close(idle_listener);
  tcp_close(listener);
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

constexpr std::int64_t k_finwait_idle[] = {64, 256, 1024, 4096, 16384, 1'000'000};
constexpr std::int64_t k_lwip_idle[] = {64, 256, 1024, 4096, 16384};
constexpr int k_slices = 10;  // each size runs 10 time slices; the median is reported
constexpr int k_cycles_per_slice = 10000;

}  // namespace

// --shards=N: N stacks pairs, one per thread, each the whole cycle on its own
// (a stack per core shares nothing on the fast path); the run reports N
// shards against one, both at 1024 idle per shard.
int shards_from(int& argc, char** argv) {
  int shards = 0;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg.starts_with("--shards=")) {
      const auto value = finwait::parse_decimal_integer(arg.substr(9));
      if (!value || *value < 1 || *value > 64) {
        fmt::print(stderr, "cps_bench: --shards takes a number of shards from 1 to 64, not '{}'\n", arg.substr(9));
        std::exit(2);
      }
      shards = static_cast<int>(*value);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  return shards;
}

int main(int argc, char** argv) {
  const int shards = shards_from(argc, argv);
  if (shards > 0) {
    for (int threads : {1, shards}) {
      benchmark::RegisterBenchmark("finwait_cps_shards", bm_finwait_cps)
          ->Arg(1024)->Threads(threads)->Iterations(k_cycles_per_slice)->Repetitions(k_slices)
          ->ReportAggregatesOnly(true)->UseRealTime();
    }
    benchmark::Initialize(&argc, argv);
    finwait::bench::RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    auto rate = [&](int threads) {
      return reporter.items_per_second(fmt::format("finwait_cps_shards/1024/iterations:{}/repeats:{}/real_time/threads:{}_median",
                                                   k_cycles_per_slice, k_slices, threads));
    };
    const double one = rate(1);
    const double many = rate(shards);
    fmt::print("\n{} shard(s): {:.0f} cycles/s; 1 shard: {:.0f} cycles/s; {:.2f}x on {} hardware threads\n", shards,
               many, one, one > 0 ? many / one : 0.0, std::thread::hardware_concurrency());
    benchmark::Shutdown();
    return 0;
  }
  benchmark::RegisterBenchmark("kernel_loopback_cps", bm_kernel_cps)
      ->Iterations(5000)->Repetitions(k_slices)->ReportAggregatesOnly(true)->UseRealTime();
  for (std::int64_t n : k_finwait_idle) {
    benchmark::RegisterBenchmark("finwait_cps", bm_finwait_cps)
        ->Arg(n)->Iterations(k_cycles_per_slice)->Repetitions(k_slices)->ReportAggregatesOnly(true)->UseRealTime();
  }
  for (std::int64_t drop_time_wait : {0, 1}) {
    for (std::int64_t n : k_lwip_idle) {
      benchmark::RegisterBenchmark("lwip_cps", bm_lwip_cps)
          ->Args({n, drop_time_wait})->Iterations(k_cycles_per_slice)->Repetitions(k_slices)
          ->ReportAggregatesOnly(true)->UseRealTime();
    }
  }
  benchmark::Initialize(&argc, argv);
  finwait::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  auto name_of = [](const std::string& name, int iterations) {
    return fmt::format("{}/iterations:{}/repeats:{}/real_time_median", name, iterations, k_slices);
  };
  const double kernel = reporter.items_per_second(name_of("kernel_loopback_cps", 5000));
  fmt::print("\n{:>10}  {:>12}  {:>9}  {:>12}  {:>9}  {:>8}  {:>14}  {:>9}\n", "idle held", "finwait/s",
             "segments", "lwIP/s", "segments", "vs lwIP", "lwIP no TW/s", "vs kernel");
  auto or_dash = [](double value, const char* format) {
    return value > 0 ? fmt::format(fmt::runtime(format), value) : std::string("-");
  };
  for (std::int64_t n : k_finwait_idle) {
    const std::string ours_name = name_of(fmt::format("finwait_cps/{}", n), k_cycles_per_slice);
    const std::string lwip_name = name_of(fmt::format("lwip_cps/{}/0", n), k_cycles_per_slice);
    const std::string lwip_best_name = name_of(fmt::format("lwip_cps/{}/1", n), k_cycles_per_slice);
    const double ours = reporter.items_per_second(ours_name);
    const double lwip = reporter.items_per_second(lwip_name);
    const double lwip_best = reporter.items_per_second(lwip_best_name);
    if (ours == 0 && lwip == 0 && lwip_best == 0) continue;  // filtered out
    fmt::print("{:>10}  {:>12}  {:>9}  {:>12}  {:>9}  {:>8}  {:>14}  {:>9}\n", n, or_dash(ours, "{:.0f}"),
               or_dash(reporter.counter(ours_name, "segments_per_cycle"), "{:.1f}"), or_dash(lwip, "{:.0f}"),
               or_dash(reporter.counter(lwip_name, "segments_per_cycle"), "{:.1f}"),
               ours > 0 && lwip > 0 ? fmt::format("{:.2f}x", ours / lwip) : "-", or_dash(lwip_best, "{:.0f}"),
               ours > 0 && kernel > 0 ? fmt::format("{:.1f}x", ours / kernel) : "-");
  }
  if (kernel > 0) fmt::print("{:>10}  {:>12.0f}  (Linux, 127.0.0.1, real sockets)\n", "kernel", kernel);
  fmt::print("(each rate the median of {} time slices of {} cycles; segments: sent per cycle, both directions;\n"
             " lwIP keeps TIME-WAIT 120 s, so each SYN also walks its TIME-WAIT list; \"no TW\" drops them at once)\n",
             k_slices, k_cycles_per_slice);
  benchmark::Shutdown();
  return 0;
}
