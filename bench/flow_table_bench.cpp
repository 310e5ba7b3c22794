// Hash flooding: lookups in the flow table when a peer picks 4-tuples that
// all collide under an unkeyed hash, against lookups of random 4-tuples, in
// the same run. The baseline is the same flood against std::unordered_map
// with that unkeyed hash (the XOR of the tuple's words, as naive stacks hash
// it), where every colliding tuple lands in one bucket. Aim (performance
// issue): the keyed table's flooded lookups within 20 % of its random ones.
#include <cstdint>
#include <random>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "bench/ratio_reporter.h"
#include "stack/flow_table.h"

namespace {

using finwait::stack::FlowKey;
using finwait::stack::FlowTable;
using finwait::wire::Ipv4Address;

constexpr std::size_t k_flows = 8192;
const Ipv4Address k_local(198, 18, 0, 2);
constexpr std::uint16_t k_local_port = 80;

// The unkeyed hash an attacker can aim at.
struct XorHash {
  std::size_t operator()(const FlowKey& f) const {
    return f.local.to_uint() ^ f.remote.to_uint() ^ (std::uint32_t{f.local_port} << 16 | f.remote_port);
  }
};

std::vector<FlowKey> random_flows() {
  std::mt19937 random(3);
  std::vector<FlowKey> flows;
  while (flows.size() < k_flows) {
    // Peers in 198.18.0.0/15, any port: distinct tuples.
    const std::uint32_t r = random();
    flows.push_back(FlowKey{k_local, Ipv4Address(0xc6120000u | (r & 0x1ffffu)), k_local_port,
                            static_cast<std::uint16_t>(1024 + (r >> 17) % 60000)});
  }
  return flows;
}

// Every tuple has the same XorHash: the remote address absorbs the port.
std::vector<FlowKey> colliding_flows() {
  std::vector<FlowKey> flows;
  const std::uint32_t target = 0xc6120000u;
  for (std::uint32_t port = 1024; flows.size() < k_flows; ++port) {
    const std::uint32_t ports = std::uint32_t{k_local_port} << 16 | port;
    const std::uint32_t remote = target ^ ports ^ k_local.to_uint();
    flows.push_back(FlowKey{k_local, Ipv4Address(remote), k_local_port, static_cast<std::uint16_t>(port)});
  }
  return flows;
}

template <typename Table, typename Insert, typename Find>
void run_lookups(benchmark::State& state, const std::vector<FlowKey>& flows, Table& table, Insert insert, Find find) {
  for (std::size_t i = 0; i < flows.size(); ++i) insert(table, flows[i], static_cast<std::uint32_t>(i + 1));
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(find(table, flows[i]));
    i = (i + 1 == flows.size()) ? 0 : i + 1;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void bm_flow_table(benchmark::State& state, bool flood) {
  const auto flows = flood ? colliding_flows() : random_flows();
  FlowTable table(finwait::SipKey{0x1234, 0x5678});
  run_lookups(
      state, flows, table, [](FlowTable& t, const FlowKey& f, std::uint32_t h) { t.insert(f, h); },
      [](const FlowTable& t, const FlowKey& f) { return t.find(f).value_or(0); });
}

void bm_unkeyed_map(benchmark::State& state, bool flood) {
  const auto flows = flood ? colliding_flows() : random_flows();
  std::unordered_map<FlowKey, std::uint32_t, XorHash> table;
  run_lookups(
      state, flows, table,
      [](std::unordered_map<FlowKey, std::uint32_t, XorHash>& t, const FlowKey& f, std::uint32_t h) { t[f] = h; },
      [](const std::unordered_map<FlowKey, std::uint32_t, XorHash>& t, const FlowKey& f) { return t.find(f)->second; });
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("flow_table/random", bm_flow_table, false);
  benchmark::RegisterBenchmark("flow_table/flood", bm_flow_table, true);
  benchmark::RegisterBenchmark("unkeyed_map/random", bm_unkeyed_map, false);
  benchmark::RegisterBenchmark("unkeyed_map/flood", bm_unkeyed_map, true);
  benchmark::Initialize(&argc, argv);
  finwait::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  fmt::print("\n{:>14}  {:>14}  {:>14}  {:>14}\n", "table", "random ns", "flooded ns", "flood/random");
  int status = 0;
  for (const char* name : {"flow_table", "unkeyed_map"}) {
    const double random = reporter.items_per_second(fmt::format("{}/random", name));
    const double flood = reporter.items_per_second(fmt::format("{}/flood", name));
    if (random == 0 || flood == 0) continue;  // filtered out
    fmt::print("{:>14}  {:>14.1f}  {:>14.1f}  {:>13.2f}x\n", name, 1e9 / random, 1e9 / flood, random / flood);
    if (std::string_view(name) == "flow_table" && random / flood > 1.2) {
      fmt::print("FAIL: a flood of colliding 4-tuples slows the flow table's lookups\n");
      status = 1;
    }
  }
  fmt::print("({} flows; the flood's tuples all share one unkeyed hash)\n", k_flows);
  benchmark::Shutdown();
  return status;
}
