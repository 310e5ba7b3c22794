// base/spare_storage.h: a bounded pool of objects given back whole.
#include "base/spare_storage.h"

#include <gtest/gtest.h>

namespace finwait {
namespace {

TEST(SparePool, GivesBackWhatItWasGivenThenAllocates) {
  SparePool<int, 2> pool;
  auto a = pool.take();
  int* const address = a.get();
  *a = 7;
  pool.give(std::move(a));
  auto again = pool.take();
  EXPECT_EQ(again.get(), address);  // reused, not allocated
  EXPECT_EQ(*again, 7);             // as its last holder left it
  auto fresh = pool.take();
  EXPECT_NE(fresh.get(), address);
  pool.give(nullptr);  // ignored
  EXPECT_NE(pool.take(), nullptr);
}

TEST(SparePool, KeepsNoMoreThanItsLimit) {
  SparePool<int, 2> pool;
  std::unique_ptr<int> held[3] = {pool.take(), pool.take(), pool.take()};
  int* kept[2] = {held[0].get(), held[1].get()};
  for (auto& object : held) pool.give(std::move(object));  // the third is freed
  auto x = pool.take();
  auto y = pool.take();
  EXPECT_TRUE((x.get() == kept[0] && y.get() == kept[1]) || (x.get() == kept[1] && y.get() == kept[0]));
}

}  // namespace
}  // namespace finwait
