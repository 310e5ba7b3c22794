#include "base/decimal.h"

#include <gtest/gtest.h>

namespace finwait {
namespace {

TEST(Decimal, IntegersAreDecimalDigitsOnly) {
  EXPECT_EQ(parse_decimal_integer("0"), 0);
  EXPECT_EQ(parse_decimal_integer("-12"), -12);
  EXPECT_EQ(parse_decimal_integer("9223372036854775807"), INT64_MAX);
  for (const char* bad : {"", "-", "+1", " 1", "1 ", "0x10", "1e3", "1.0", "1.", "true", "nan", "inf",
                          "9223372036854775808", "99999999999999999999", "--1", "1-"}) {
    EXPECT_FALSE(parse_decimal_integer(bad).has_value()) << bad;
  }
}

TEST(Decimal, NumbersMayHaveAFractionButNoExponent) {
  EXPECT_EQ(parse_decimal_number("12.5"), 12.5);
  EXPECT_EQ(parse_decimal_number(".5"), 0.5);
  for (const char* bad : {"", ".", "1e3", "nan", "inf", "-inf", "1.2.3", "0x1p3", "+1"}) {
    EXPECT_FALSE(parse_decimal_number(bad).has_value()) << bad;
  }
}

TEST(Decimal, RangeMessagesNameTheValueAsTyped) {
  auto r = decimal_in_range("--connections", "1e3", 1, 28000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "--connections: '1e3' is not a whole number within 1..28000");
  EXPECT_FALSE(decimal_in_range("--seed", "-1", 0, 10).ok());
  EXPECT_EQ(*decimal_in_range("--seed", "10", 0, 10), 10);
}

}  // namespace
}  // namespace finwait
