#include "soak_plan.h"

#include <random>

#include <fmt/format.h>

#include "time/instant.h"

namespace finwait::soak {

const char* to_string(CloseOrder order) {
  switch (order) {
    case CloseOrder::client_first: return "client-first";
    case CloseOrder::server_first: return "server-first";
    case CloseOrder::simultaneous: return "simultaneous";
    case CloseOrder::half_close: return "half-close";
    case CloseOrder::client_abort: return "client-abort";
    case CloseOrder::server_abort: return "server-abort";
  }
  return "?";
}

SoakPlan make_plan(std::uint64_t seed) {
  std::mt19937_64 random(seed);
  auto uniform = [&](double low, double high) { return std::uniform_real_distribution<double>(low, high)(random); };
  auto integer = [&](std::int64_t low, std::int64_t high) {
    return std::uniform_int_distribution<std::int64_t>(low, high)(random);
  };
  auto chance = [&](double p) { return uniform(0, 1) < p; };
  // Sizes from nothing to a few hundred KB, most of them small.
  auto size = [&] {
    const std::int64_t kind = integer(0, 9);
    if (kind == 0) return std::size_t{0};
    if (kind < 5) return static_cast<std::size_t>(integer(1, 3000));
    if (kind < 9) return static_cast<std::size_t>(integer(3000, 100000));
    return static_cast<std::size_t>(integer(100000, 400000));
  };

  SoakPlan plan;
  plan.seed = seed;
  plan.client_profile = chance(0.2) ? Profile::aix : Profile::linux;
  plan.server_profile = chance(0.2) ? Profile::aix : Profile::linux;
  const auto count = integer(1, 4);
  for (std::int64_t i = 0; i < count; ++i) {
    ConnectionPlan c;
    c.client_bytes = size();
    c.server_bytes = size();
    c.order = static_cast<CloseOrder>(integer(0, 5));
    const std::size_t aborting = c.order == CloseOrder::client_abort ? c.client_bytes : c.server_bytes;
    c.abort_after = aborting == 0 ? 0 : static_cast<std::size_t>(integer(0, static_cast<std::int64_t>(aborting)));
    c.start = milliseconds(integer(0, 2000));
    plan.connections.push_back(c);
  }
  plan.link.a = "client";
  plan.link.b = "server";
  plan.link.delay = milliseconds(integer(1, 100));
  const std::int64_t loss_kind = integer(0, 3);
  plan.link.loss = loss_kind == 0 ? 0 : loss_kind == 1 ? uniform(0, 0.02) : loss_kind == 2 ? uniform(0.02, 0.1) : uniform(0.1, 0.3);
  if (chance(0.3)) plan.link.reorder = uniform(0, 0.2);
  plan.link.reorder_delay = milliseconds(integer(1, 50));
  if (chance(0.3)) plan.link.duplicate = uniform(0, 0.05);
  if (chance(0.3)) plan.link.corrupt = uniform(0, 0.05);
  Instant last = Instant{} + seconds(5);
  if (chance(0.25)) {
    // Shorter or longer than the 30 s user timeout.
    const Instant from = Instant{} + milliseconds(integer(0, 5000));
    const Duration length = chance(0.5) ? milliseconds(integer(100, 20000)) : seconds(integer(31, 120));
    plan.link.partitions.push_back(sim::Partition{from, from + length});
    last = std::max(last, from + length);
  }
  if (chance(0.15)) {
    CrashPlan crash;
    crash.host = chance(0.5) ? "client" : "server";
    crash.at = Instant{} + milliseconds(integer(10, 8000));
    if (chance(0.6)) crash.reboot_at = crash.at + milliseconds(integer(100, 60000));
    last = std::max(last, crash.reboot_at.value_or(crash.at));
    plan.crash = crash;
  }
  // Every bound is minutes at most (user timeout, keepalive, orphan
  // retries, FIN_WAIT_2 and TIME_WAIT under either profile): an hour after
  // the last fault nothing may be left.
  plan.until = last + hours(1);
  return plan;
}

std::string describe(const SoakPlan& plan) {
  std::string out = fmt::format("seed {}: client {}, server {}; link delay {}, loss {:.3f}, reorder {:.3f}, duplicate {:.3f}, corrupt {:.3f}",
                                plan.seed, to_string(plan.client_profile), to_string(plan.server_profile),
                                format_duration(plan.link.delay), plan.link.loss, plan.link.reorder,
                                plan.link.duplicate, plan.link.corrupt);
  for (const sim::Partition& p : plan.link.partitions)
    out += fmt::format("; partition {}..{}", format_duration(p.from - Instant{}), format_duration(p.until - Instant{}));
  if (plan.crash) {
    out += fmt::format("; {} crashes at {}", plan.crash->host, format_duration(plan.crash->at - Instant{}));
    if (plan.crash->reboot_at) out += fmt::format(", reboots at {}", format_duration(*plan.crash->reboot_at - Instant{}));
  }
  for (std::size_t i = 0; i < plan.connections.size(); ++i) {
    const ConnectionPlan& c = plan.connections[i];
    out += fmt::format("\n  connection {}: at {}, client sends {}, server sends {}, {}", i, format_duration(c.start),
                       c.client_bytes, c.server_bytes, to_string(c.order));
    if (c.order == CloseOrder::client_abort || c.order == CloseOrder::server_abort)
      out += fmt::format(" after {} bytes", c.abort_after);
  }
  return out;
}

}  // namespace finwait::soak
