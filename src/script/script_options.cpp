#include "script/script_options.h"

#include <fmt/format.h>

#include "base/decimal.h"
#include "base/quote.h"
#include "base/tunables.h"
#include "wire/ipv4_address.h"

namespace finwait::script {

std::optional<std::string> check_option(const std::string& name, const std::string& value) {
  auto integer = [&](std::int64_t low, std::int64_t high) -> std::optional<std::string> {
    if (auto r = decimal_in_range("--" + name, value, low, high); !r) return r.error();
    return std::nullopt;
  };
  if (name == "tolerance_usecs") return integer(0, k_max_tolerance_us);
  if (name == "tcp_ts_tick_usecs") return integer(1, 1'000'000);
  if (name == "mss") return integer(88, 65495);
  if (name == "bind_port" || name == "connect_port") return integer(1, 65535);
  if (name == "tolerance_percent") {
    if (auto r = number_in_range("--tolerance_percent", value, 0, 100); !r) return r.error();
    return std::nullopt;
  }
  if (name == "profile") {
    if (parse_profile(value)) return std::nullopt;
    return fmt::format("--profile: unknown profile '{}' (aix, linux, rfc793)", quote_for_message(value));
  }
  if (name == "lenient") {
    if (value.empty() || value == "1" || value == "0" || value == "true" || value == "false") return std::nullopt;
    return fmt::format("--lenient: '{}' is not one of 1, 0, true, false", quote_for_message(value));
  }
  if (name == "parking") {
    if (value == "always" || value == "never" || value == "capped") return std::nullopt;
    return fmt::format("--parking: '{}' is not one of always, never, capped", quote_for_message(value));
  }
  if (name == "ip_version") {
    if (value == "ipv4") return std::nullopt;
    return fmt::format("--ip_version={}: finwait scripts run over IPv4 only", quote_for_message(value));
  }
  // packetdrill's addresses (config.c): the world's labels, IPv4 here. The
  // remote may carry a prefix length (192.0.2.1/24), as packetdrill allows.
  if (name == "local_ip" || name == "remote_ip" || name == "gateway_ip" || name == "netmask_ip") {
    std::string_view text = value;
    if (name == "remote_ip") text = text.substr(0, text.find('/'));
    if (wire::Ipv4Address::parse(text)) return std::nullopt;
    return fmt::format("--{}: '{}' is not an IPv4 address (finwait scripts run over IPv4 only)", name,
                       quote_for_message(value));
  }
  if (name == "mtu") return integer(576, 65535);
  if (name == "define") {
    const std::size_t eq = value.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fmt::format("--define: '{}' is not NAME=VALUE", quote_for_message(value));
    }
    return std::nullopt;
  }
  // Flags: no value. --send_omit_free keeps packetdrill from freeing its
  // send buffers (a tool's memory matter, nothing the stack sees);
  // --strict_segments stops one '>' line being matched by several segments.
  if (name == "verbose" || name == "strict_segments" || name == "send_omit_free") {
    if (value.empty()) return std::nullopt;
    return fmt::format("--{} takes no value", name);
  }
  return fmt::format(
      "unsupported option --{} (finwait knows --ip_version, --local_ip, --remote_ip, --gateway_ip, "
      "--netmask_ip, --mtu, --mss, --bind_port, --connect_port, --define, --tolerance_usecs, "
      "--tolerance_percent, --tcp_ts_tick_usecs, --strict_segments, --send_omit_free, --verbose, --profile, "
      "--lenient, --parking)",
      quote_for_message(name));
}

}  // namespace finwait::script
