#include "time/timing_wheel.h"

#include <algorithm>
#include <bit>
#include <limits>

#include "base/check.h"

namespace finwait {
namespace {

constexpr int k_total_bits = TimingWheel::k_levels * TimingWheel::k_slot_bits;

}  // namespace

TimingWheel::TimingWheel(Duration granule, Instant start)
    : granule_ns_(granule.nanoseconds()), current_tick_(start.nanoseconds() / granule.nanoseconds()) {
  FINWAIT_CHECK(granule_ns_ > 0);
}

void TimingWheel::arm(TimerNode& node, Instant deadline) {
  if (node.state_ == TimerNode::State::armed) {
    unlink(node);
    --size_;
  }
  node.deadline_ns_ = deadline.nanoseconds();
  node.sequence_ = next_sequence_++;
  node.state_ = TimerNode::State::armed;
  insert(node);
  ++size_;
}

void TimingWheel::cancel(TimerNode& node) {
  if (node.state_ == TimerNode::State::armed) {
    unlink(node);
    --size_;
  }
  node.state_ = TimerNode::State::idle;
}

void TimingWheel::insert(TimerNode& node) {
  const std::int64_t tick = std::max(tick_of(node.deadline_ns_), current_tick_);
  // The lowest level at which the deadline and the clock agree on every
  // higher bit: the timer waits there until the clock reaches its slot.
  int level = 0;
  while (level < k_levels &&
         (tick >> (k_slot_bits * (level + 1))) != (current_tick_ >> (k_slot_bits * (level + 1)))) {
    ++level;
  }
  std::uint16_t slot = k_overflow_slot;
  if (level < k_levels) {
    const int index = static_cast<int>((tick >> (k_slot_bits * level)) & (k_slots - 1));
    slot = static_cast<std::uint16_t>(level * k_slots + index);
    occupied_[level] |= std::uint64_t{1} << index;
  }
  TimerNode*& head = slot == k_overflow_slot ? overflow_ : slots_[slot];
  node.slot_ = slot;
  node.prev_ = nullptr;
  node.next_ = head;
  if (head != nullptr) head->prev_ = &node;
  head = &node;
}

void TimingWheel::unlink(TimerNode& node) {
  TimerNode*& head = node.slot_ == k_overflow_slot ? overflow_ : slots_[node.slot_];
  if (node.prev_ != nullptr) {
    node.prev_->next_ = node.next_;
  } else {
    head = node.next_;
  }
  if (node.next_ != nullptr) node.next_->prev_ = node.prev_;
  if (head == nullptr && node.slot_ != k_overflow_slot) {
    occupied_[node.slot_ / k_slots] &= ~(std::uint64_t{1} << (node.slot_ % k_slots));
  }
  node.prev_ = node.next_ = nullptr;
}

std::int64_t TimingWheel::next_event_tick(int* level) const {
  std::int64_t best = std::numeric_limits<std::int64_t>::max();
  *level = -1;
  for (int l = 0; l < k_levels; ++l) {
    const int shift = k_slot_bits * l;
    const int index = static_cast<int>((current_tick_ >> shift) & (k_slots - 1));
    // Slots after the clock's own; at level 0 the clock's own slot is handled by advance().
    const std::uint64_t after = index == k_slots - 1 ? 0 : occupied_[l] & (~std::uint64_t{0} << (index + 1));
    if (after == 0) continue;
    const int slot = std::countr_zero(after);
    const std::int64_t rotation = (current_tick_ >> (shift + k_slot_bits)) << (shift + k_slot_bits);
    const std::int64_t tick = rotation + (std::int64_t{slot} << shift);
    // On a tie the higher level goes first: its timers must cascade down before
    // the lower level's slot is expired.
    if (tick < best || (tick == best && l > *level)) {
      best = tick;
      *level = l;
    }
  }
  if (overflow_ != nullptr) {
    const std::int64_t wrap = ((current_tick_ >> k_total_bits) + 1) << k_total_bits;
    if (wrap < best) {
      best = wrap;
      *level = k_levels;
    }
  }
  return best;
}

void TimingWheel::cascade_due_slots() {
  // Re-file the overflow list when the clock has entered a new top rotation.
  if (overflow_ != nullptr && (current_tick_ & ((std::int64_t{1} << k_total_bits) - 1)) == 0) {
    TimerNode* node = overflow_;
    overflow_ = nullptr;
    while (node != nullptr) {
      TimerNode* next = node->next_;
      insert(*node);
      node = next;
    }
  }
  for (int l = k_levels - 1; l >= 1; --l) {
    const int shift = k_slot_bits * l;
    if ((current_tick_ & ((std::int64_t{1} << shift) - 1)) != 0) continue;  // not at this slot's start
    const int index = static_cast<int>((current_tick_ >> shift) & (k_slots - 1));
    const int slot = l * k_slots + index;
    TimerNode* node = slots_[slot];
    if (node == nullptr) continue;
    slots_[slot] = nullptr;
    occupied_[l] &= ~(std::uint64_t{1} << index);
    while (node != nullptr) {
      TimerNode* next = node->next_;
      insert(*node);  // now lands on a lower level
      node = next;
    }
  }
}

void TimingWheel::collect_due(std::int64_t now_ns) {
  const int slot = static_cast<int>(current_tick_ & (k_slots - 1));
  for (TimerNode* node = slots_[slot]; node != nullptr;) {
    TimerNode* next = node->next_;
    if (node->deadline_ns_ <= now_ns) {
      unlink(*node);
      --size_;
      node->state_ = TimerNode::State::firing;
      due_.push_back(node);
    }
    node = next;
  }
  std::sort(due_.begin(), due_.end(), [](const TimerNode* a, const TimerNode* b) {
    return a->deadline_ns_ != b->deadline_ns_ ? a->deadline_ns_ < b->deadline_ns_
                                              : a->sequence_ < b->sequence_;
  });
}

std::int64_t TimingWheel::earliest_in_slot(int slot) const {
  std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
  for (const TimerNode* node = slots_[slot]; node != nullptr; node = node->next_) {
    earliest = std::min(earliest, node->deadline_ns_);
  }
  return earliest;
}

Instant TimingWheel::next_wakeup() const {
  if (size_ == 0) return Instant::never();
  const int current = static_cast<int>(current_tick_ & (k_slots - 1));
  if (slots_[current] != nullptr) return Instant::from_nanoseconds(earliest_in_slot(current));
  int level = -1;
  const std::int64_t tick = next_event_tick(&level);
  if (level == 0) {
    // Every timer in a level-0 slot falls in that one granule: the minimum is exact.
    return Instant::from_nanoseconds(earliest_in_slot(static_cast<int>(tick & (k_slots - 1))));
  }
  if (level < 0) return Instant::never();
  // A higher slot must cascade first: wake at its start (early is harmless).
  return Instant::from_nanoseconds(tick * granule_ns_);
}

}  // namespace finwait
