// Tier 1 wire tests on real kernel packets: parse to the expected value, emit
// the value back to the exact bytes, and refuse every truncation cleanly.
#include <gtest/gtest.h>

#include <array>
#include <span>
#include <string_view>
#include <vector>

#include "tests/wire/kernel_capture_fixtures.h"
#include "wire/ipv4_tcp_packet.h"
#include "wire/segment_format.h"

namespace finwait::wire {
namespace {

namespace kc = kernel_capture;

const Ipv4Address k_client(198, 18, 0, 1);
const Ipv4Address k_server(198, 18, 0, 2);

std::span<const std::uint8_t> bytes_of(std::span<const std::uint8_t> s) {
  return s;
}

Ipv4Header kernel_ip(Ipv4Address src, Ipv4Address dst, std::uint16_t id) {
  Ipv4Header ip;
  ip.identification = id;
  ip.dont_fragment = true;
  ip.ttl = 64;
  ip.protocol = k_ip_protocol_tcp;
  ip.src = src;
  ip.dst = dst;
  return ip;
}

struct Fixture {
  std::string_view name;
  std::span<const std::uint8_t> bytes;
};

const std::array<Fixture, 12> k_all_fixtures{{
    {"syn", kc::k_syn},
    {"syn_ack", kc::k_syn_ack},
    {"ack", kc::k_ack},
    {"data_client", kc::k_data_client},
    {"ack_server", kc::k_ack_server},
    {"data_server", kc::k_data_server},
    {"ack_client", kc::k_ack_client},
    {"fin_server", kc::k_fin_server},
    {"fin_client", kc::k_fin_client},
    {"last_ack", kc::k_last_ack},
    {"syn_closed_port", kc::k_syn_closed_port},
    {"rst_ack", kc::k_rst_ack},
}};

TEST(KernelCapture, SynParsesToExpectedValue) {
  auto packet = parse_ipv4_tcp(bytes_of(kc::k_syn));
  ASSERT_TRUE(packet.ok()) << to_string(packet.error());
  Ipv4TcpPacket expected{kernel_ip(k_client, k_server, 27837), {}};
  expected.tcp.src_port = 40150;
  expected.tcp.dst_port = 8080;
  expected.tcp.seq = SeqNum(2460891010u);
  expected.tcp.flags = TcpFlags(TcpFlags::syn);
  expected.tcp.window = 64240;
  expected.tcp.options.add_mss(1460)
      .add_sack_permitted()
      .add_timestamps(335779841, 0)
      .add_nop()
      .add_window_scale(10);
  EXPECT_EQ(*packet, expected);
  EXPECT_EQ(format_packet(*packet),
            "198.18.0.1:40150 > 198.18.0.2:8080 S 2460891010:2460891010(0) win 64240 "
            "<mss 1460,sackOK,TS val 335779841 ecr 0,nop,wscale 10>");
}

TEST(KernelCapture, SynAckParsesToExpectedValue) {
  auto packet = parse_ipv4_tcp(bytes_of(kc::k_syn_ack));
  ASSERT_TRUE(packet.ok()) << to_string(packet.error());
  Ipv4TcpPacket expected{kernel_ip(k_server, k_client, 0), {}};
  expected.tcp.src_port = 8080;
  expected.tcp.dst_port = 40150;
  expected.tcp.seq = SeqNum(1198402403u);
  expected.tcp.ack = SeqNum(2460891011u);
  expected.tcp.flags = TcpFlags(TcpFlags::syn | TcpFlags::ack);
  expected.tcp.window = 65160;
  expected.tcp.options.add_mss(1460)
      .add_sack_permitted()
      .add_timestamps(2086599733u, 335779841u)
      .add_nop()
      .add_window_scale(10);
  EXPECT_EQ(*packet, expected);
  EXPECT_EQ(packet->tcp.options.mss(), 1460);
  EXPECT_EQ(packet->tcp.options.window_scale(), 10);
  EXPECT_TRUE(packet->tcp.options.sack_permitted());
  EXPECT_EQ(packet->tcp.options.timestamps(), (TcpTimestamps{2086599733u, 335779841u}));
}

TEST(KernelCapture, DataSegmentCarriesItsPayload) {
  auto packet = parse_ipv4_tcp(bytes_of(kc::k_data_client));
  ASSERT_TRUE(packet.ok()) << to_string(packet.error());
  const std::string_view payload(reinterpret_cast<const char*>(packet->tcp.payload.data()),
                                 packet->tcp.payload.size());
  EXPECT_EQ(payload, "GET /\n");
  EXPECT_EQ(format_segment(packet->tcp),
            "P. 2460891011:2460891017(6) ack 1198402404 win 63 <nop,nop,TS val 335779841 ecr 2086599733>");
  EXPECT_EQ(packet->tcp.sequence_length(), 6u);
}

TEST(KernelCapture, FinAndRstParse) {
  auto fin = parse_ipv4_tcp(bytes_of(kc::k_fin_server));
  ASSERT_TRUE(fin.ok());
  EXPECT_EQ(format_segment(fin->tcp),
            "F. 1198402422:1198402422(0) ack 2460891017 win 64 <nop,nop,TS val 2086599733 ecr 335779841>");
  EXPECT_EQ(fin->tcp.sequence_length(), 1u);

  auto rst = parse_ipv4_tcp(bytes_of(kc::k_rst_ack));
  ASSERT_TRUE(rst.ok());
  EXPECT_EQ(format_packet(*rst), "198.18.0.2:8080 > 198.18.0.1:40158 R. 0:0(0) ack 3233676651 win 0");
  EXPECT_TRUE(rst->tcp.options.empty());
}

TEST(KernelCapture, EveryPacketReEmitsToTheSameBytes) {
  for (const Fixture& fixture : k_all_fixtures) {
    SCOPED_TRACE(fixture.name);
    auto packet = parse_ipv4_tcp(fixture.bytes);
    ASSERT_TRUE(packet.ok()) << to_string(packet.error());
    std::vector<std::uint8_t> out(ipv4_tcp_size(*packet));
    ASSERT_EQ(emit_ipv4_tcp(*packet, out), fixture.bytes.size());
    EXPECT_TRUE(std::equal(out.begin(), out.end(), fixture.bytes.begin(), fixture.bytes.end()));
  }
}

TEST(KernelCapture, EveryTruncationIsRefusedWithAReason) {
  for (const Fixture& fixture : k_all_fixtures) {
    SCOPED_TRACE(fixture.name);
    for (std::size_t length = 0; length < fixture.bytes.size(); ++length) {
      // A fresh copy of exactly `length` bytes, so ASan sees any read past it.
      std::vector<std::uint8_t> cut(fixture.bytes.begin(),
                                    fixture.bytes.begin() + static_cast<std::ptrdiff_t>(length));
      auto packet = parse_ipv4_tcp(cut);
      ASSERT_FALSE(packet.ok()) << "length " << length;
      EXPECT_EQ(packet.error(), ParseError::truncated) << "length " << length;
    }
  }
}

TEST(KernelCapture, EveryFlippedBitIsCaughtByAChecksumOrAHeaderCheck) {
  // RFC 1071: a single-bit error always changes the ones' complement sum.
  for (const Fixture& fixture : k_all_fixtures) {
    SCOPED_TRACE(fixture.name);
    for (std::size_t bit = 0; bit < fixture.bytes.size() * 8; ++bit) {
      std::vector<std::uint8_t> damaged(fixture.bytes.begin(), fixture.bytes.end());
      damaged[bit / 8] ^= static_cast<std::uint8_t>(0x80 >> (bit % 8));
      EXPECT_FALSE(parse_ipv4_tcp(damaged).ok()) << "bit " << bit;
    }
  }
}

}  // namespace
}  // namespace finwait::wire
