#include "stack/flow_table.h"

#include <bit>

namespace finwait::stack {

FlowTable::FlowTable(SipKey key, std::size_t initial_capacity)
    : key_(key), slots_(std::bit_ceil(std::max<std::size_t>(initial_capacity, 8))) {}

std::optional<std::uint32_t> FlowTable::find(const FlowKey& flow) const {
  const std::size_t mask = slots_.size() - 1;
  const std::uint32_t hash = hash_of(flow);
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.hash == 0) return std::nullopt;
    if (slot.hash == hash && slot.key == flow) return slot.handle;
  }
}

bool FlowTable::insert(const FlowKey& flow, std::uint32_t handle) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  const std::uint32_t hash = hash_of(flow);
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.hash == 0) {
      slot = Slot{flow, handle, hash};
      ++size_;
      return true;
    }
    if (slot.hash == hash && slot.key == flow) return false;
  }
}

bool FlowTable::erase(const FlowKey& flow) {
  const std::size_t mask = slots_.size() - 1;
  const std::uint32_t hash = hash_of(flow);
  std::size_t i = hash & mask;
  while (true) {
    if (slots_[i].hash == 0) return false;
    if (slots_[i].hash == hash && slots_[i].key == flow) break;
    i = (i + 1) & mask;
  }
  // Backward-shift deletion: pull later members of the probe run into the
  // hole, so lookups never need tombstones.
  std::size_t hole = i;
  for (std::size_t j = (i + 1) & mask; slots_[j].hash != 0; j = (j + 1) & mask) {
    const std::size_t want = slots_[j].hash & mask;
    // Move j into the hole if its home is not in (hole, j] (cyclically).
    const bool home_between = hole <= j ? (want > hole && want <= j) : (want > hole || want <= j);
    if (!home_between) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = Slot{};
  --size_;
  return true;
}

void FlowTable::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.size() * 2, Slot{});
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.hash == 0) continue;
    std::size_t i = slot.hash & mask;
    while (slots_[i].hash != 0) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

}  // namespace finwait::stack
