#include "wire/segment_text.h"

#include <gtest/gtest.h>

namespace finwait::wire {
namespace {

TEST(SegmentText, ParsesEveryPart) {
  auto s = parse_segment_text(
      "S. 0:0(0) ack 1 win 65535 urg 3 <mss 1460,nop,wscale 7,sackOK,TS val 5 ecr 6,sack 1:2 3:4,eol>");
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->flags, TcpFlags(TcpFlags::syn | TcpFlags::ack));
  EXPECT_EQ(s->ack, 1u);
  EXPECT_EQ(s->window, 65535);
  EXPECT_EQ(s->urgent, 3);
  EXPECT_TRUE(s->options_given);
  EXPECT_FALSE(s->options_wildcard);
  EXPECT_EQ(s->options.to_string(), "mss 1460,nop,wscale 7,sackOK,TS val 5 ecr 6,sack 1:2 3:4,eol");
}

TEST(SegmentText, WildcardAndNoOptions) {
  auto wild = parse_segment_text("F. 1:1(0) ack 2 <...>");
  ASSERT_TRUE(wild.ok());
  EXPECT_TRUE(wild->options_wildcard);
  auto none = parse_segment_text("P. 1:1001(1000) ack 1");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->options_given);
  EXPECT_EQ(none->length, 1000u);
  EXPECT_FALSE(none->window.has_value());
}

TEST(SegmentText, ErrorsSayWhatAndWhere) {
  EXPECT_NE(parse_segment_text("X 0:0(0)").error().find("not a set of TCP flags"), std::string::npos);
  EXPECT_NE(parse_segment_text("S 0:5(4)").error().find("END must be START + LEN"), std::string::npos);
  EXPECT_NE(parse_segment_text("S 0:0(0) <mss>").error().find("expected an MSS value"), std::string::npos);
  EXPECT_NE(parse_segment_text("S 0:0(0) <foo 1>").error().find("unknown TCP option 'foo"),
            std::string::npos);
  EXPECT_NE(parse_segment_text("S 0:0(0) wat").error().find("unexpected 'wat'"), std::string::npos);
  EXPECT_NE(parse_segment_text("S 0:0(0) win 70000").error().find("too large"), std::string::npos);
}

TEST(SegmentText, Md5DigestIsSixteenBytesInHex) {
  auto s = parse_segment_text(". 1:1(0) ack 1 win 514 <md5 000102030405060708090a0b0c0d0e0f,nop,nop>");
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_TRUE(s->options.has_md5());
  EXPECT_EQ(s->options.size(), 20u);
  EXPECT_EQ(s->options.to_string(), "md5 000102030405060708090a0b0c0d0e0f,nop,nop");
  for (const char* bad : {"<md5>", "<md5 0001>", "<md5 000102030405060708090a0b0c0d0e0f00>", "<md5 0g>"}) {
    auto r = parse_segment_text(std::string(". 1:1(0) ack 1 ") + bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().find("an MD5 digest is 32 hex digits"), std::string::npos) << r.error();
  }
}

TEST(SegmentText, EcnFieldAndAeBit) {
  auto ect = parse_segment_text("[ect0] P. 1:1001(1000) ack 1");
  ASSERT_TRUE(ect.ok()) << ect.error();
  EXPECT_EQ(ect->ecn, Ecn::ect0);
  EXPECT_FALSE(ect->ecn_any_ect);
  auto accecn = parse_segment_text("[ce]SEWA 0:0(0) win 10");
  ASSERT_TRUE(accecn.ok()) << accecn.error();
  EXPECT_EQ(accecn->ecn, Ecn::ce);
  EXPECT_TRUE(accecn->ae);
  EXPECT_EQ(accecn->flags, TcpFlags(TcpFlags::syn | TcpFlags::ece | TcpFlags::cwr));
  EXPECT_FALSE(parse_segment_text("S 0:0(0)")->ecn.has_value());
  EXPECT_NE(parse_segment_text("[ect2] S 0:0(0)").error().find("'ect2' is not an ECN field"), std::string::npos);
  EXPECT_NE(parse_segment_text("[ect0 S 0:0(0)").error().find("expected ']'"), std::string::npos);

  TcpSegment sent;
  sent.flags = TcpFlags(TcpFlags::ack | TcpFlags::psh);
  sent.seq = SeqNum(1);
  sent.ack = SeqNum(1);
  sent.ecn = Ecn::ect1;
  EXPECT_EQ(mismatch(*ect, sent, SeqNum(0), SeqNum(0)), "IP ECN field [ect1] instead of [ect0]; length 0 instead of 1000");
  auto either = parse_segment_text("[ect01] P. 1:1(0) ack 1");
  EXPECT_EQ(mismatch(*either, sent, SeqNum(0), SeqNum(0)), "");
  auto unchecked = parse_segment_text("P. 1:1(0) ack 1");
  EXPECT_EQ(mismatch(*unchecked, sent, SeqNum(0), SeqNum(0)), "");
  sent.reserved = 0x01;
  EXPECT_EQ(mismatch(*unchecked, sent, SeqNum(0), SeqNum(0)), "flags P.A instead of P.");
}

TEST(SegmentText, MismatchNamesEachDifference) {
  TcpSegment actual;
  actual.flags = TcpFlags(TcpFlags::ack | TcpFlags::fin);
  actual.seq = SeqNum(1001);
  actual.ack = SeqNum(5002);
  actual.window = 100;
  auto expected = parse_segment_text("F. 1:1(0) ack 2 win 100");
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(mismatch(*expected, actual, SeqNum(1000), SeqNum(5000)), "");
  auto other = parse_segment_text("F 2:2(0) win 99 <nop>");
  EXPECT_EQ(mismatch(*other, actual, SeqNum(1000), SeqNum(5000)),
            "flags F. instead of F; seq 1 instead of 2; ack field 5002 instead of 0; win 100 instead of 99; "
            "options <> "
            "instead of <nop>");
}

TEST(SegmentText, AckFieldIsComparedApartFromTheAckFlag) {
  TcpSegment reset;
  reset.flags = TcpFlags(TcpFlags::rst);
  reset.seq = SeqNum(1);
  auto zero = parse_segment_text("R 1:1(0) ack 0 win 0");
  EXPECT_EQ(mismatch(*zero, reset, SeqNum(0), SeqNum(0)), "");
  reset.ack = SeqNum(5);
  EXPECT_EQ(mismatch(*zero, reset, SeqNum(0), SeqNum(0)), "ack 5 instead of 0");
}

TEST(SegmentText, TimestampValuesAreNotCompared) {
  TcpSegment actual;
  actual.flags = TcpFlags(TcpFlags::ack);
  actual.options.add_nop().add_nop().add_timestamps(12345, 678);
  auto expected = parse_segment_text(". 0:0(0) ack 0 <nop,nop,TS val 1 ecr 2>");
  EXPECT_EQ(mismatch(*expected, actual, SeqNum(0), SeqNum(0)), "");
}

}  // namespace
}  // namespace finwait::wire
