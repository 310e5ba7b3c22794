// base/spare_storage.h: a vector borrows the spare's storage when it has
// none, and once empty gives back the larger storage, keeping none itself.
#include "base/spare_storage.h"

#include <gtest/gtest.h>

namespace finwait {
namespace {

TEST(SpareStorage, BorrowTakesTheSpareOnlyWhenItHasNone) {
  std::vector<int> spare;
  spare.reserve(16);
  const int* storage = spare.data();
  std::vector<int> v;
  borrow_spare(v, &spare);
  EXPECT_EQ(v.data(), storage);
  EXPECT_EQ(spare.capacity(), 0u);
  std::vector<int> other;
  other.reserve(2);
  const int* own = other.data();
  spare.reserve(8);
  borrow_spare(other, &spare);  // it has storage of its own: keeps it
  EXPECT_EQ(other.data(), own);
  EXPECT_EQ(spare.capacity(), 8u);
}

TEST(SpareStorage, ReturnEmptiesAndTheSpareKeepsTheLarger) {
  std::vector<int> spare;
  spare.reserve(4);
  std::vector<int> v{1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::size_t grown = v.capacity();
  return_spare(v, &spare);
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(v.capacity(), 0u);
  EXPECT_EQ(spare.capacity(), grown);
  EXPECT_TRUE(spare.empty());
  std::vector<int> small{1};
  return_spare(small, &spare);
  EXPECT_EQ(small.capacity(), 0u);
  EXPECT_EQ(spare.capacity(), grown);
}

TEST(SpareStorage, WithoutASpareItIsAPlainClear) {
  std::vector<int> v{1, 2, 3};
  const std::size_t capacity = v.capacity();
  return_spare(v, static_cast<std::vector<int>*>(nullptr));
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(v.capacity(), capacity);
  borrow_spare(v, static_cast<std::vector<int>*>(nullptr));
  EXPECT_EQ(v.capacity(), capacity);
}

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
