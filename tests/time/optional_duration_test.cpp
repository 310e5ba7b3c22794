// time/optional_duration.h: what std::optional<Duration> does, in 8 bytes.
#include "time/optional_duration.h"

#include <gtest/gtest.h>

namespace finwait {
namespace {

static_assert(sizeof(OptionalDuration) == 8);

TEST(OptionalDuration, EmptyUntilGivenAndEmptyAgainWhenReset) {
  OptionalDuration d;
  EXPECT_FALSE(d.has_value());
  EXPECT_FALSE(d);
  EXPECT_EQ(d.value_or(seconds(7)), seconds(7));
  d = seconds(3);
  EXPECT_TRUE(d);
  EXPECT_EQ(*d, seconds(3));
  EXPECT_EQ(d.value_or(seconds(7)), seconds(3));
  d.reset();
  EXPECT_FALSE(d);
}

TEST(OptionalDuration, ZeroAndNegativeAreValuesNotNone) {
  OptionalDuration zero = Duration{};
  EXPECT_TRUE(zero);
  EXPECT_EQ(*zero, Duration{});
  OptionalDuration negative = Duration::from_nanoseconds(-1);
  EXPECT_TRUE(negative);
}

TEST(OptionalDuration, ConvertsFromStdOptionalAndCompares) {
  const OptionalDuration from_none = std::optional<Duration>{};
  const OptionalDuration from_some = std::optional<Duration>{seconds(2)};
  EXPECT_FALSE(from_none);
  EXPECT_EQ(*from_some, seconds(2));
  EXPECT_EQ(from_some, OptionalDuration(seconds(2)));
  EXPECT_NE(from_some, OptionalDuration(seconds(3)));
  EXPECT_NE(from_some, OptionalDuration(std::nullopt));
  EXPECT_EQ(from_none, OptionalDuration(std::nullopt));
}

}  // namespace
}  // namespace finwait
