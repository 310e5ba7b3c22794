#include "base/quote.h"

#include <gtest/gtest.h>

namespace finwait {
namespace {

TEST(Quote, EscapesControlCharactersAndCutsLongText) {
  EXPECT_EQ(quote_for_message("plain"), "plain");
  EXPECT_EQ(quote_for_message("a\nb\tc\x1b[2J"), "a\\nb\\tc\\x1b[2J");
  const std::string huge(1 << 20, 'x');
  const std::string q = quote_for_message(huge);
  EXPECT_EQ(q.size(), 63u);
  EXPECT_TRUE(q.ends_with("..."));
}

}  // namespace
}  // namespace finwait
