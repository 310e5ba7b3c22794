// The IPv4 layer alone, under a recording transport: what reaches TCP, what
// is counted and dropped, ICMP, and the headers it builds.
#include "ip/ipv4_layer.h"

#include <gtest/gtest.h>

#include <vector>

#include "base/big_endian.h"
#include "wire/checksum.h"
#include "wire/icmp.h"

namespace finwait::ip {
namespace {

const wire::Ipv4Address k_us(198, 18, 0, 2);
const wire::Ipv4Address k_peer(198, 18, 0, 1);

struct Recorder : Transport {
  std::vector<wire::Ipv4TcpPacket> tcp;
  std::vector<std::pair<QuotedTcp, std::uint8_t>> unreachable;
  int seen_in = 0;
  int seen_out = 0;
  void on_tcp(const wire::Ipv4TcpPacket& packet, std::span<const std::uint8_t>, Instant) override {
    tcp.push_back(packet);
  }
  void on_tcp_unreachable(const QuotedTcp& flow, std::uint8_t code, Instant) override {
    unreachable.emplace_back(flow, code);
  }
  void on_packet_seen(bool outbound, std::span<const std::uint8_t>, Instant) override {
    ++(outbound ? seen_out : seen_in);
  }
};

std::vector<std::uint8_t> tcp_packet(wire::Ipv4Address src, wire::Ipv4Address dst) {
  wire::Ipv4TcpPacket p;
  p.ip.src = src;
  p.ip.dst = dst;
  p.tcp.src_port = 40000;
  p.tcp.dst_port = 80;
  p.tcp.flags = wire::TcpFlags(wire::TcpFlags::syn);
  p.tcp.window = 65535;
  std::vector<std::uint8_t> bytes(wire::ipv4_tcp_size(p));
  wire::emit_ipv4_tcp(p, bytes);
  return bytes;
}

std::vector<std::uint8_t> icmp_packet(const wire::IcmpMessage& message, std::size_t body) {
  wire::Ipv4Header ip;
  ip.src = k_peer;
  ip.dst = k_us;
  ip.protocol = wire::k_ip_protocol_icmp;
  std::vector<std::uint8_t> icmp(8 + body);
  wire::emit_icmp(message, icmp);
  std::vector<std::uint8_t> bytes(ip.header_size() + icmp.size());
  const std::size_t header = wire::emit_ipv4(ip, icmp.size(), bytes);
  std::copy(icmp.begin(), icmp.end(), bytes.begin() + static_cast<std::ptrdiff_t>(header));
  return bytes;
}

struct Layer {
  IpCounters counters;
  Recorder transport;
  Ipv4Layer ip{k_us, counters, transport};
  Instant now;
};

TEST(Ipv4Layer, HandsTcpForThisHostUp) {
  Layer l;
  l.ip.on_packet(tcp_packet(k_peer, k_us), l.now);
  ASSERT_EQ(l.transport.tcp.size(), 1u);
  EXPECT_EQ(l.transport.tcp[0].tcp.dst_port, 80);
  EXPECT_EQ(l.counters.in_segs, 1u);
  EXPECT_EQ(l.transport.seen_in, 1);
}

TEST(Ipv4Layer, CountsAndDropsWhatIsNotForTcpHere) {
  Layer l;
  l.ip.on_packet(tcp_packet(k_peer, wire::Ipv4Address(198, 18, 0, 9)), l.now);
  EXPECT_EQ(l.counters.not_for_us, 1u);
  auto corrupt = tcp_packet(k_peer, k_us);
  corrupt.back() ^= 0xff;  // the TCP checksum no longer holds
  l.ip.on_packet(corrupt, l.now);
  EXPECT_EQ(l.counters.in_errs, 1u);
  EXPECT_EQ(l.counters.bad_segments[static_cast<std::size_t>(wire::ParseError::bad_checksum)], 1u);
  // ...unless the device vouches for it (checksum offload).
  l.ip.on_packet(corrupt, l.now, true);
  EXPECT_EQ(l.transport.tcp.size(), 1u);
  auto udp = tcp_packet(k_peer, k_us);
  udp[9] = 17;
  store_be16(&udp[10], 0);
  store_be16(&udp[10], wire::internet_checksum(std::span(udp).first(20)));
  l.ip.on_packet(udp, l.now);
  EXPECT_EQ(l.counters.unknown_protocol, 1u);
  l.ip.on_packet(std::vector<std::uint8_t>(7, 0x45), l.now);  // truncated
  EXPECT_EQ(l.transport.tcp.size(), 1u);
}

TEST(Ipv4Layer, AnswersAnEchoRequest) {
  Layer l;
  wire::IcmpMessage echo;
  echo.type = wire::k_icmp_echo_request;
  l.ip.on_packet(icmp_packet(echo, 4), l.now);
  ASSERT_EQ(l.ip.outgoing_count(), 1u);
  const auto reply = l.ip.outgoing(0);
  EXPECT_EQ(reply[9], wire::k_ip_protocol_icmp);
  EXPECT_EQ(reply[20], wire::k_icmp_echo_reply);
  EXPECT_EQ(load_be32(&reply[16]), k_peer.to_uint());
  EXPECT_EQ(l.counters.icmp_echo_replies, 1u);
  EXPECT_EQ(l.transport.seen_out, 1);
}

TEST(Ipv4Layer, HandsAnUnreachableQuotingOurSegmentToTcp) {
  Layer l;
  // The quoted packet: our segment to the peer, cut after 8 bytes of TCP.
  auto ours = tcp_packet(k_us, k_peer);
  ours.resize(28);
  wire::IcmpMessage unreachable;
  unreachable.type = wire::k_icmp_destination_unreachable;
  unreachable.code = 3;  // port unreachable
  unreachable.body = ours;
  l.ip.on_packet(icmp_packet(unreachable, ours.size()), l.now);
  ASSERT_EQ(l.transport.unreachable.size(), 1u);
  const auto& [flow, code] = l.transport.unreachable[0];
  EXPECT_EQ(flow.local, k_us);
  EXPECT_EQ(flow.remote, k_peer);
  EXPECT_EQ(flow.local_port, 40000);
  EXPECT_EQ(flow.remote_port, 80);
  EXPECT_EQ(code, 3);
  EXPECT_EQ(l.counters.icmp_unreachables, 1u);
}

TEST(Ipv4Layer, BuildsEveryTcpHeaderWithDontFragmentAndANewIdentification) {
  Layer l;
  wire::TcpSegment segment;
  segment.src_port = 80;
  segment.dst_port = 40000;
  segment.flags = wire::TcpFlags(wire::TcpFlags::rst);
  l.ip.send_tcp(k_us, k_peer, segment, l.now, 1448);
  l.ip.send_tcp(k_us, k_peer, segment, l.now);
  ASSERT_EQ(l.ip.outgoing_count(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    auto parsed = wire::parse_ipv4_tcp(l.ip.outgoing(i));
    ASSERT_TRUE(parsed.ok());
    EXPECT_TRUE(parsed->ip.dont_fragment);
  }
  EXPECT_NE(load_be16(&l.ip.outgoing(0)[4]), load_be16(&l.ip.outgoing(1)[4]));
  EXPECT_EQ(l.ip.outgoing_segment_size(0), 1448);
  EXPECT_EQ(l.counters.out_segs, 2u);
  EXPECT_EQ(l.counters.out_rsts, 2u);
  l.ip.clear_outgoing();
  EXPECT_EQ(l.ip.outgoing_count(), 0u);
}

}  // namespace
}  // namespace finwait::ip
