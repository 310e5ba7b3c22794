#include "wire/tcp_options.h"

#include <gtest/gtest.h>

#include <vector>

#include "wire/segment_format.h"

namespace finwait::wire {
namespace {

std::vector<std::uint8_t> bytes_of(const TcpOptions& options) {
  return {options.bytes().begin(), options.bytes().end()};
}

TEST(TcpOptions, LinuxSynAckLayoutEmitsExactBytes) {
  // The layout SCRIPTS.md 7 requires of the linux profile's SYN-ACK.
  TcpOptions options;
  options.add_mss(1460).add_nop().add_nop().add_sack_permitted().add_nop().add_window_scale(8);
  EXPECT_EQ(bytes_of(options), (std::vector<std::uint8_t>{2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 8}));
  EXPECT_EQ(options.to_string(), "mss 1460,nop,nop,sackOK,nop,wscale 8");
}

TEST(TcpOptions, TimestampsAndSackEmitExactBytes) {
  TcpOptions options;
  options.add_nop().add_nop().add_timestamps(0x01020304, 0xa0b0c0d0);
  EXPECT_EQ(bytes_of(options), (std::vector<std::uint8_t>{1, 1, 8, 10, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0}));
  TcpOptions sack;
  sack.add_nop().add_nop().add_sack({{SeqNum(1), SeqNum(2)}, {SeqNum(0xfffffff0u), SeqNum(0x10)}});
  EXPECT_EQ(bytes_of(sack), (std::vector<std::uint8_t>{1, 1, 5,    18,   0,    0,    0, 1, 0, 0,
                                                       0, 2, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0x10}));
  EXPECT_EQ(sack.to_string(), "nop,nop,sack 1:2 4294967280:16");
}

TEST(TcpOptions, EveryKindRoundTripsThroughParse) {
  TcpOptions options;
  const std::uint8_t unknown[] = {0xde, 0xad};
  options.add_mss(536).add_window_scale(14).add_sack_permitted().add_timestamps(7, 9);
  ASSERT_TRUE(options.try_add_raw(253, unknown));  // RFC 6994 experimental kind
  options.add_sack({{SeqNum(100), SeqNum(200)}});
  options.add_eol();
  auto parsed = TcpOptions::parse(options.bytes());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, options);
  EXPECT_EQ(parsed->mss(), 536);
  EXPECT_EQ(parsed->window_scale(), 14);
  EXPECT_TRUE(parsed->sack_permitted());
  EXPECT_EQ(parsed->timestamps(), (TcpTimestamps{7, 9}));
  ASSERT_EQ(parsed->sack_blocks().count, 1);
  EXPECT_EQ(parsed->sack_blocks().blocks[0], (SackBlock{SeqNum(100), SeqNum(200)}));
  EXPECT_EQ(parsed->to_string(),
            "mss 536,wscale 14,sackOK,TS val 7 ecr 9,opt-253 len 4 0xdead,sack 100:200,eol");
}

TEST(TcpOptions, FourSackBlocksFitAndAFifthDoesNot) {
  TcpOptions options;
  options.add_nop().add_nop();
  const SackBlock blocks[4] = {
      {SeqNum(1), SeqNum(2)}, {SeqNum(3), SeqNum(4)}, {SeqNum(5), SeqNum(6)}, {SeqNum(7), SeqNum(8)}};
  options.add_sack(blocks);
  EXPECT_EQ(options.size(), 36u);
  EXPECT_EQ(options.sack_blocks().count, 4);
  EXPECT_FALSE(options.try_add_raw(tcp_option_kind::timestamps, std::vector<std::uint8_t>(8)));
  EXPECT_EQ(options.size(), 36u);
}

TEST(TcpOptions, ForbiddenLengthsAreErrors) {
  // RFC 9293 3.2: length counts kind and length; 0 and 1 are impossible.
  const std::vector<std::vector<std::uint8_t>> bad = {
      {2, 0, 0, 0},         // length 0
      {2, 1, 0, 0},         // length 1
      {2},                  // kind with no length byte
      {1, 1, 2},            // the same after NOPs
      {2, 5, 0, 0},         // runs past the end
      {8, 10, 0, 0, 0, 0},  // timestamps cut short
      {254, 41},            // longer than any header
  };
  for (const auto& bytes : bad) {
    auto parsed = TcpOptions::parse(bytes);
    ASSERT_FALSE(parsed.ok()) << ::testing::PrintToString(bytes);
    EXPECT_EQ(parsed.error(), ParseError::bad_option_length);
  }
}

TEST(TcpOptions, EndOfListStopsParsingAndPaddingIsKept) {
  // After EOL the bytes are padding (RFC 9293 3.2), even if they look like a bad option.
  const std::vector<std::uint8_t> bytes = {2, 4, 0x05, 0xb4, 0, 2, 0, 7};
  auto parsed = TcpOptions::parse(bytes);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->mss(), 1460);
  EXPECT_EQ(bytes_of(*parsed), bytes);
  EXPECT_EQ(parsed->to_string(), "mss 1460,eol,garbage 0x020007");
  const std::vector<std::uint8_t> zero_padded = {4, 2, 0, 0};
  EXPECT_EQ(TcpOptions::parse(zero_padded)->to_string(), "sackOK,eol,eol");
}

