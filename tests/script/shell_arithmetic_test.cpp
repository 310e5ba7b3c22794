#include "script/shell_arithmetic.h"

#include <gtest/gtest.h>

namespace finwait::script {
namespace {

TEST(ShellArithmetic, ExpandsAsTheShellDoes) {
  EXPECT_EQ(*expand_arithmetic(R"x(tcp_rmem="4096 131072 $((32*1024*1024))")x"), R"x(tcp_rmem="4096 131072 33554432")x");
  EXPECT_EQ(*expand_arithmetic("$((15*1024*1024))"), "15728640");
  EXPECT_EQ(*expand_arithmetic("$(( (1+2) * -3 ))x$((7 % 4))"), "-9x3");
  EXPECT_EQ(*expand_arithmetic("$((10/3))"), "3");
  EXPECT_EQ(*expand_arithmetic("no arithmetic"), "no arithmetic");
}

TEST(ShellArithmetic, RefusesWhatItCannotEvaluate) {
  for (const char* bad : {"$((1/0))", "$((X+1))", "$((1+))", "$((9223372036854775807+1))", "$((1+2)", "$(())"}) {
    const auto r = expand_arithmetic(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_FALSE(r.error().empty());
  }
}

}  // namespace
}  // namespace finwait::script
