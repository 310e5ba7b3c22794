#include "wire/segment_format.h"

#include <gtest/gtest.h>

#include <sstream>

namespace finwait::wire {
namespace {

TEST(SegmentFormat, AbsoluteAsTcpdumpAndPacketdrillWriteIt) {
  TcpSegment segment;
  segment.flags = TcpFlags(TcpFlags::syn | TcpFlags::ack);
  segment.seq = SeqNum(1000);
  segment.ack = SeqNum(2001);
  segment.window = 65535;
  segment.options.add_mss(1460).add_nop().add_window_scale(7);
  EXPECT_EQ(format_segment(segment), "S. 1000:1000(0) ack 2001 win 65535 <mss 1460,nop,wscale 7>");
}

TEST(SegmentFormat, RelativeToBothIsns) {
  TcpSegment segment;
  segment.flags = TcpFlags(TcpFlags::ack | TcpFlags::psh);
  segment.seq = SeqNum(0xfffffff0u) + 1;
  segment.ack = SeqNum(5001);
  const std::uint8_t payload[1000] = {};
  segment.payload = payload;
  segment.options.add_nop().add_nop().add_sack({{SeqNum(5101), SeqNum(5201)}});
  EXPECT_EQ(format_segment(segment, {SeqNum(0xfffffff0u), SeqNum(5000)}),
            "P. 1:1001(1000) ack 1 win 0 <nop,nop,sack 101:201>");
}

TEST(SegmentFormat, AckFieldShownWhenSetWithoutFlag) {
  TcpSegment segment;
  segment.flags = TcpFlags(TcpFlags::rst);
  segment.ack = SeqNum(7);
  EXPECT_EQ(format_segment(segment), "R 0:0(0) ack 7 win 0");
  segment.ack = SeqNum(0);
  EXPECT_EQ(format_segment(segment), "R 0:0(0) win 0");
}

TEST(SegmentFormat, PacketLineNamesAddressesAndPorts) {
  Ipv4TcpPacket packet;
  packet.ip.src = Ipv4Address(198, 18, 0, 1);
  packet.ip.dst = Ipv4Address(198, 18, 0, 2);
  packet.tcp.src_port = 1;
  packet.tcp.dst_port = 2;
  packet.tcp.flags = TcpFlags(TcpFlags::fin | TcpFlags::ack);
  std::ostringstream out;
  out << packet;
  EXPECT_EQ(out.str(), "198.18.0.1:1 > 198.18.0.2:2 F. 0:0(0) ack 0 win 0");
}

}  // namespace
}  // namespace finwait::wire
