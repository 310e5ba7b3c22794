// Bulk transfer: 1 GiB over one connection between two stacks in this
// process, on an in-memory wire (each packet handed from one stack's output
// to the other's input), MSS 1460, checksums computed on output and verified
// on input, one core. Goodput in Gbit/s beside two baselines measured in the
// same run: memcpy of the same bytes (the limit: the data is copied into the
// sender and out of the receiver at least once), and Debian's lwIP 2.1.3
// through its raw API doing the same transfer on the same kind of wire.
// It also counts heap allocations while the transfer is in its steady state
// (the second half): finwait makes none per segment.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "base/check.h"
#include "bench/lwip_wire.h"
#include "bench/ratio_reporter.h"
#include "stack/stack.h"


// Every operator new in this process is counted (lwIP is C and uses malloc).
// GCC cannot see that the replaced new and delete below pair malloc and free.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using finwait::Errno;
using finwait::Instant;
using finwait::microseconds;
using finwait::wire::Ipv4Address;

constexpr std::uint64_t k_total = std::uint64_t{1} << 30;  // 1 GiB
constexpr std::size_t k_chunk = 64 * 1024;                 // what the application hands over at a time

std::vector<std::uint8_t> pattern() {
  std::vector<std::uint8_t> bytes(k_chunk);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 131 + 7);
  return bytes;
}

// --- The limit: the bytes copied as an application would hand them over.
void BM_Memcpy(benchmark::State& state) {
  const std::vector<std::uint8_t> source = pattern();
  std::vector<std::uint8_t> sink(k_chunk);
  for (auto _ : state) {
    for (std::uint64_t done = 0; done < k_total; done += k_chunk) {
      std::memcpy(sink.data(), source.data(), k_chunk);
      benchmark::DoNotOptimize(sink.data());
      benchmark::ClobberMemory();
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * k_total));
}

// --- finwait: two stacks, each packet passed from one to the other.
void BM_FinwaitBulk(benchmark::State& state) {
  const std::vector<std::uint8_t> source = pattern();
  std::vector<std::uint8_t> sink(k_chunk);
  std::uint64_t steady_allocations = 0;
  std::uint64_t steady_segments = 0;
  for (auto _ : state) {
    finwait::stack::StackConfig client_config;
    client_config.name = "client";
    client_config.address = Ipv4Address(198, 18, 0, 1);
    finwait::stack::StackConfig server_config = client_config;
    server_config.name = "server";
    server_config.address = Ipv4Address(198, 18, 0, 2);
    finwait::stack::Stack client(client_config);
    finwait::stack::Stack server(server_config);
    Instant now;
    std::uint64_t segments = 0;
    // Hands every packet each side has to the other until both are quiet.
    auto pump = [&] {
      bool moved = true;
      while (moved) {
        moved = false;
        for (int side = 0; side < 2; ++side) {
          finwait::stack::Stack& from = side == 0 ? client : server;
          finwait::stack::Stack& to = side == 0 ? server : client;
          const std::size_t n = from.outgoing_count();
          if (n == 0) continue;
          for (std::size_t i = 0; i < n; ++i) to.on_frame(from.outgoing(i), now);
          from.clear_outgoing();
          segments += n;
          moved = true;
        }
      }
    };
    const int listener = server.socket();
    FINWAIT_CHECK(server.bind(listener, {}, 5001) == Errno::ok);
    FINWAIT_CHECK(server.listen(listener, 1) == Errno::ok);
    const int out = client.socket();
    FINWAIT_CHECK(client.connect(out, server_config.address, 5001, now) == Errno::einprogress);
    pump();
    auto accepted = server.accept(listener);
    FINWAIT_CHECK(accepted.ok());
    const int in = *accepted;
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    std::uint64_t allocations_at_half = 0;
    std::uint64_t segments_at_half = 0;
    while (received < k_total) {
      while (sent < k_total) {
        // Byte i of the stream is source[i % k_chunk], however the writes split.
        const std::size_t offset = static_cast<std::size_t>(sent % k_chunk);
        const auto length = static_cast<std::size_t>(std::min<std::uint64_t>(k_chunk - offset, k_total - sent));
        auto r = client.send(out, std::span(source.data() + offset, length), now);
        if (!r.ok()) break;
        sent += *r;
      }
      pump();
      while (true) {
        auto r = server.receive(in, sink, now);
        if (!r.ok() || *r == 0) break;
        FINWAIT_CHECK(sink[0] == source[received % k_chunk]);  // in order, nothing lost or doubled
        received += *r;
      }
      pump();
      now = now + microseconds(10);
      client.on_timer(now);
      server.on_timer(now);
      if (allocations_at_half == 0 && received >= k_total / 2) {
        allocations_at_half = g_allocations.load(std::memory_order_relaxed);
        segments_at_half = segments;
      }
    }
    steady_allocations = g_allocations.load(std::memory_order_relaxed) - allocations_at_half;
    steady_segments = segments - segments_at_half;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * k_total));
  state.counters["steady_allocations"] = static_cast<double>(steady_allocations);
  state.counters["steady_segments"] = static_cast<double>(steady_segments);
}

