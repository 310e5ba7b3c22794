// The flow table: 4-tuple -> a 32-bit handle, open addressing with linear
// probing and backward-shift deletion (no tombstones), keyed hashing, and
// doubling at 50 % load. O(1) expected for find, insert and erase, also at
// millions of entries; one 24-byte slot per entry at most twice over.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/siphash.h"
#include "stack/flow_key.h"

namespace finwait::stack {

class FlowTable {
 public:
  explicit FlowTable(SipKey key, std::size_t initial_capacity = 64);

  std::optional<std::uint32_t> find(const FlowKey& flow) const;
  // False if the key is already there (the table is left unchanged).
  bool insert(const FlowKey& flow, std::uint32_t handle);
  bool erase(const FlowKey& flow);
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return slots_.size(); }

 private:
  struct Slot {
    FlowKey key;
    std::uint32_t handle = 0;
    // The key's hash, kept so that growing and deleting never hash again;
    // 0 marks an empty slot (a zero hash is stored as 1).
    std::uint32_t hash = 0;
  };
  std::uint32_t hash_of(const FlowKey& flow) const {
    const auto h = static_cast<std::uint32_t>(hash_flow(key_, flow));
    return h == 0 ? 1 : h;
  }
  void grow();

  SipKey key_;
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace finwait::stack
