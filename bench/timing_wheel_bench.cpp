// Timing wheel operations at 10^3, 10^5 and 10^7 live timers, with
// std::priority_queue (a binary heap, the usual alternative) measured in the
// same run. Aim (engine issue): <= 30 ns per operation, flat across sizes.
//
// Each benchmark first fills the structure with N timers spread over 10 minutes
// of deadlines, then measures one kind of operation with N held steady:
//   arm     - arm a new timer and cancel an old one (so N stays put)
//   rearm   - move an armed timer to a new deadline (TCP's commonest operation)
//   expire  - advance the clock so that timers fire, re-arming each one
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "bench/ratio_reporter.h"
#include "time/timing_wheel.h"

namespace {

using finwait::Instant;
using finwait::TimerNode;
using finwait::TimingWheel;

constexpr std::int64_t k_spread_ns = 600'000'000'000;  // deadlines over 10 minutes

struct WheelFixture {
  explicit WheelFixture(std::size_t n) : nodes(n) {
    for (std::size_t i = 0; i < n; ++i) {
      nodes[i].cookie = i;
      wheel.arm(nodes[i], Instant::from_nanoseconds(static_cast<std::int64_t>(random() % k_spread_ns)));
    }
  }
  std::mt19937_64 random{7};
  TimingWheel wheel;
  std::vector<TimerNode> nodes;
};

void bm_wheel_rearm(benchmark::State& state) {
  WheelFixture f(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    TimerNode& node = f.nodes[i];
    f.wheel.arm(node, Instant::from_nanoseconds(static_cast<std::int64_t>(f.random() % k_spread_ns)));
    if (++i == f.nodes.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void bm_wheel_arm_cancel(benchmark::State& state) {
  WheelFixture f(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    TimerNode& node = f.nodes[i];
    f.wheel.cancel(node);
    f.wheel.arm(node, Instant::from_nanoseconds(static_cast<std::int64_t>(f.random() % k_spread_ns)));
    if (++i == f.nodes.size()) i = 0;
  }
  // Two operations per iteration.
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 2);
}

void bm_wheel_expire(benchmark::State& state) {
  WheelFixture f(static_cast<std::size_t>(state.range(0)));
  std::int64_t now = 0;
  std::int64_t fired = 0;
  const std::int64_t step = k_spread_ns / static_cast<std::int64_t>(f.nodes.size()) + 1;
  for (auto _ : state) {
    now += step;
    f.wheel.advance(Instant::from_nanoseconds(now), [&](TimerNode& node) {
      ++fired;
      f.wheel.arm(node, Instant::from_nanoseconds(now + k_spread_ns));
    });
  }
  // Per timer fired (each also re-armed).
  state.SetItemsProcessed(fired);
}

// The baseline: a binary heap of (deadline, id). Cancel and re-arm are lazy
// (a generation number marks stale entries), as heap-based timer code does.
struct HeapFixture {
  explicit HeapFixture(std::size_t n) : generation(n, 0) {
    for (std::size_t i = 0; i < n; ++i) heap.push({static_cast<std::int64_t>(random() % k_spread_ns), i, 0});
  }
  struct Entry {
    std::int64_t deadline;
    std::size_t id;
    std::uint32_t generation;
    bool operator>(const Entry& o) const { return deadline > o.deadline; }
  };
  std::mt19937_64 random{7};
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
  std::vector<std::uint32_t> generation;
};

void bm_heap_rearm(benchmark::State& state) {
  HeapFixture f(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    // Lazy re-arm: push the new entry; drop one stale entry so the heap size stays put.
    ++f.generation[i];
    f.heap.push({static_cast<std::int64_t>(f.random() % k_spread_ns), i, f.generation[i]});
    f.heap.pop();
    if (++i == f.generation.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void bm_heap_expire(benchmark::State& state) {
  HeapFixture f(static_cast<std::size_t>(state.range(0)));
  std::int64_t now = 0;
  std::int64_t fired = 0;
  const std::int64_t step = k_spread_ns / static_cast<std::int64_t>(f.generation.size()) + 1;
  for (auto _ : state) {
    now += step;
    while (!f.heap.empty() && f.heap.top().deadline <= now) {
      auto entry = f.heap.top();
      f.heap.pop();
      ++fired;
      f.heap.push({now + k_spread_ns, entry.id, entry.generation});
    }
  }
  state.SetItemsProcessed(fired);
}

constexpr std::int64_t k_sizes[] = {1'000, 100'000, 10'000'000};

}  // namespace

int main(int argc, char** argv) {
  for (std::int64_t n : k_sizes) {
    benchmark::RegisterBenchmark("wheel_rearm", bm_wheel_rearm)->Arg(n);
    benchmark::RegisterBenchmark("wheel_arm_cancel", bm_wheel_arm_cancel)->Arg(n);
    benchmark::RegisterBenchmark("wheel_expire", bm_wheel_expire)->Arg(n);
    benchmark::RegisterBenchmark("heap_rearm", bm_heap_rearm)->Arg(n);
    benchmark::RegisterBenchmark("heap_expire", bm_heap_expire)->Arg(n);
  }
  benchmark::Initialize(&argc, argv);
  finwait::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);

  auto ns_per_op = [&](const std::string& name) {
    const double rate = reporter.items_per_second(name);
    return rate > 0 ? 1e9 / rate : 0.0;
  };
  fmt::print("\n{:>10}  {:>12}  {:>12}  {:>12}  {:>12}  {:>12}\n", "timers", "wheel rearm", "arm/cancel",
             "wheel expire", "heap rearm", "heap expire");
  for (std::int64_t n : k_sizes) {
    fmt::print("{:>10}  {:>9.1f} ns  {:>9.1f} ns  {:>9.1f} ns  {:>9.1f} ns  {:>9.1f} ns\n", n,
               ns_per_op(fmt::format("wheel_rearm/{}", n)), ns_per_op(fmt::format("wheel_arm_cancel/{}", n)),
               ns_per_op(fmt::format("wheel_expire/{}", n)), ns_per_op(fmt::format("heap_rearm/{}", n)),
               ns_per_op(fmt::format("heap_expire/{}", n)));
  }
  benchmark::Shutdown();
  return 0;
}
