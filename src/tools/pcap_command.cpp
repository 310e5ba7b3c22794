// `finwait pcap print FILE`: every packet of a capture, one line each, in the
// segment format of SCRIPTS.md 3 with absolute sequence numbers.
#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "tools/command.h"
#include "wire/ipv4_header.h"
#include "wire/ipv4_tcp_packet.h"
#include "wire/link_layer.h"
#include "wire/pcap_file.h"
#include "wire/segment_format.h"

namespace finwait::tools {
namespace {

using wire::ParseError;

// One line for one captured frame; problems are marked in brackets.
std::string describe_frame(wire::LinkType link_type, std::span<const std::uint8_t> frame) {
  auto network = wire::strip_link_header(link_type, frame);
  if (!network) return fmt::format("[{}] {} bytes", wire::to_string(network.error()), frame.size());
  if (network->ethertype == wire::k_ethertype_ipv6) {
    return fmt::format("IPv6, {} bytes (not decoded)", network->bytes.size());
  }
  if (network->ethertype != wire::k_ethertype_ipv4) {
    return fmt::format("ethertype 0x{:04x}, {} bytes (not IP)", network->ethertype, network->bytes.size());
  }
  auto packet = wire::parse_ipv4_tcp(network->bytes, wire::ChecksumPolicy::ignore);
  if (!packet) {
    auto ip = wire::Ipv4View::parse(network->bytes);
    if (ip && packet.error() == ParseError::not_tcp) {
      return fmt::format("{} > {} protocol {}, {} bytes (not TCP)", ip->src(), ip->dst(), ip->protocol(),
                         ip->total_length());
    }
    if (ip) {
      return fmt::format("{} > {} [{}] {} bytes", ip->src(), ip->dst(), wire::to_string(packet.error()),
                         network->bytes.size());
    }
    return fmt::format("[{}] {} bytes", wire::to_string(packet.error()), network->bytes.size());
  }
  std::string line = wire::format_packet(*packet);
  const auto checksums = wire::check_checksums(network->bytes);
  if (!checksums.ip_ok) line += fmt::format(" [{}]", wire::to_string(ParseError::bad_ip_checksum));
  if (!checksums.tcp_ok) line += fmt::format(" [{}]", wire::to_string(ParseError::bad_checksum));
  return line;
}

int print_pcap(const std::string& path) {
  auto reader = wire::PcapReader::open(path);
  if (!reader) {
    fmt::print(stderr, "finwait pcap print: {}\n", reader.error());
    return 2;
  }
  std::int64_t first_ns = -1;
  while (auto record = reader->next()) {
    if (first_ns < 0) first_ns = record->timestamp_ns;
    // Relative to the first packet, as tshark's frame.time_relative: a
    // packet stamped earlier than the first prints negative.
    const std::int64_t since_ns = record->timestamp_ns - first_ns;
    const std::uint64_t magnitude =
        since_ns < 0 ? 0 - static_cast<std::uint64_t>(since_ns) : static_cast<std::uint64_t>(since_ns);
    fmt::print("{}{}.{:06} {}\n", since_ns < 0 ? "-" : "", magnitude / 1'000'000'000,
               (magnitude % 1'000'000'000) / 1000, describe_frame(reader->link_type(), record->frame));
  }
  if (!reader->error().empty()) {
    // A record cut short is bad input like any other.
    fmt::print(stderr, "finwait pcap print: {}: {}\n", path, reader->error());
    return 2;
  }
  return 0;
}

}  // namespace

void add_pcap_command(CLI::App& app, CommandResult& result) {
  auto* pcap = app.add_subcommand("pcap", "Read pcap captures");
  pcap->require_subcommand(1);
  auto* print = pcap->add_subcommand(
      "print",
      "Print every packet of a capture (Ethernet, Linux cooked v1/v2 or raw IP) as one line: "
      "seconds since the first packet, addresses and ports, then the segment as SCRIPTS.md writes "
      "it with absolute sequence numbers; bad packets are marked [reason]");
  auto path = std::make_shared<std::string>();
  print->add_option("FILE", *path, "pcap file to read")->required();
  print->callback([path, &result] { result.exit_status = print_pcap(*path); });
}

}  // namespace finwait::tools
