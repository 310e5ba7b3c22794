// Writes a pcap of generated segments (handshake, data, FIN, RST, every option
// kind) and asks tshark, with IP and TCP checksum validation on, what it sees.
// Fails if tshark reports a malformed packet, a bad checksum, an expert error,
// or any field that differs from what was written.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "wire/ipv4_tcp_packet.h"
#include "wire/pcap_file.h"

namespace finwait::wire {
namespace {

const Ipv4Address k_client(198, 18, 0, 1);
const Ipv4Address k_server(198, 18, 0, 2);

struct Written {
  Ipv4TcpPacket packet;
  std::vector<std::uint8_t> payload;
};

Written make(bool from_client, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack, std::uint16_t window,
             TcpOptions options, std::size_t payload_size = 0) {
  Written w;
  w.packet.ip.src = from_client ? k_client : k_server;
  w.packet.ip.dst = from_client ? k_server : k_client;
  w.packet.ip.identification = static_cast<std::uint16_t>(seq);
  w.packet.ip.dont_fragment = true;
  w.packet.tcp.src_port = from_client ? 40000 : 8080;
  w.packet.tcp.dst_port = from_client ? 8080 : 40000;
  w.packet.tcp.seq = SeqNum(seq);
  w.packet.tcp.ack = SeqNum(ack);
  w.packet.tcp.flags = TcpFlags(flags);
  w.packet.tcp.window = window;
  w.packet.tcp.options = options;
  for (std::size_t i = 0; i < payload_size; ++i) w.payload.push_back(static_cast<std::uint8_t>('a' + i % 26));
  return w;
}

std::vector<Written> exchange() {
  using F = TcpFlags;
  const std::uint32_t c = 0xfffffff0u;  // client ISN near the wrap
  const std::uint32_t s = 1000;
  std::vector<Written> w;
  w.push_back(make(
      true, F::syn, c, 0, 64240,
      TcpOptions().add_mss(1460).add_sack_permitted().add_timestamps(100, 0).add_nop().add_window_scale(7)));
  w.push_back(make(
      false, F::syn | F::ack, s, c + 1, 65160,
      TcpOptions().add_mss(1460).add_nop().add_nop().add_sack_permitted().add_nop().add_window_scale(8)));
  w.push_back(
      make(true, F::ack, c + 1, s + 1, 502, TcpOptions().add_nop().add_nop().add_timestamps(101, 200)));
  w.push_back(make(true, F::psh | F::ack, c + 1, s + 1, 502, TcpOptions(), 100));
  w.push_back(make(false, F::ack, s + 1, c + 1 + 100, 509,
                   TcpOptions().add_nop().add_nop().add_sack(
                       {{SeqNum(c + 201), SeqNum(c + 301)}, {SeqNum(c + 401), SeqNum(c + 501)}})));
  w.push_back(make(false, F::psh | F::ack, s + 1, c + 101, 509, TcpOptions(), 1460));
  w.push_back(make(true, F::fin | F::ack, c + 101, s + 1461, 502, TcpOptions()));
  w.push_back(make(false, F::fin | F::ack, s + 1461, c + 102, 509, TcpOptions().add_mss(536).add_eol()));
  TcpOptions experimental;  // RFC 6994 shared experimental kind, kept raw
  const std::uint8_t exid[] = {0xfe, 0xed, 0x01, 0x02};
  experimental.try_add_raw(253, exid);
  w.push_back(make(true, F::ack, c + 102, s + 1462, 502, experimental));
  w.push_back(make(true, F::rst, c + 102, 0, 0, TcpOptions()));
  w.push_back(make(false, F::rst | F::ack, 0, c + 102, 0, TcpOptions()));
  return w;
}

// One tab-separated row per packet, in the order of k_fields.
constexpr const char* k_fields[] = {"ip.src",
                                    "ip.dst",
                                    "ip.checksum.status",
                                    "tcp.srcport",
                                    "tcp.dstport",
                                    "tcp.seq_raw",
                                    "tcp.ack_raw",
                                    "tcp.flags",
                                    "tcp.window_size_value",
                                    "tcp.len",
                                    "tcp.checksum.status",
                                    "tcp.option_kind",
                                    "tcp.options.mss_val",
                                    "tcp.options.wscale.shift",
                                    "tcp.options.timestamp.tsval",
                                    "tcp.options.timestamp.tsecr",
                                    "tcp.options.sack_le",
                                    "tcp.options.sack_re",
                                    "_ws.malformed",
                                    "_ws.expert.severity"};
// Expert infos at chat, note or warning level are fine (a RST is a warning);
// error level (PI_ERROR) is not.
constexpr long k_expert_error = 0x00800000;

std::string expected_row(const Ipv4TcpPacket& p) {
  const TcpOptions& o = p.tcp.options;
  std::string kinds;
  for (TcpOption option : o) kinds += (kinds.empty() ? "" : ",") + std::to_string(option.kind);
  std::string sack_left;
  std::string sack_right;
  const SackBlocks sack = o.sack_blocks();
  for (int i = 0; i < sack.count; ++i) {
    sack_left += (i ? "," : "") + std::to_string(sack.blocks[i].left.raw());
    sack_right += (i ? "," : "") + std::to_string(sack.blocks[i].right.raw());
  }
  const auto ts = o.timestamps();
  // ip/tcp checksum status 1 = "Good"; no malformed marker. Expert severity is checked apart.
  return fmt::format(
      "{}\t{}\t1\t{}\t{}\t{}\t{}\t0x{:04x}\t{}\t{}\t1\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t\t", p.ip.src, p.ip.dst,
      p.tcp.src_port, p.tcp.dst_port, p.tcp.seq.raw(), p.tcp.ack.raw(), p.tcp.flags.bits(), p.tcp.window,
      p.tcp.payload.size(), kinds, o.mss() ? std::to_string(*o.mss()) : "",
      o.window_scale() ? std::to_string(*o.window_scale()) : "", ts ? std::to_string(ts->value) : "",
      ts ? std::to_string(ts->echo_reply) : "", sack_left, sack_right);
}

std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  std::array<char, 4096> buffer;
  while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), n);
  pclose(pipe);
  return output;
}

