#include "wire/ipv4_header.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/wire/kernel_capture_fixtures.h"
#include "wire/checksum.h"
#include "wire/ipv4_tcp_packet.h"

namespace finwait::wire {
namespace {

std::vector<std::uint8_t> kernel_syn() {
  return {std::begin(kernel_capture::k_syn), std::end(kernel_capture::k_syn)};
}

void refresh_ip_checksum(std::vector<std::uint8_t>& packet) {
  const std::size_t header_size = std::size_t{packet[0] & 0x0fu} * 4;
  packet[10] = packet[11] = 0;
  const std::uint16_t checksum = internet_checksum(std::span(packet).first(header_size));
  packet[10] = static_cast<std::uint8_t>(checksum >> 8);
  packet[11] = static_cast<std::uint8_t>(checksum);
}

TEST(Ipv4Header, ParsesKernelHeader) {
  const auto packet = kernel_syn();
  auto view = Ipv4View::parse(packet);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->header_size(), 20u);
  EXPECT_EQ(view->total_length(), 60);
  EXPECT_TRUE(view->header_checksum_ok());
  const Ipv4Header header = view->to_value();
  EXPECT_EQ(header.src, Ipv4Address(198, 18, 0, 1));
  EXPECT_EQ(header.dst, Ipv4Address(198, 18, 0, 2));
  EXPECT_EQ(header.identification, 27837);
  EXPECT_TRUE(header.dont_fragment);
  EXPECT_FALSE(header.more_fragments);
  EXPECT_EQ(header.ttl, 64);
  EXPECT_EQ(header.protocol, k_ip_protocol_tcp);
}

TEST(Ipv4Header, VersionMustBeFour) {
  auto packet = kernel_syn();
  packet[0] = 0x65;
  EXPECT_EQ(Ipv4View::parse(packet).error(), ParseError::bad_version);
}

TEST(Ipv4Header, HeaderLengthBelowFiveWordsIsRefused) {
  auto packet = kernel_syn();
  for (std::uint8_t ihl = 0; ihl < 5; ++ihl) {
    packet[0] = static_cast<std::uint8_t>(0x40 | ihl);
    EXPECT_EQ(Ipv4View::parse(packet).error(), ParseError::bad_header_length);
  }
}

TEST(Ipv4Header, TotalLengthBelowHeaderIsRefused) {
  auto packet = kernel_syn();
  packet[2] = 0;
  packet[3] = 19;
  EXPECT_EQ(Ipv4View::parse(packet).error(), ParseError::bad_total_length);
}

TEST(Ipv4Header, TotalLengthPastTheBufferIsTruncated) {
  auto packet = kernel_syn();
  packet[3] = 61;
  EXPECT_EQ(Ipv4View::parse(packet).error(), ParseError::truncated);
}

TEST(Ipv4Header, HeaderLengthPastTheTotalLengthIsRefused) {
  auto packet = kernel_syn();
  packet[0] = 0x4f;  // 60-byte header
  packet[2] = 0;
  packet[3] = 40;
  EXPECT_EQ(Ipv4View::parse(packet).error(), ParseError::bad_total_length);
}

TEST(Ipv4Header, TrailingLinkPaddingIsNotPartOfThePacket) {
  // Ethernet pads short frames to 60 bytes: the total length decides.
  std::vector<std::uint8_t> packet(std::begin(kernel_capture::k_rst_ack),
                                   std::end(kernel_capture::k_rst_ack));
  packet.resize(packet.size() + 6, 0xee);
  auto view = Ipv4View::parse(packet);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->payload().size(), 20u);
  EXPECT_TRUE(parse_ipv4_tcp(packet).ok());
}

TEST(Ipv4Header, BadHeaderChecksumIsReported) {
  auto packet = kernel_syn();
  packet[8] = 63;  // TTL changed, checksum not
  EXPECT_EQ(parse_ipv4_tcp(packet).error(), ParseError::bad_ip_checksum);
  EXPECT_TRUE(parse_ipv4_tcp(packet, ChecksumPolicy::ignore).ok());
}

TEST(Ipv4Header, BadTcpChecksumIsReported) {
  auto packet = kernel_syn();
  packet[40] ^= 0x01;  // inside the TCP options
  EXPECT_EQ(parse_ipv4_tcp(packet).error(), ParseError::bad_checksum);
  const auto status = check_checksums(packet);
  EXPECT_TRUE(status.ip_ok);
  EXPECT_FALSE(status.tcp_ok);
}

TEST(Ipv4Header, FragmentsAreRefused) {
  auto packet = kernel_syn();
  packet[6] = 0x20;  // MF
  refresh_ip_checksum(packet);
  EXPECT_EQ(parse_ipv4_tcp(packet).error(), ParseError::fragmented);
  packet[6] = 0x00;
  packet[7] = 0x10;  // offset 16
  refresh_ip_checksum(packet);
  EXPECT_EQ(parse_ipv4_tcp(packet).error(), ParseError::fragmented);
}

TEST(Ipv4Header, OtherProtocolsAreNotTcp) {
  auto packet = kernel_syn();
  packet[9] = 17;
  refresh_ip_checksum(packet);
  EXPECT_EQ(parse_ipv4_tcp(packet).error(), ParseError::not_tcp);
}

TEST(Ipv4Header, EcnFieldTravelsWithTheSegment) {
  // RFC 3168 5: the two low bits of the TOS octet; the DSCP bits stay the IP header's.
  auto packet = kernel_syn();
  packet[1] = 0xb9;  // DSCP 46 (EF), ECT(1)
  refresh_ip_checksum(packet);
  auto parsed = parse_ipv4_tcp(packet);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->tcp.ecn, Ecn::ect1);
  parsed->tcp.ecn = Ecn::ce;
  std::vector<std::uint8_t> out(ipv4_tcp_size(*parsed));
  emit_ipv4_tcp(*parsed, out);
  EXPECT_EQ(out[1], 0xbb);
  auto again = parse_ipv4_tcp(out);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->tcp.ecn, Ecn::ce);
}

TEST(Ipv4Header, OptionsRoundTrip) {
  Ipv4Header header;
  header.src = Ipv4Address(198, 18, 0, 1);
  header.dst = Ipv4Address(198, 18, 0, 2);
  header.options = {0x94, 0x04, 0x00, 0x00};  // RFC 2113 Router Alert
  header.options_size = 4;
  header.reserved_flag = true;
  header.type_of_service = 0x02;
  std::vector<std::uint8_t> out(header.header_size() + 8, 0);
  EXPECT_EQ(emit_ipv4(header, 8, out), 24u);
  EXPECT_EQ(out[0], 0x46);
  auto view = Ipv4View::parse(out);
  ASSERT_TRUE(view.ok());
  EXPECT_TRUE(view->header_checksum_ok());
  EXPECT_EQ(view->to_value(), header);
  EXPECT_EQ(view->total_length(), 32);
}

TEST(Ipv4Address, ParsesAndPrintsDottedQuads) {
  EXPECT_EQ(Ipv4Address::parse("198.18.0.1"), Ipv4Address(198, 18, 0, 1));
  EXPECT_EQ(Ipv4Address(255, 0, 10, 1).to_string(), "255.0.10.1");
  for (const char* bad :
       {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", "1.2.3.4 ", "0001.2.3.4"}) {
    EXPECT_FALSE(Ipv4Address::parse(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace finwait::wire
