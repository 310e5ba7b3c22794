#include "tcp/byte_queue.h"

#include <algorithm>
#include <cstring>

namespace finwait::tcp {

void ByteQueue::reserve_from_head(std::size_t total) {
  if (s_ == nullptr) {
    if (pool_ != nullptr && !pool_->buffers.empty()) {
      s_ = std::move(pool_->buffers.back());  // the most recently emptied: still in cache
      pool_->buffers.pop_back();
    } else {
      s_ = std::make_unique<ByteStorage>();
    }
  }
  ByteStorage& s = *s_;
  if (s.head + total <= s.allocated) return;
  // Slide what is kept to the front, then grow if that is not enough.
  const std::size_t kept = std::size_t{s.size} + s.ahead;
  if (s.head > 0) {
    std::memmove(s.bytes.get(), s.bytes.get() + s.head, kept);
    s.head = 0;
  }
  if (total > s.allocated) {
    const std::size_t grown =
        std::min(std::max(std::size_t{s.allocated} * 2, total), std::max<std::size_t>(capacity_, total));
    // Not zeroed: every byte is written before it is read.
    std::unique_ptr<std::uint8_t[]> bigger(new std::uint8_t[grown]);
    if (kept > 0) std::memcpy(bigger.get(), s.bytes.get(), kept);
    s.bytes = std::move(bigger);
    s.allocated = clamp(grown);
  }
}

std::size_t ByteQueue::append(std::span<const std::uint8_t> bytes) {
  const std::size_t n = std::min(bytes.size(), free_space());
  if (n == 0) return 0;
  reserve_from_head(size() + std::max<std::size_t>(n, s_ != nullptr ? s_->ahead : 0));
  ByteStorage& s = *s_;
  std::memcpy(s.bytes.get() + s.head + s.size, bytes.data(), n);
  s.size += static_cast<std::uint32_t>(n);
  s.ahead = s.ahead > n ? s.ahead - static_cast<std::uint32_t>(n) : 0;
  s.peak = std::max(s.peak, s.size + s.ahead);
  return n;
}

std::size_t ByteQueue::write_ahead(std::size_t offset, std::span<const std::uint8_t> bytes) {
  const std::size_t room = free_space();
  if (offset >= room) return 0;
  const std::size_t n = std::min(bytes.size(), room - offset);
  if (n == 0) return 0;
  reserve_from_head(size() + std::max<std::size_t>(offset + n, s_ != nullptr ? s_->ahead : 0));
  ByteStorage& s = *s_;
  std::memcpy(s.bytes.get() + s.head + s.size + offset, bytes.data(), n);
  s.ahead = clamp(std::max<std::size_t>(s.ahead, offset + n));
  s.peak = std::max(s.peak, s.size + s.ahead);
  return n;
}

void ByteQueue::extend(std::size_t count) {
  if (s_ == nullptr) return;
  const auto joined = static_cast<std::uint32_t>(std::min<std::size_t>(count, s_->ahead));
  s_->size += joined;
  s_->ahead -= joined;
}

std::span<const std::uint8_t> ByteQueue::peek(std::size_t offset, std::size_t length) const {
  if (offset >= size()) return {};
  return {s_->bytes.get() + s_->head + offset, std::min<std::size_t>(length, s_->size - offset)};
}

std::size_t ByteQueue::read(std::span<std::uint8_t> out) {
  const std::size_t n = std::min<std::size_t>(out.size(), size());
  if (n == 0) return 0;
  std::memcpy(out.data(), s_->bytes.get() + s_->head, n);
  consume(n);
  return n;
}

void ByteQueue::consume(std::size_t count) {
  if (s_ == nullptr) return;
  ByteStorage& s = *s_;
  const auto gone = static_cast<std::uint32_t>(std::min<std::size_t>(count, s.size));
  s.head += gone;
  s.size -= gone;
  if (s.size == 0 && s.ahead == 0) {
    s.head = 0;
    // Storage far larger than the queue needed is freed; the rest goes to
    // the pool, or, without one, stays: a queue that fills and drains again
    // and again would otherwise pay an allocation and page faults per window.
    const bool oversized = s.allocated > k_keep_when_empty && s.allocated > 4 * std::size_t{s.peak};
    s.peak = 0;
    if (!oversized && pool_ != nullptr && s.allocated > 0 && pool_->buffers.size() < BytePool::k_limit) {
      pool_->buffers.push_back(std::move(s_));
    } else if (oversized || pool_ != nullptr) {
      s_.reset();
    }
  }
}

}  // namespace finwait::tcp