TEST(TsharkCheck, GeneratedSegmentsDecodeAsWritten) {
  if (std::system("command -v tshark >/dev/null 2>&1") != 0) {
    if (std::getenv("CI") != nullptr)
      FAIL() << "tshark is not installed; scripts/install-deps.sh installs it";
    GTEST_SKIP() << "tshark is not installed (scripts/install-deps.sh installs it)";
  }
  const std::string path =
      (std::filesystem::temp_directory_path() / fmt::format("finwait_tshark_{}.pcap", getpid())).string();
  auto written = exchange();
  std::vector<std::string> expected;
  {
    auto writer = PcapWriter::create(path);
    ASSERT_TRUE(writer.ok()) << writer.error();
    std::int64_t t = 0;
    for (Written& w : written) {
      w.packet.tcp.payload = w.payload;
      std::vector<std::uint8_t> bytes(ipv4_tcp_size(w.packet));
      emit_ipv4_tcp(w.packet, bytes);
      writer->write(t += 1000, bytes);
      // Expect what is on the wire, option padding included.
      auto on_wire = parse_ipv4_tcp(bytes);
      ASSERT_TRUE(on_wire.ok());
      expected.push_back(expected_row(*on_wire));
    }
    ASSERT_TRUE(writer->commit().ok());
  }
  std::string command = fmt::format(
      "tshark -r {} -n -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE "
      "-o tcp.relative_sequence_numbers:FALSE -o tcp.analyze_sequence_numbers:FALSE "
      "-T fields -E separator=/t -E aggregator=, -E occurrence=a",
      path);
  for (const char* field : k_fields) command += fmt::format(" -e {}", field);
  command += " 2>/dev/null";
  const std::string output = run(command);
  std::filesystem::remove(path);

  std::vector<std::string> rows;
  std::size_t start = 0;
  while (start < output.size()) {
    const std::size_t end = output.find('\n', start);
    rows.push_back(output.substr(start, end - start));
    start = end == std::string::npos ? output.size() : end + 1;
  }
  ASSERT_EQ(rows.size(), expected.size()) << "tshark printed:\n" << output;
  std::string header;
  for (const char* field : k_fields) header += std::string(field) + " ";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::size_t last_tab = rows[i].rfind('\t');
    ASSERT_NE(last_tab, std::string::npos);
    EXPECT_EQ(rows[i].substr(0, last_tab + 1), expected[i]) << "packet " << i + 1 << "; fields: " << header;
    const std::string severities = rows[i].substr(last_tab + 1);
    for (std::size_t at = 0; at < severities.size();) {
      const long severity = std::strtol(severities.c_str() + at, nullptr, 10);
      EXPECT_LT(severity, k_expert_error) << "packet " << i + 1 << " has an expert error: " << rows[i];
      const std::size_t comma = severities.find(',', at);
      at = comma == std::string::npos ? severities.size() : comma + 1;
    }
  }
}

}  // namespace
}  // namespace finwait::wire
