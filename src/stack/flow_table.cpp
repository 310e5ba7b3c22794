#include "stack/flow_table.h"

#include <bit>

namespace finwait::stack {

FlowTable::FlowTable(SipKey key, std::size_t initial_capacity)
    : key_(key), slots_(std::bit_ceil(std::max<std::size_t>(initial_capacity, 8))) {}

std::optional<std::uint32_t> FlowTable::find(const FlowKey& flow) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = home(flow);; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (!slot.used) return std::nullopt;
    if (slot.key == flow) return slot.handle;
  }
}

bool FlowTable::insert(const FlowKey& flow, std::uint32_t handle) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = home(flow);; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (!slot.used) {
      slot = Slot{flow, handle, 1};
      ++size_;
      return true;
    }
    if (slot.key == flow) return false;
  }
}

bool FlowTable::erase(const FlowKey& flow) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = home(flow);
  while (true) {
    if (!slots_[i].used) return false;
    if (slots_[i].key == flow) break;
    i = (i + 1) & mask;
  }
  // Backward-shift deletion: pull later members of the probe run into the
  // hole, so lookups never need tombstones.
  std::size_t hole = i;
  for (std::size_t j = (i + 1) & mask; slots_[j].used; j = (j + 1) & mask) {
    const std::size_t want = home(slots_[j].key);
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
  size_ = 0;
  for (const Slot& slot : old) {
    if (slot.used) insert(slot.key, slot.handle);
  }
}

}  // namespace finwait::stack
