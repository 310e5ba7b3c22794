// `finwait serve --tun NAME --addr A/N [--host-addr A/N] [--echo PORT]
// [--discard PORT] [--http PORT] [--profile P] [--set NAME=VALUE]...
// [--pcap FILE]`: a finwait stack on a TUN device in the current network
// namespace, with echo, discard and HTTP servers, until SIGINT or SIGTERM.
#include <sys/random.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <optional>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "api/event_loop.h"
#include "base/decimal.h"
#include "base/quote.h"
#include "netdev/tun_device.h"
#include "tools/command.h"
#include "tools/serve_apps.h"

namespace finwait::tools {
namespace {

struct ServeOptions {
  std::string tun;
  std::string addr;
  std::string host_addr;
  std::string echo;
  std::string discard;
  std::string http;
  std::string profile = "linux";
  std::vector<std::string> set;
  std::string pcap;
};

// How long after SIGINT/SIGTERM the stack keeps running so that the closes
// it started can reach the peers (FIN, its ACK); TIME_WAIT is not waited out.
constexpr Duration k_drain = seconds(5);

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

Result<std::optional<std::uint16_t>, std::string> parse_port(const std::string& option, const std::string& text) {
  if (text.empty()) return std::optional<std::uint16_t>{};
  auto port = decimal_in_range(option, text, 1, 65535);
  if (!port) return fail(port.error());
  return std::optional<std::uint16_t>{static_cast<std::uint16_t>(*port)};
}

int run_serve(const ServeOptions& o) {
  auto error = [](const std::string& message) {
    fmt::print(stderr, "finwait serve: {}\n", message);
    return 2;
  };
  auto ours = parse_prefix("--addr", o.addr);
  if (!ours) return error(ours.error());
  const std::uint32_t mask = ~std::uint32_t{0} << (32 - ours->length);
  const std::uint32_t network = ours->address.to_uint() & mask;
  Prefix host{wire::Ipv4Address(network + 1), ours->length};
  if (host.address == ours->address) host.address = wire::Ipv4Address(network + 2);
  if (!o.host_addr.empty()) {
    auto given = parse_prefix("--host-addr", o.host_addr);
    if (!given) return error(given.error());
    host = *given;
  }
  if ((host.address.to_uint() & mask) != network || host.address == ours->address)
    return error(fmt::format("--host-addr {}: must be another address in {}/{}", host.address,
                             wire::Ipv4Address(network), ours->length));
  ServiceConfig services_config;
  for (auto [option, text, slot] : {std::tuple{"--echo", &o.echo, &services_config.echo},
                                    std::tuple{"--discard", &o.discard, &services_config.discard},
                                    std::tuple{"--http", &o.http, &services_config.http}}) {
    auto port = parse_port(option, *text);
    if (!port) return error(port.error());
    *slot = *port;
  }
  if (!services_config.echo && !services_config.discard && !services_config.http)
    return error("nothing to serve: give --echo PORT, --discard PORT and/or --http PORT");
  auto profile = parse_profile(o.profile);
  if (!profile) return error(fmt::format("--profile: unknown profile '{}' (aix, linux, rfc793)", quote_for_message(o.profile)));
  Tunables check(*profile);
  for (const std::string& assignment : o.set) {
    const std::size_t eq = assignment.find('=');
    if (eq == std::string::npos) return error(fmt::format("--set {}: expected NAME=VALUE", quote_for_message(assignment)));
    if (auto r = check.set(assignment.substr(0, eq), assignment.substr(eq + 1)); !r) return error("--set: " + r.error());
  }
  if (auto bad = check.inconsistency()) return error("--set: " + *bad);

  std::optional<wire::PcapWriter> capture;
  if (!o.pcap.empty()) {
    auto w = wire::PcapWriter::create(o.pcap);
    if (!w) return error("--pcap: " + w.error());
    capture.emplace(std::move(*w));
  }
  auto device = netdev::TunDevice::open({o.tun, host.address, host.length});
  if (!device) return error(device.error());

  stack::StackConfig config;
  config.name = o.tun;
  config.address = ours->address;
  config.profile = *profile;
  config.mtu = device->mtu();
  // On a real interface the secret must not be guessable (RFC 6528, RFC 6056).
  if (::getrandom(&config.secret, sizeof config.secret, 0) != sizeof config.secret)
    return error("getrandom: no randomness for the stack's secret");
  stack::Stack stack(config);
  for (const std::string& assignment : o.set) {
    const std::size_t eq = assignment.find('=');
    (void)stack.tunables().set(assignment.substr(0, eq), assignment.substr(eq + 1));
  }
  Services services(stack, services_config);
  if (auto r = services.listen(); !r) return error(r.error());

  // SIGINT and SIGTERM arrive through a signalfd, in the loop like any event.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  const int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0) return error("signalfd failed");

  api::EventLoop loop(stack, *device);
  if (capture) loop.tap(&*capture);
  std::optional<Instant> stop_at;
  loop.on_ready([&](std::span<const int> ready, Instant now) { services.on_ready(ready, now); });
  (void)loop.watch(signal_fd, [&](Instant now) {
    signalfd_siginfo info{};
    while (::read(signal_fd, &info, sizeof info) == sizeof info) {
    }
    if (!stop_at) {
      services.close_all(now);
      stop_at = now + k_drain;
    }
  });

  std::string serving;
  for (auto [name, port] : {std::pair{"http", services_config.http}, std::pair{"echo", services_config.echo},
                            std::pair{"discard", services_config.discard}}) {
    if (port) serving += fmt::format("{}{} {}", serving.empty() ? "" : ", ", name, *port);
  }
  fmt::print("finwait serve: ready on {}: finwait {}/{}, host {}/{}, mtu {}; {}\n", device->name(), ours->address,
             ours->length, host.address, host.length, device->mtu(), serving);
  std::fflush(stdout);

  auto ran = loop.run([&] {
    if (!stop_at) return false;
    // Done once every connection is gone or only waits out TIME-WAIT.
    bool busy = false;
    for (const auto& c : stack.connections(loop.now())) busy = busy || c.state != tcp::State::time_wait;
    return !busy || loop.now() >= *stop_at;
  });
  ::close(signal_fd);
  if (!ran) {
    fmt::print(stderr, "finwait serve: {}\n", ran.error());
    return 1;
  }
  if (capture) {
    if (auto written = capture->commit(); !written) {
      fmt::print(stderr, "finwait serve: --pcap: {}\n", written.error());
      return 1;
    }
  }
  fmt::print("finwait serve: stopped; {} connection{} left in TIME-WAIT\n", stack.connection_count(),
             stack.connection_count() == 1 ? "" : "s");
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, CommandResult& result) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Run a finwait stack on a TUN device: echo, discard and HTTP servers");
  cmd->add_option("--tun", o->tun, "the TUN interface to create, e.g. fw0")->required();
  cmd->add_option("--addr", o->addr, "finwait's address and prefix, e.g. 198.18.1.2/24")->required();
  cmd->add_option("--host-addr", o->host_addr,
                  "the kernel's side (default: the first other address of the subnet)");
  cmd->add_option("--echo", o->echo, "serve echo (RFC 862) on this port");
  cmd->add_option("--discard", o->discard, "serve discard (RFC 863) on this port");
  cmd->add_option("--http", o->http, "serve HTTP/1.1 GET /bytes/N on this port");
  cmd->add_option("--profile", o->profile, "tunable defaults: linux (default), aix, rfc793");
  cmd->add_option("--set", o->set, "NAME=VALUE: set a tunable, as `finwait no -o` does (repeatable)");
  cmd->add_option("--pcap", o->pcap, "write every packet in and out to this pcap file (at exit)");
  cmd->callback([o, &result] { result.exit_status = run_serve(*o); });
}

}  // namespace finwait::tools
