#include "tcp/byte_queue.h"

#include <algorithm>
#include <cstring>

namespace finwait::tcp {

std::size_t ByteQueue::append(std::span<const std::uint8_t> bytes) {
  const std::size_t n = std::min(bytes.size(), free_space());
  if (n == 0) return 0;
  if (head_ + size_ + n > storage_.size()) {
    // Slide the queued bytes to the front, then grow if that is not enough.
    if (head_ > 0) {
      std::memmove(storage_.data(), storage_.data() + head_, size_);
      head_ = 0;
    }
    if (size_ + n > storage_.size()) {
      storage_.resize(std::min(std::max(storage_.size() * 2, size_ + n), std::max(capacity_, size_ + n)));
    }
  }
  std::memcpy(storage_.data() + head_ + size_, bytes.data(), n);
  size_ += n;
  return n;
}

std::span<const std::uint8_t> ByteQueue::peek(std::size_t offset, std::size_t length) const {
  if (offset >= size_) return {};
  return {storage_.data() + head_ + offset, std::min(length, size_ - offset)};
}

std::size_t ByteQueue::read(std::span<std::uint8_t> out) {
  const std::size_t n = std::min(out.size(), size_);
  if (n > 0) std::memcpy(out.data(), storage_.data() + head_, n);
  consume(n);
  return n;
}

void ByteQueue::consume(std::size_t count) {
  count = std::min(count, size_);
  head_ += count;
  size_ -= count;
  if (size_ == 0) {
    head_ = 0;
    if (storage_.size() > k_keep_when_empty) {
      storage_.clear();
      storage_.shrink_to_fit();
    }
  }
}

}  // namespace finwait::tcp
