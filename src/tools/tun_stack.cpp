#include "tools/tun_stack.h"

#include <sys/random.h>
#include <unistd.h>

#include <limits>
#include <tuple>

#include <fmt/format.h>

#include "base/decimal.h"
#include "base/quote.h"
#include "tools/tunables_file.h"

namespace finwait::tools {
namespace {

struct Prefix {
  wire::Ipv4Address address;
  int length = 24;
};

Result<Prefix, std::string> parse_prefix(const std::string& option, const std::string& text) {
  const std::size_t slash = text.find('/');
  auto address = wire::Ipv4Address::parse(text.substr(0, slash));
  std::optional<std::int64_t> length = 24;
  if (slash != std::string::npos) length = parse_decimal_integer(text.substr(slash + 1));
  if (!address || !length || *length < 1 || *length > 30) {
    return fail(fmt::format("{} '{}': expected an IPv4 address with a prefix, such as 198.18.1.2/24", option,
                            quote_for_message(text)));
  }
  return Prefix{*address, static_cast<int>(*length)};
}

// A probability: 0..1, or a percentage such as "2%" or "0.5%".
Result<double, std::string> parse_probability(const std::string& option, const std::string& text) {
  if (text.empty()) return 0.0;
  const bool percent = text.back() == '%';
  auto value = parse_decimal_number(percent ? text.substr(0, text.size() - 1) : text);
  if (value && percent) *value /= 100;
  if (!value || *value < 0 || *value > 1)
    return fail(fmt::format("{} '{}': expected a probability from 0 to 1, or a percentage such as 2%", option,
                            quote_for_message(text)));
  return *value;
}

}  // namespace

void TunStackOptions::add_to(CLI::App& command) {
  command.add_option("--tun", tun, "the TUN interface to create, e.g. fw0")->required();
  command.add_option("--addr", addr, "finwait's address and prefix, e.g. 198.18.1.2/24")->required();
  command.add_option("--host-addr", host_addr, "the kernel's side (default: the first other address of the subnet)");
  command.add_option("--profile", profile, "tunable defaults: linux (default), aix, rfc793");
  command.add_option("--set", set, "NAME=VALUE: set a tunable, as `finwait no -o` does (repeatable)");
  command.add_option("--tunables", tunables_file,
                     "the persisted tunables `finwait no -p` writes (default /etc/finwait/tunables.toml, if it "
                     "exists), applied before --set");
  command.add_option("--pcap", pcap, "write every packet in and out to this pcap file (at exit)");
  command.add_option("--loss", loss, "drop each packet in and out with this probability (0..1 or N%)");
  command.add_option("--duplicate", duplicate, "send or deliver each packet twice with this probability");
  command.add_option("--corrupt", corrupt, "flip one byte of each packet with this probability");
  command.add_option("--fault-seed", fault_seed, "seed of the faults above (default 1): one seed, one run");
  command.add_flag("--no-offloads", no_offloads,
                   "plain TUN: no vnet header, every checksum computed and checked, MTU-sized segments");
}

std::string TunStack::describe() const {
  return fmt::format("{}: finwait {}/{}, host {}/{}, mtu {}, {}{}", device->name(), address, prefix_length,
                     host_address, prefix_length, device->mtu(), device->describe_offloads(),
                     tunables_read.empty() ? "" : ", " + tunables_read);
}

Result<bool, std::string> TunStack::finish() {
  if (!capture) return true;
  auto written = capture->commit();
  if (!written) return fail("--pcap: " + written.error());
  return true;
}

Result<bool, std::string> TunStacks::finish() {
  if (!capture) return true;
  auto written = capture->commit();
  if (!written) return fail("--pcap: " + written.error());
  return true;
}

Result<TunStack, std::string> open_tun_stack(const TunStackOptions& o) {
  auto opened = open_tun_stacks(o, 1);
  if (!opened) return fail(opened.error());
  TunStack t = std::move(opened->queues.front());
  t.capture = std::move(opened->capture);
  return t;
}

Result<TunStacks, std::string> open_tun_stacks(const TunStackOptions& o, int queues) {
  auto ours = parse_prefix("--addr", o.addr);
  if (!ours) return fail(ours.error());
  const std::uint32_t mask = ~std::uint32_t{0} << (32 - ours->length);
  const std::uint32_t network = ours->address.to_uint() & mask;
  Prefix host{wire::Ipv4Address(network + 1), ours->length};
  if (host.address == ours->address) host.address = wire::Ipv4Address(network + 2);
  if (!o.host_addr.empty()) {
    auto given = parse_prefix("--host-addr", o.host_addr);
    if (!given) return fail(given.error());
    host = *given;
  }
  if ((host.address.to_uint() & mask) != network || host.address == ours->address)
    return fail(fmt::format("--host-addr {}: must be another address in {}/{}", host.address,
                            wire::Ipv4Address(network), ours->length));
  auto profile = parse_profile(o.profile);
  if (!profile)
    return fail(fmt::format("--profile: unknown profile '{}' (aix, linux, rfc793)", quote_for_message(o.profile)));
  Tunables tunables(*profile);
  const std::string file_path = o.tunables_file.empty() ? k_default_tunables_file : o.tunables_file;
  auto persisted = read_tunables_file(file_path);
  if (!persisted) return fail("--tunables: " + persisted.error());
  if (!o.tunables_file.empty() && persisted->values.empty() && ::access(file_path.c_str(), F_OK) != 0)
    return fail(fmt::format("--tunables {}: no such file", quote_for_message(file_path)));
  if (auto applied = apply_tunables_file(*persisted, tunables, file_path); !applied)
    return fail("--tunables: " + applied.error());
  for (const std::string& assignment : o.set) {
    const std::size_t eq = assignment.find('=');
    if (eq == std::string::npos) return fail(fmt::format("--set {}: expected NAME=VALUE", quote_for_message(assignment)));
    if (auto r = tunables.set(assignment.substr(0, eq), assignment.substr(eq + 1)); !r) return fail("--set: " + r.error());
  }
  if (auto bad = tunables.inconsistency()) return fail("--set: " + *bad);

  netdev::FaultConfig faults;
  for (auto [option, text, slot] : {std::tuple{"--loss", &o.loss, &faults.loss},
                                    std::tuple{"--duplicate", &o.duplicate, &faults.duplicate},
                                    std::tuple{"--corrupt", &o.corrupt, &faults.corrupt}}) {
    auto p = parse_probability(option, *text);
    if (!p) return fail(p.error());
    *slot = *p;
  }
  auto seed = decimal_in_range("--fault-seed", o.fault_seed, 0, std::numeric_limits<std::int64_t>::max());
  if (!seed) return fail(seed.error());
  faults.seed = static_cast<std::uint64_t>(*seed);

  if (queues < 1 || queues > netdev::TunDevice::k_max_queues)
    return fail(fmt::format("{} queues: expected 1 to {}", queues, netdev::TunDevice::k_max_queues));
  TunStacks group;
  if (!o.pcap.empty()) {
    auto w = wire::PcapWriter::create(o.pcap);
    if (!w) return fail("--pcap: " + w.error());
    group.capture = std::make_unique<wire::PcapWriter>(std::move(*w));
    if (queues > 1) group.capture_lock = std::make_unique<std::mutex>();
  }
  netdev::TunConfig device_config{o.tun, host.address, host.length, !o.no_offloads, queues};
  auto devices = netdev::TunDevice::open_queues(device_config);
  if (!devices) return fail(devices.error());

  stack::StackConfig config;
  config.name = o.tun;
  config.address = ours->address;
  config.profile = *profile;
  config.mtu = devices->front().mtu();
  config.max_segmented_packet = devices->front().offloads().max_segmented_packet;
  // On a real interface the secret must not be guessable (RFC 6528, RFC 6056).
  if (::getrandom(&config.secret, sizeof config.secret, 0) != sizeof config.secret)
    return fail(std::string("getrandom: no randomness for the stack's secret"));
  if (queues > 1) {
    SipKey steering_key;
    if (::getrandom(&steering_key, sizeof steering_key, 0) != sizeof steering_key)
      return fail(std::string("getrandom: no randomness for the flow steering key"));
    group.steering = std::make_unique<netdev::FlowSteering>(static_cast<std::size_t>(queues), steering_key);
  }
  for (int queue = 0; queue < queues; ++queue) {
    TunStack t;
    if (!persisted->values.empty())
      t.tunables_read = fmt::format("tunables from {} ({})", file_path, persisted->values.size());
    t.address = ours->address;
    t.host_address = host.address;
    t.prefix_length = ours->length;
    t.device = std::make_unique<netdev::TunDevice>(std::move((*devices)[static_cast<std::size_t>(queue)]));
    t.stack = std::make_unique<stack::Stack>(config);
    t.stack->tunables() = tunables;
    // The device chain: TUN, then the steering, then the faults, then the
    // capture (which records what the stack sends, before any loss, and
    // what reaches it).
    netdev::Device* outermost = t.device.get();
    if (group.steering) {
      t.steered = std::make_unique<netdev::SteeredQueue>(*outermost, *group.steering, static_cast<std::size_t>(queue));
      outermost = t.steered.get();
    }
    if (faults.any()) {
      netdev::FaultConfig own = faults;
      own.seed += static_cast<std::uint64_t>(queue);  // a stream per queue; queue 0 keeps the seed given
      t.faults = std::make_unique<netdev::FaultInjector>(*outermost, own);
      outermost = t.faults.get();
    }
    if (group.capture) {
      t.tap = std::make_unique<netdev::PcapTap>(*outermost, *group.capture, api::real_clock_now,
                                                group.capture_lock.get());
      outermost = t.tap.get();
    }
    t.loop = std::make_unique<api::EventLoop>(*t.stack, *outermost);
    group.queues.push_back(std::move(t));
  }
  return group;
}

}  // namespace finwait::tools