// --- lwIP: the same transfer on bench/lwip_wire's wire.
struct LwipReceiver {
  std::uint64_t received = 0;
};
LwipReceiver* g_receiver = nullptr;

err_t lwip_on_receive(void*, tcp_pcb* pcb, pbuf* p, err_t) {
  if (p == nullptr) return ERR_OK;
  g_receiver->received += p->tot_len;
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  return ERR_OK;
}

err_t lwip_on_accept(void*, tcp_pcb* pcb, err_t) {
  tcp_recv(pcb, lwip_on_receive);
  return ERR_OK;
}

void BM_LwipBulk(benchmark::State& state) {
  const std::vector<std::uint8_t> source = pattern();
  for (auto _ : state) {
    finwait::bench::LwipWire w;
    LwipReceiver receiver;
    g_receiver = &receiver;
    ip_addr_t a_ip = w.a_address();
    ip_addr_t b_ip = w.b_address();
    tcp_pcb* listener = tcp_new();
    FINWAIT_CHECK(tcp_bind(listener, &b_ip, 5001) == ERR_OK);
    listener = tcp_listen(listener);
    tcp_accept(listener, lwip_on_accept);
    tcp_pcb* client = tcp_new();
    FINWAIT_CHECK(tcp_bind(client, &a_ip, 0) == ERR_OK);
    FINWAIT_CHECK(tcp_connect(client, &b_ip, 5001, nullptr) == ERR_OK);
    w.deliver();
    std::uint64_t sent = 0;
    while (receiver.received < k_total) {
      bool wrote = false;
      while (sent < k_total) {
        const u16_t room = tcp_sndbuf(client);
        if (room == 0) break;
        const std::uint64_t offset = sent % k_chunk;
        const auto length =
            static_cast<u16_t>(std::min<std::uint64_t>({room, k_chunk - offset, k_total - sent}));
        if (tcp_write(client, source.data() + offset, length, TCP_WRITE_FLAG_COPY) != ERR_OK) break;
        sent += length;
        wrote = true;
      }
      tcp_output(client);
      const std::uint64_t before = receiver.received;
      w.deliver();
      // A delayed ACK waits for lwIP's fast timer: run it when nothing moved.
      if (!wrote && receiver.received == before) {
        tcp_tmr();
        w.deliver();
      }
    }
    tcp_abort(client);
    tcp_close(listener);
    state.counters["packets"] = static_cast<double>(w.packets());
    g_receiver = nullptr;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * k_total));
}

BENCHMARK(BM_Memcpy)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_FinwaitBulk)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(3);
BENCHMARK(BM_LwipBulk)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(3);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  finwait::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const double memcpy_rate = reporter.bytes_per_second("BM_Memcpy/iterations:3/real_time");
  const double finwait_rate = reporter.bytes_per_second("BM_FinwaitBulk/iterations:1/repeats:3/real_time_median");
  const double lwip_rate = reporter.bytes_per_second("BM_LwipBulk/iterations:1/repeats:3/real_time_median");
  auto gbit = [](double bytes_per_second) { return bytes_per_second * 8 / 1e9; };
  fmt::print("\n1 GiB, MSS 1460, checksums on: finwait {:.2f} Gbit/s, lwIP {:.2f} Gbit/s, memcpy {:.2f} Gbit/s\n",
             gbit(finwait_rate), gbit(lwip_rate), gbit(memcpy_rate));
  if (lwip_rate > 0) fmt::print("finwait / lwIP   = {:.2f}\n", finwait_rate / lwip_rate);
  if (memcpy_rate > 0) fmt::print("finwait / memcpy = {:.3f}\n", finwait_rate / memcpy_rate);
  benchmark::Shutdown();
  return 0;
}