TEST(TcpOptions, OptionsAfterEndOfListAreNotUsed) {
  const std::vector<std::uint8_t> bytes = {0, 2, 4, 5, 0xb4};
  auto parsed = TcpOptions::parse(bytes);
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->mss().has_value());
}

TEST(TcpOptions, WindowScaleAbove14IsClampedWhenUsed) {
  // RFC 7323 2.3: use 14 for a larger shift; the raw value stays visible.
  TcpOptions options;
  options.add_window_scale(15);
  EXPECT_EQ(options.window_scale(), 14);
  EXPECT_EQ(options.window_scale_raw(), 15);
  EXPECT_EQ(options.to_string(), "wscale 15");
}

TEST(TcpOptions, KnownKindWithWrongLengthIsKeptButIgnored) {
  // Linux's tcp_parse_options() skips an MSS whose length is not 4; so do we.
  const std::vector<std::uint8_t> bytes = {2, 3, 0x05, 3, 2, 1, 1, 1};
  auto parsed = TcpOptions::parse(bytes);
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->mss().has_value());
  EXPECT_FALSE(parsed->window_scale().has_value());
  EXPECT_EQ(parsed->to_string(), "opt-2 len 3 0x05,opt-3 len 2,nop,nop,nop");
}

TEST(TcpOptions, FirstOccurrenceWins) {
  TcpOptions options;
  options.add_mss(1000).add_mss(2000);
  EXPECT_EQ(options.mss(), 1000);
}

// The queries answer from what parse_into() and the add_* calls noted (the
// kinds present, where the timestamps lie): the same as a walk would, for
// parsed and built options alike.
TEST(TcpOptions, TimestampsAreTheFirstBeforeEndOfListParsedOrBuilt) {
  const std::vector<std::uint8_t> after_eol = {1, 1, 0, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
  EXPECT_FALSE(TcpOptions::parse(after_eol)->timestamps().has_value());
  TcpOptions built;
  built.add_nop().add_eol().add_timestamps(1, 2);
  EXPECT_FALSE(built.timestamps().has_value());
  EXPECT_FALSE(built.window_scale().has_value());

  // A first one of the wrong length hides a later good one, as in a walk.
  const std::vector<std::uint8_t> short_first = {8, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
  EXPECT_FALSE(TcpOptions::parse(short_first)->timestamps().has_value());

  const std::vector<std::uint8_t> linux_ack = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9};
  auto parsed = TcpOptions::parse(linux_ack);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->timestamps(), (wire::TcpTimestamps{7, 9}));
  EXPECT_FALSE(parsed->has_md5());
  EXPECT_EQ(parsed->sack_blocks().count, 0);
  TcpOptions same;
  same.add_nop().add_nop().add_timestamps(7, 9);
  EXPECT_EQ(same, *parsed) << "a built value equals the parsed one, what each noted included";

  // Reused in place, a value forgets what the last packet carried.
  ASSERT_FALSE(TcpOptions::parse_into(std::vector<std::uint8_t>{2, 4, 0x05, 0xb4}, *parsed).has_value());
  EXPECT_FALSE(parsed->timestamps().has_value());
  EXPECT_EQ(parsed->mss(), 1460);
}

TEST(TcpOptions, SackIsPrintedRelativeToABase) {
  TcpOptions options;
  options.add_sack({{SeqNum(1001), SeqNum(2001)}});
  EXPECT_EQ(options.to_string(SeqNum(1000)), "sack 1:1001");
}

}  // namespace
}  // namespace finwait::wire
