#include "wire/tcp_header.h"

#include <gtest/gtest.h>

#include <vector>

#include "wire/segment_format.h"

namespace finwait::wire {
namespace {

TcpSegment sample_segment(std::span<const std::uint8_t> payload) {
  TcpSegment segment;
  segment.src_port = 8080;
  segment.dst_port = 40000;
  segment.seq = SeqNum(0xfffffffeu);  // near the wrap
  segment.ack = SeqNum(12345);
  segment.flags = TcpFlags(TcpFlags::ack | TcpFlags::psh);
  segment.window = 65535;
  segment.options.add_nop().add_nop().add_timestamps(1, 2);
  segment.payload = payload;
  return segment;
}

TEST(TcpHeader, EmitsExactBytes) {
  const std::uint8_t payload[] = {'h', 'i'};
  const TcpSegment segment = sample_segment(payload);
  std::vector<std::uint8_t> out(segment.header_size() + 2);
  ASSERT_EQ(emit_tcp(segment, out), 34u);
  const std::vector<std::uint8_t> expected = {
      0x1f, 0x90, 0x9c, 0x40,                                // ports 8080, 40000
      0xff, 0xff, 0xff, 0xfe,                                // seq
      0x00, 0x00, 0x30, 0x39,                                // ack
      0x80, 0x18,                                            // data offset 8, flags P.
      0xff, 0xff, 0x00, 0x00, 0x00, 0x00,                    // window, checksum (left to the packet), urgent
      1,    1,    8,    10,   0,    0,    0, 1, 0, 0, 0, 2,  // nop,nop,TS val 1 ecr 2
      'h',  'i'};
  EXPECT_EQ(out, expected);
}

TEST(TcpHeader, ParseEmitRoundTripKeepsAllFlagAndReservedBits) {
  const std::uint8_t payload[] = {1, 2, 3};
  TcpSegment segment = sample_segment(payload);
  segment.flags = TcpFlags(0xff);
  segment.reserved = 0x0f;
  segment.urgent_pointer = 7;
  std::vector<std::uint8_t> out(segment.header_size() + sizeof payload);
  emit_tcp(segment, out);
  auto view = TcpView::parse(out);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->to_value(), segment);
  EXPECT_EQ(format_segment(view->to_value()),
            "FSRP.UEW 4294967294:1(3) ack 12345 win 65535 urg 7 reserved 0xf <nop,nop,TS val 1 ecr 2>");
}

TEST(TcpHeader, OptionsArePaddedToAWordWithEol) {
  TcpSegment segment;
  segment.options.add_sack_permitted();
  EXPECT_EQ(segment.header_size(), 24u);
  std::vector<std::uint8_t> out(24, 0xaa);
  emit_tcp(segment, out);
  EXPECT_EQ(out[12], 0x60);
  EXPECT_EQ(out[22], 0);
  EXPECT_EQ(out[23], 0);
}

TEST(TcpHeader, DataOffsetBelowFiveIsRefused) {
  std::vector<std::uint8_t> bytes(40, 0);
  for (std::uint8_t offset = 0; offset < 5; ++offset) {
    bytes[12] = static_cast<std::uint8_t>(offset << 4);
    auto view = TcpView::parse(bytes);
    ASSERT_FALSE(view.ok());
    EXPECT_EQ(view.error(), ParseError::bad_data_offset);
  }
}

TEST(TcpHeader, DataOffsetPastTheSegmentIsRefused) {
  std::vector<std::uint8_t> bytes(40, 1);  // NOPs as options
  bytes[12] = 0xb0;                        // 44 bytes of header in a 40-byte segment
  auto view = TcpView::parse(bytes);
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.error(), ParseError::bad_data_offset);
  bytes[12] = 0xa0;  // exactly 40: fine
  EXPECT_TRUE(TcpView::parse(bytes).ok());
}

TEST(TcpHeader, MaximumDataOffsetWithFortyBytesOfOptions) {
  std::vector<std::uint8_t> bytes(60, 1);
  bytes[12] = 0xf0;
  auto view = TcpView::parse(bytes);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->header_size(), 60u);
  EXPECT_EQ(view->to_value().options.size(), 40u);
  EXPECT_TRUE(view->payload().empty());
}

TEST(TcpHeader, ShortSegmentIsTruncated) {
  std::vector<std::uint8_t> bytes(19, 0);
  EXPECT_EQ(TcpView::parse(bytes).error(), ParseError::truncated);
}

TEST(TcpHeader, BadOptionInsideHeaderIsReported) {
  std::vector<std::uint8_t> bytes(24, 0);
  bytes[12] = 0x60;
  bytes[20] = 2;  // MSS
  bytes[21] = 1;  // impossible length
  EXPECT_EQ(TcpView::parse(bytes).error(), ParseError::bad_option_length);
}

TEST(TcpHeader, SequenceLengthCountsSynAndFin) {
  const std::uint8_t payload[] = {1, 2, 3, 4};
  TcpSegment segment;
  segment.payload = payload;
  segment.flags = TcpFlags(TcpFlags::syn | TcpFlags::fin);
  EXPECT_EQ(segment.sequence_length(), 6u);
}

TEST(TcpFlags, LettersRoundTrip) {
  EXPECT_EQ(TcpFlags(TcpFlags::syn | TcpFlags::ack).to_string(), "S.");
  EXPECT_EQ(TcpFlags(TcpFlags::fin | TcpFlags::psh | TcpFlags::ack).to_string(), "FP.");
  EXPECT_EQ(TcpFlags().to_string(), "-");
  EXPECT_EQ(TcpFlags::parse(".S"), TcpFlags(TcpFlags::syn | TcpFlags::ack));
  EXPECT_EQ(TcpFlags::parse("-"), TcpFlags());
  EXPECT_EQ(TcpFlags::parse("SEW"), TcpFlags(TcpFlags::syn | TcpFlags::ece | TcpFlags::cwr));
  EXPECT_FALSE(TcpFlags::parse("SX").has_value());
  EXPECT_FALSE(TcpFlags::parse("").has_value());
  for (int bits = 0; bits < 256; ++bits) {
    const TcpFlags flags(static_cast<std::uint8_t>(bits));
    EXPECT_EQ(TcpFlags::parse(flags.to_string()), flags);
  }
}

}  // namespace
}  // namespace finwait::wire
