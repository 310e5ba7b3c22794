// A bounded FIFO of bytes in one contiguous block: the send buffer (bytes from
// SND.UNA on, so any in-flight range can be handed out as one span for a
// segment's payload) and the receive buffer (bytes the application has not
// read yet, and past them the out-of-order data that is not readable until
// the gap before it fills: tcp/reassembly.h says where it lies). Storage
// grows on demand up to the capacity. With the stack's pool, a queue that
// empties gives its storage to the pool and the next queue that needs room
// takes it from there: an idle connection holds no buffer memory, and a
// busy one refills without allocating. Without a pool (a unit test's
// connection) it keeps its storage, unless it is far larger than needed.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace finwait::tcp {

// What a queue holds while it holds bytes: a block left uninitialised (each
// byte is written before it is read), where the queued bytes start in it, how
// many there are, and how far out-of-order bytes reach past them.
struct ByteStorage {
  std::unique_ptr<std::uint8_t[]> bytes;
  std::uint32_t allocated = 0;  // bytes at `bytes`
  std::uint32_t head = 0;
  std::uint32_t size = 0;
  std::uint32_t ahead = 0;  // extent of the bytes written past the end, gaps included
  // The most held at once since the queue was last empty: storage much
  // larger than that is given back when it empties again.
  std::uint32_t peak = 0;
};

// Emptied queues' storage, kept for the next queue that needs room (one per
// stack, one thread).
struct BytePool {
  static constexpr std::size_t k_limit = 32;  // buffers kept; past that, an emptied queue's storage is freed
  std::vector<std::unique_ptr<ByteStorage>> buffers;
};

class ByteQueue {
 public:
  explicit ByteQueue(std::size_t capacity = 0) : capacity_(clamp(capacity)) {}
  void set_pool(BytePool* pool) { pool_ = pool; }

  std::size_t size() const { return s_ != nullptr ? s_->size : 0; }
  bool empty() const { return size() == 0; }
  std::size_t capacity() const { return capacity_; }
  std::size_t free_space() const { return capacity_ > size() ? capacity_ - size() : 0; }
  std::size_t allocated() const { return s_ != nullptr ? s_->allocated : 0; }  // bytes of storage held
  // A smaller capacity keeps what is queued; it only refuses more. At most
  // 4 GiB - 1 (more than any socket buffer Linux allows, INT_MAX doubled).
  void set_capacity(std::size_t capacity) { capacity_ = clamp(capacity); }

  // Appends as much as fits; returns how much.
  std::size_t append(std::span<const std::uint8_t> bytes);
  // `length` bytes starting `offset` bytes from the front (clamped to what is queued).
  std::span<const std::uint8_t> peek(std::size_t offset, std::size_t length) const;
  // Copies up to out.size() bytes from the front and removes them.
  std::size_t read(std::span<std::uint8_t> out);
  // Removes up to `count` bytes from the front.
  void consume(std::size_t count);
  void clear() {
    if (s_ == nullptr) return;
    s_->ahead = 0;
    consume(s_->size);
  }

  // Out-of-order data: writes `bytes` starting `offset` bytes past the
  // queued end, as much as the capacity allows (offset + length <= free
  // space); returns how much. Bytes appended later overwrite what lies ahead.
  std::size_t write_ahead(std::size_t offset, std::span<const std::uint8_t> bytes);
  // The first `count` bytes ahead have all been written (a gap filled): they
  // join the queue.
  void extend(std::size_t count);

 private:
  static constexpr std::size_t k_keep_when_empty = 64 * 1024;
  static std::uint32_t clamp(std::size_t n) { return static_cast<std::uint32_t>(std::min<std::size_t>(n, UINT32_MAX)); }
  // Makes the storage hold head + `total` bytes, keeping the queued and ahead bytes.
  void reserve_from_head(std::size_t total);

  // Every connection holds two queues, most of them empty: 24 bytes each,
  // the storage and its counts apart (with the pool, none while empty).
  std::unique_ptr<ByteStorage> s_;
  BytePool* pool_ = nullptr;
  std::uint32_t capacity_;
};

}  // namespace finwait::tcp
