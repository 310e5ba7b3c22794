#include "tcp/byte_queue.h"

#include <algorithm>
#include <cstring>

namespace finwait::tcp {

void ByteQueue::reserve_from_head(std::size_t total) {
  if (head_ + total <= allocated_) return;
  if (allocated_ == 0 && pool_ != nullptr && !pool_->buffers.empty()) {
    ByteBlock& block = pool_->buffers.back();  // the most recently emptied: still in cache
    storage_ = std::move(block.bytes);
    allocated_ = block.size;
    pool_->buffers.pop_back();
    head_ = 0;
    if (total <= allocated_) return;
  }
  // Slide what is kept to the front, then grow if that is not enough.
  const std::size_t kept = std::size_t{size_} + ahead_;
  if (head_ > 0) {
    std::memmove(storage_.get(), storage_.get() + head_, kept);
    head_ = 0;
  }
  if (total > allocated_) {
    const std::size_t grown =
        std::min(std::max(std::size_t{allocated_} * 2, total), std::max<std::size_t>(capacity_, total));
    // Not zeroed: every byte is written before it is read.
    std::unique_ptr<std::uint8_t[]> bigger(new std::uint8_t[grown]);
    if (kept > 0) std::memcpy(bigger.get(), storage_.get(), kept);
    storage_ = std::move(bigger);
    allocated_ = clamp(grown);
  }
}

std::size_t ByteQueue::append(std::span<const std::uint8_t> bytes) {
  const std::size_t n = std::min(bytes.size(), free_space());
  if (n == 0) return 0;
  reserve_from_head(size_ + std::max<std::size_t>(n, ahead_));
  std::memcpy(storage_.get() + head_ + size_, bytes.data(), n);
  size_ += static_cast<std::uint32_t>(n);
  ahead_ = ahead_ > n ? ahead_ - static_cast<std::uint32_t>(n) : 0;
  peak_ = std::max(peak_, size_ + ahead_);
  return n;
}

std::size_t ByteQueue::write_ahead(std::size_t offset, std::span<const std::uint8_t> bytes) {
  const std::size_t room = free_space();
  if (offset >= room) return 0;
  const std::size_t n = std::min(bytes.size(), room - offset);
  if (n == 0) return 0;
  reserve_from_head(size_ + std::max<std::size_t>(offset + n, ahead_));
  std::memcpy(storage_.get() + head_ + size_ + offset, bytes.data(), n);
  ahead_ = clamp(std::max<std::size_t>(ahead_, offset + n));
  peak_ = std::max(peak_, size_ + ahead_);
  return n;
}

void ByteQueue::extend(std::size_t count) {
  const auto joined = static_cast<std::uint32_t>(std::min<std::size_t>(count, ahead_));
  size_ += joined;
  ahead_ -= joined;
}

std::span<const std::uint8_t> ByteQueue::peek(std::size_t offset, std::size_t length) const {
  if (offset >= size_) return {};
  return {storage_.get() + head_ + offset, std::min<std::size_t>(length, size_ - offset)};
}

std::size_t ByteQueue::read(std::span<std::uint8_t> out) {
  const std::size_t n = std::min<std::size_t>(out.size(), size_);
  if (n > 0) std::memcpy(out.data(), storage_.get() + head_, n);
  consume(n);
  return n;
}

void ByteQueue::consume(std::size_t count) {
  const auto gone = static_cast<std::uint32_t>(std::min<std::size_t>(count, size_));
  head_ += gone;
  size_ -= gone;
  if (size_ == 0 && ahead_ == 0) {
    head_ = 0;
    // Storage far larger than the queue needed is freed; the rest goes to
    // the pool, or, without one, stays: a queue that fills and drains again
    // and again would otherwise pay an allocation, zeroing and page faults
    // per window.
    const bool oversized = allocated_ > k_keep_when_empty && allocated_ > 4 * std::size_t{peak_};
    if (!oversized && pool_ != nullptr && allocated_ > 0 && pool_->buffers.size() < BytePool::k_limit) {
      pool_->buffers.push_back(ByteBlock{std::move(storage_), allocated_});
      allocated_ = 0;
    } else if (oversized || pool_ != nullptr) {
      storage_.reset();
      allocated_ = 0;
    }
    peak_ = 0;
  }
}

}  // namespace finwait::tcp
