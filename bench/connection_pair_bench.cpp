// Two connections wired back to back, no stack in between: handshake, one
// byte each way, close (the client ends in TIME-WAIT, the server CLOSED).
// Measures whole cycles per second on one core, and segments per second, so
// the cost per segment of the engine alone can be read off. Its baseline is
// the bare cost of the harness: the same loop moving the same number of
// pre-built segments without a connection behind them.
#include <cstdint>
#include <optional>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "base/check.h"
#include "base/tunables.h"
#include "bench/ratio_reporter.h"
#include "tcp/connection.h"

namespace {

using finwait::Instant;
using finwait::microseconds;
using finwait::tcp::Connection;
using finwait::tcp::State;
using finwait::wire::SeqNum;
using finwait::wire::TcpSegment;

struct Pair {
  finwait::Tunables tunables{finwait::Profile::linux};
  finwait::tcp::ConnectionContext context{&tunables};
  finwait::tcp::ConnectionConfig client_config;
  finwait::tcp::ConnectionConfig server_config;
  std::vector<TcpSegment> in_transit;
  std::int64_t segments = 0;

  Pair() {
    client_config.context = &context;
    client_config.local_port = 40000;
    client_config.remote_port = 80;
    server_config.context = &context;
    server_config.local_port = 80;
    server_config.remote_port = 40000;
  }

  // Moves everything each side has to send to the other until both are quiet.
  void pump(Connection& a, Connection& b, Instant& now) {
    bool moved = true;
    while (moved) {
      moved = false;
      for (int side = 0; side < 2; ++side) {
        Connection& from = side == 0 ? a : b;
        Connection& to = side == 0 ? b : a;
        if (from.outgoing().empty()) continue;
        in_transit.assign(from.outgoing().begin(), from.outgoing().end());
        for (const TcpSegment& s : in_transit) {
          now = now + microseconds(1);
          to.on_segment(s, now);
          ++segments;
        }
        from.clear_output();
        moved = true;
      }
    }
    a.clear_output();
    b.clear_output();
  }

  void cycle(std::uint32_t n) {
    Instant now = Instant::from_nanoseconds(std::int64_t{n} * 1'000'000);
    const std::uint8_t byte[1] = {'x'};
    std::uint8_t buffer[16];
    Connection client = Connection::open_active(client_config, SeqNum(n * 7919u), now);
    std::optional<Connection> server;
    server.emplace(
        Connection::open_passive(server_config, client.outgoing().front(), SeqNum(n * 104729u), now));
    client.clear_output();
    ++segments;
    pump(client, *server, now);
    (void)client.send(byte, now);
    pump(client, *server, now);
    (void)server->receive(buffer, now);
    (void)server->send(byte, now);
    pump(client, *server, now);
    (void)client.receive(buffer, now);
    (void)client.close(now);
    pump(client, *server, now);
    (void)server->receive(buffer, now);
    (void)server->close(now);
    pump(client, *server, now);
    FINWAIT_CHECK(client.state() == State::time_wait);
    FINWAIT_CHECK(server->state() == State::closed);
  }
};

void bm_connection_pair_cycle(benchmark::State& state) {
  Pair pair;
  std::uint32_t n = 0;
  for (auto _ : state) pair.cycle(++n);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["segments_per_cycle"] =
      static_cast<double>(pair.segments) / static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
}

// The baseline: copying the same number of segments through the same vector.
void bm_harness_only(benchmark::State& state) {
  std::vector<TcpSegment> source(11);
  std::vector<TcpSegment> in_transit;
  std::int64_t sum = 0;
  for (auto _ : state) {
    for (int round = 0; round < 11; ++round) {
      in_transit.assign(source.begin() + round, source.begin() + round + 1);
      sum += in_transit.front().window;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("connection_pair_cycle", bm_connection_pair_cycle);
  benchmark::RegisterBenchmark("harness_only", bm_harness_only);
  benchmark::Initialize(&argc, argv);
  finwait::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const double cycles = reporter.items_per_second("connection_pair_cycle");
  const double harness = reporter.items_per_second("harness_only");
  if (cycles > 0) {
    fmt::print(
        "\nhandshake + 1 byte each way + close: {:.0f} cycles/s on one core ({:.2f} us per cycle); "
        "the harness alone would allow {:.0f}/s\n",
        cycles, 1e6 / cycles, harness);
  }
  benchmark::Shutdown();
  return 0;
}
