#include "wire/seq_num.h"

#include <gtest/gtest.h>

namespace finwait::wire {
namespace {

TEST(SeqNum, ComparesAcrossTheWrap) {
  const SeqNum near_end(0xfffffff0u);
  const SeqNum after_wrap = near_end + 0x20;
  EXPECT_EQ(after_wrap.raw(), 0x10u);
  EXPECT_TRUE(seq_lt(near_end, after_wrap));
  EXPECT_TRUE(seq_gt(after_wrap, near_end));
  EXPECT_TRUE(seq_le(near_end, near_end));
  EXPECT_TRUE(seq_ge(near_end, near_end));
  EXPECT_FALSE(seq_lt(near_end, near_end));
  EXPECT_EQ(seq_diff(after_wrap, near_end), 0x20);
  EXPECT_EQ(seq_diff(near_end, after_wrap), -0x20);
}

TEST(SeqNum, WindowTestIsHalfOpen) {
  // RFC 9293 3.4: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
  const SeqNum begin(0xffffff00u);
  EXPECT_TRUE(in_window(begin, begin, 0x200));
  EXPECT_TRUE(in_window(begin + 0x1ff, begin, 0x200));
  EXPECT_FALSE(in_window(begin + 0x200, begin, 0x200));
  EXPECT_FALSE(in_window(begin - 1, begin, 0x200));
  EXPECT_FALSE(in_window(begin, begin, 0));
}

TEST(SeqNum, Arithmetic) {
  SeqNum s(5);
  s += 10;
  EXPECT_EQ(s, SeqNum(15));
  EXPECT_EQ(s - 16, SeqNum(0xffffffffu));
}

}  // namespace
}  // namespace finwait::wire
