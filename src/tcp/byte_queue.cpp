#include "tcp/byte_queue.h"

#include <algorithm>
#include <cstring>

namespace finwait::tcp {

void ByteQueue::reserve_from_head(std::size_t total) {
  if (head_ + total <= storage_.size()) return;
  if (storage_.empty() && pool_ != nullptr && !pool_->buffers.empty()) {
    storage_ = std::move(pool_->buffers.back());  // the most recently emptied: still in cache
    pool_->buffers.pop_back();
    head_ = 0;
    if (total <= storage_.size()) return;
  }
  // Slide what is kept to the front, then grow if that is not enough.
  const std::size_t kept = size_ + ahead_;
  if (head_ > 0) {
    std::memmove(storage_.data(), storage_.data() + head_, kept);
    head_ = 0;
  }
  if (total > storage_.size()) storage_.resize(std::min(std::max(storage_.size() * 2, total), std::max(capacity_, total)));
}

std::size_t ByteQueue::append(std::span<const std::uint8_t> bytes) {
  const std::size_t n = std::min(bytes.size(), free_space());
  if (n == 0) return 0;
  reserve_from_head(size_ + std::max(n, ahead_));
  std::memcpy(storage_.data() + head_ + size_, bytes.data(), n);
  size_ += n;
  ahead_ = ahead_ > n ? ahead_ - n : 0;
  peak_ = std::max(peak_, size_ + ahead_);
  return n;
}

std::size_t ByteQueue::write_ahead(std::size_t offset, std::span<const std::uint8_t> bytes) {
  const std::size_t room = free_space();
  if (offset >= room) return 0;
  const std::size_t n = std::min(bytes.size(), room - offset);
  if (n == 0) return 0;
  reserve_from_head(size_ + std::max(offset + n, ahead_));
  std::memcpy(storage_.data() + head_ + size_ + offset, bytes.data(), n);
  ahead_ = std::max(ahead_, offset + n);
  peak_ = std::max(peak_, size_ + ahead_);
  return n;
}

void ByteQueue::extend(std::size_t count) {
  count = std::min(count, ahead_);
  size_ += count;
  ahead_ -= count;
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
  if (size_ == 0 && ahead_ == 0) {
    head_ = 0;
    // Storage far larger than the queue needed is freed; the rest goes to
    // the pool, or, without one, stays: a queue that fills and drains again
    // and again would otherwise pay an allocation, zeroing and page faults
    // per window.
    const bool oversized = storage_.size() > k_keep_when_empty && storage_.size() > 4 * peak_;
    if (!oversized && pool_ != nullptr && !storage_.empty() && pool_->buffers.size() < BytePool::k_limit) {
      pool_->buffers.push_back(std::move(storage_));
      storage_ = {};
    } else if (oversized || pool_ != nullptr) {
      std::vector<std::uint8_t>().swap(storage_);
    }
    peak_ = 0;
  }
}

}  // namespace finwait::tcp
