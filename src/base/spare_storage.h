// Storage lent between objects that are mostly empty: an idle connection's
// retransmission queue holds nothing, yet would keep the capacity it last
// grew to (a vector never shrinks by itself). Their stack keeps one spare
// vector; an object borrows it when it first needs room and gives storage
// back when it empties, keeping none. So N idle connections hold no such
// memory, and the busy one reuses what the last one used instead of
// allocating. One stack, one thread.
//
// Objects that come and go whole (a connection's output lists, given back
// at the end of the sync that filled them; the handshake's option offer)
// lend through a SparePool. The send and receive queues, which stay full
// across many calls and whose storage keeps its size, lend through
// tcp::BytePool, a bounded pool of blocks.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace finwait {

// Before a push into `v`: takes the spare's storage if `v` has none.
template <class T>
void borrow_spare(std::vector<T>& v, std::vector<T>* spare) {
  if (spare != nullptr && v.capacity() == 0 && spare->capacity() != 0) v.swap(*spare);
}

// Empties `v`; the spare, if any, keeps the larger storage of the two, `v` none.
template <class T>
void return_spare(std::vector<T>& v, std::vector<T>* spare) {
  v.clear();
  if (spare == nullptr) return;
  if (spare->capacity() < v.capacity()) v.swap(*spare);
  std::vector<T>().swap(v);
}

// Objects that every connection holds for a while and then gives up (the
// handshake's option offer): a bounded free list, so that the churn of
// connections reuses them instead of allocating. What take() returns holds
// whatever its last holder left: the taker assigns it whole.
template <class T, std::size_t Limit = 32>
class SparePool {
 public:
  std::unique_ptr<T> take() {
    if (free_.empty()) return std::make_unique<T>();
    std::unique_ptr<T> object = std::move(free_.back());
    free_.pop_back();
    return object;
  }
  void give(std::unique_ptr<T> object) {
    if (object != nullptr && free_.size() < Limit) free_.push_back(std::move(object));
  }

 private:
  std::vector<std::unique_ptr<T>> free_;
};

}  // namespace finwait
