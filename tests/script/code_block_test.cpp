// The %{ }% subset: assert statements over integers and names, as Python
// evaluates them.
#include "script/code_block.h"

#include <gtest/gtest.h>

namespace finwait::script {
namespace {

NameValue values(std::string_view name) {
  if (name == "tcpi_snd_cwnd") return {10, {}};
  if (name == "tcpi_options") return {7, {}};
  if (name == "tcpi_rwnd_limited") return {200000, {}};
  if (auto c = code_block_constant(name)) return {c, {}};
  return {std::nullopt, std::string(name) + " unknown"};
}

TEST(CodeBlock, AssertionsThatHoldPass) {
  EXPECT_EQ(run_code_block(" assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd ", values), std::nullopt);
  EXPECT_EQ(run_code_block("assert (tcpi_options & TCPI_OPT_SYN_DATA) == 0, tcpi_options", values), std::nullopt);
  EXPECT_EQ(run_code_block("assert 198000 <= tcpi_rwnd_limited <= 210000", values), std::nullopt);
  EXPECT_EQ(run_code_block("\nassert tcpi_snd_cwnd == 10\nassert not tcpi_snd_cwnd == 11; pass\n", values),
            std::nullopt);
  EXPECT_EQ(run_code_block("assert tcpi_snd_cwnd > 5 and (tcpi_options | 8) == 0xf or False", values), std::nullopt);
  EXPECT_EQ(run_code_block("assert tcpi_snd_cwnd == 10, \\\n tcpi_snd_cwnd", values), std::nullopt);
  EXPECT_EQ(run_code_block("assert -7 // 2 == -4 and -7 % 2 == 1 and 1 << 4 == 16 and ~0 == -1", values),
            std::nullopt);
}

TEST(CodeBlock, AFailedAssertionSaysWhatAndTheValue) {
  auto failed = run_code_block("assert tcpi_snd_cwnd == 12, tcpi_snd_cwnd", values);
  ASSERT_TRUE(failed);
  EXPECT_EQ(*failed, "assert tcpi_snd_cwnd == 12, tcpi_snd_cwnd: failed (tcpi_snd_cwnd = 10)");
  // A chained comparison fails if any link does.
  EXPECT_TRUE(run_code_block("assert 1 <= tcpi_snd_cwnd <= 9", values));
  // The second statement is reached.
  EXPECT_TRUE(run_code_block("assert tcpi_snd_cwnd == 10; assert tcpi_snd_cwnd == 9", values));
}

TEST(CodeBlock, UnknownNamesAndOtherPythonAreRefused) {
  auto unknown = run_code_block("assert tcpi_busy_time == 0", values);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(*unknown, "tcpi_busy_time unknown");
  EXPECT_TRUE(check_code_block("print('x')"));
  EXPECT_TRUE(check_code_block("import os"));
  EXPECT_TRUE(check_code_block("assert f(1) == 2"));
  EXPECT_TRUE(check_code_block("assert 1 / 2 == 0"));
  EXPECT_TRUE(check_code_block("assert (1 == 1"));
  EXPECT_TRUE(check_code_block("assert"));
  EXPECT_EQ(check_code_block("assert tcpi_anything == TCP_CA_Open"), std::nullopt);
  auto by_zero = run_code_block("assert 1 // 0 == 0", values);
  ASSERT_TRUE(by_zero);
  EXPECT_EQ(*by_zero, "division by zero");
}

}  // namespace
}  // namespace finwait::script
