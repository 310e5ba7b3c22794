// Objects that every connection holds for a while and then gives up whole:
// its output lists (given back at the end of the sync that read them), its
// retransmission queue's entries (while anything is in flight) and the
// handshake's option offer. So N idle connections hold none, and a busy one
// reuses what the last one gave back instead of allocating. The send and
// receive queues' storage lends through tcp::BytePool, the same way with
// blocks of bytes. One stack, one thread.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace finwait {

// A bounded free list of such objects. What take() returns holds whatever
// its last holder left: lists are emptied before they are given back, an
// offer is assigned whole by its taker.
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
