// The soak (tests/soak): seeded simulator runs that mix transfer sizes both
// ways, every close order and every fault, with one oracle for every seed:
//  - each application receives every byte exactly once and in order, or is
//    told of an error (or reset the connection itself, or its host crashed);
//  - an end that did not get everything was told so: no one waits forever;
//  - every connection reaches CLOSED within the bounds its tunables set:
//    an hour after the last fault the stacks hold nothing.
// A failing seed prints the one command that replays it.
//
//   finwait_soak [--seeds N] [--first S]    N seeds from S (default 500 from 1)
//   finwait_soak --seed S [--trace]         one seed: its plan, verdict, timeline
#include <cstdio>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "base/decimal.h"
#include "sim/world.h"
#include "soak_peers.h"
#include "soak_plan.h"

namespace finwait::soak {
namespace {

struct Verdict {
  std::vector<std::string> failures;
  std::size_t connections = 0;
  std::size_t complete = 0;  // both ends got everything
};

bool told(const SideRecord& side) { return side.error != Errno::ok || side.aborted || side.crashed; }

Verdict run_seed(std::uint64_t seed, bool trace) {
  const SoakPlan plan = make_plan(seed);
  Verdict verdict;
  Ledger ledger;
  ledger.client.resize(plan.connections.size());
  ledger.server.resize(plan.connections.size());
  sim::World world(seed);
  auto fail = [&](std::string why) { verdict.failures.push_back(std::move(why)); };
  for (const auto& [name, address, profile] :
       {std::tuple{"client", wire::Ipv4Address(198, 18, 0, 1), plan.client_profile},
        std::tuple{"server", wire::Ipv4Address(198, 18, 0, 2), plan.server_profile}}) {
    sim::HostConfig host;
    host.name = name;
    host.address = address;
    host.profile = profile;
    if (auto added = world.add_host(host); !added) {
      fail("host: " + added.error());
      return verdict;
    }
  }
  if (auto linked = world.add_link(plan.link); !linked) {
    fail("link: " + linked.error());
    return verdict;
  }
  world.add_app(std::make_unique<SoakServer>(plan, ledger));
  world.add_app(std::make_unique<SoakClient>(plan, ledger));
  if (plan.crash) {
    world.schedule_crash(plan.crash->host, plan.crash->at);
    if (plan.crash->reboot_at) world.schedule_reboot(plan.crash->host, *plan.crash->reboot_at);
  }
  world.run_until(plan.until);

  verdict.connections = plan.connections.size();
  for (std::size_t i = 0; i < plan.connections.size(); ++i) {
    const ConnectionPlan& c = plan.connections[i];
    const SideRecord& client = ledger.client[i];
    const SideRecord& server = ledger.server[i];
    auto side = [&](const char* who, const SideRecord& me, std::size_t expected, bool peer_opened) {
      if (!me.broken.empty()) fail(fmt::format("connection {}: the {} read a wrong byte: {}", i, who, me.broken));
      if (!me.opened) return;
      if (me.received < expected && !told(me) && peer_opened)
        fail(fmt::format("connection {}: the {} got {} of {} bytes and was told of no error", i, who, me.received,
                         expected));
      if (!me.closed && !me.crashed) fail(fmt::format("connection {}: the {} still holds its socket", i, who));
    };
    side("client", client, c.server_bytes, true);
    side("server", server, c.client_bytes, client.opened);
    if (client.received == c.server_bytes && server.received == c.client_bytes) ++verdict.complete;
    // With no fault that can end it, a connection must simply work.
    const bool harmless = !plan.crash && plan.link.partitions.empty() && plan.link.loss < 0.05 &&
                          c.order != CloseOrder::client_abort && c.order != CloseOrder::server_abort;
    if (harmless && (told(client) || told(server)))
      fail(fmt::format("connection {}: failed on a link that only loses {:.1f} %: client {}, server {}", i,
                       plan.link.loss * 100, to_string(client.error), to_string(server.error)));
  }
  for (const char* host : {"client", "server"}) {
    const stack::Stack* s = world.stack(host);
    if (s == nullptr) continue;
    for (const auto& held : s->connections(world.now()))
      fail(fmt::format("the {} still holds {} in {} an hour after the last fault (timer {} in {}, {} queued to "
                       "send, {} to read)",
                       host, held.flow.to_string(), tcp::to_string(held.state), held.timer,
                       format_duration(held.timer_remaining), held.send_queue, held.receive_queue));
  }
  if (trace) {
    fmt::print("{}\n", describe(plan));
    for (const sim::Record& r : world.recorder().records()) fmt::print("{}\n", sim::Recorder::to_text(r));
  }
  return verdict;
}

int usage(const char* why) {
  std::fprintf(stderr, "finwait_soak: %s\nusage: finwait_soak [--seeds N] [--first S] | --seed S [--trace]\n", why);
  return 2;
}

}  // namespace
}  // namespace finwait::soak

int main(int argc, char** argv) {
  using namespace finwait;
  std::int64_t seeds = 500;
  std::int64_t first = 1;
  std::optional<std::int64_t> one;
  bool trace = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto number = [&](std::int64_t low, std::int64_t high) -> std::optional<std::int64_t> {
      if (i + 1 >= argc) return std::nullopt;
      auto n = decimal_in_range(arg, argv[++i], low, high);
      if (!n) return std::nullopt;
      return *n;
    };
    if (arg == "--seeds") {
      auto n = number(1, 100'000'000);
      if (!n) return soak::usage("--seeds takes a count, 1..100000000");
      seeds = *n;
    } else if (arg == "--first") {
      auto n = number(0, std::numeric_limits<std::int64_t>::max() / 2);
      if (!n) return soak::usage("--first takes a seed");
      first = *n;
    } else if (arg == "--seed") {
      auto n = number(0, std::numeric_limits<std::int64_t>::max());
      if (!n) return soak::usage("--seed takes a seed");
      one = *n;
    } else if (arg == "--trace") {
      trace = true;
    } else {
      return soak::usage(("unknown argument " + arg).c_str());
    }
  }
  if (one) {
    const soak::Verdict v = soak::run_seed(static_cast<std::uint64_t>(*one), trace);
    for (const std::string& f : v.failures) fmt::print("FAIL seed {}: {}\n", *one, f);
    if (v.failures.empty()) fmt::print("ok seed {}: {} connections, {} complete\n", *one, v.connections, v.complete);
    return v.failures.empty() ? 0 : 1;
  }
  std::size_t failed = 0, connections = 0, complete = 0;
  for (std::int64_t seed = first; seed < first + seeds; ++seed) {
    const soak::Verdict v = soak::run_seed(static_cast<std::uint64_t>(seed), false);
    connections += v.connections;
    complete += v.complete;
    if (v.failures.empty()) continue;
    ++failed;
    for (const std::string& f : v.failures) fmt::print("FAIL seed {}: {}\n", seed, f);
    fmt::print("  replay: {} --seed {} --trace\n", argv[0], seed);
  }
  fmt::print("soak: {} seeds from {}, {} connections ({} complete both ways), {} seeds failed\n", seeds, first,
             connections, complete, failed);
  return failed == 0 ? 0 : 1;
}
