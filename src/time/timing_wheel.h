// A hierarchical timing wheel (Varghese and Lauck, 1987): O(1) arm, re-arm
// and cancel; expiry cost proportional to the timers that expire, plus one
// step per occupied slot that the clock passes. It knows nothing of TCP.
//
// Six levels of 64 slots each; a slot at level L spans 64^L granules. With the
// default 1 ms granule the wheel spans 2^36 ms (about two years); later
// deadlines wait in an overflow list. Empty stretches of time are skipped with
// one bitmap per level, so jumping hours ahead in virtual time costs nothing.
//
// Guarantees: a timer never fires before its deadline; timers fire in the
// order of (deadline, order of arming); next_wakeup() is never later than the
// earliest deadline and is exact when that deadline lies within the current
// level-0 rotation, so a caller that sleeps until next_wakeup() and then calls
// advance() fires each timer at its exact deadline.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "time/instant.h"

namespace finwait {

class TimingWheel;

// Embedded in whatever owns the timer. Not copyable while armed: the wheel
// links to it by address.
class TimerNode {
 public:
  TimerNode() = default;
  TimerNode(const TimerNode&) = delete;
  TimerNode& operator=(const TimerNode&) = delete;

  bool armed() const { return state_ == State::armed; }
  Instant deadline() const { return Instant::from_nanoseconds(deadline_ns_); }

 private:
  friend class TimingWheel;
  enum class State : std::uint8_t { idle, armed, firing };
  TimerNode* prev_ = nullptr;
  TimerNode* next_ = nullptr;
  std::int64_t deadline_ns_ = 0;
  std::uint64_t sequence_ = 0;
  std::uint16_t slot_ = 0;
  State state_ = State::idle;

 public:
  // For the owner (an index, say): passed back untouched when the timer
  // fires. 32 bits and last, beside slot_ and state_, so that a node takes
  // 40 bytes, not 48: every connection holds one.
  std::uint32_t cookie = 0;
};

class TimingWheel {
 public:
  static constexpr int k_levels = 6;
  static constexpr int k_slot_bits = 6;
  static constexpr int k_slots = 1 << k_slot_bits;

  explicit TimingWheel(Duration granule = milliseconds(1), Instant start = Instant{});
  TimingWheel(const TimingWheel&) = delete;
  TimingWheel& operator=(const TimingWheel&) = delete;

  // Arms the timer (re-arms it if armed). A deadline in the past fires at the
  // next advance().
  void arm(TimerNode& node, Instant deadline);
  void cancel(TimerNode& node);

  // Fires, in (deadline, arming order), every timer whose deadline is <= now,
  // calling on_expired(TimerNode&) for each. The callback may arm and cancel
  // timers, the one that fired included.
  template <class OnExpired>
  void advance(Instant now, OnExpired&& on_expired);

  // No later than the earliest deadline; Instant::never() when nothing is armed.
  Instant next_wakeup() const;

  std::size_t size() const { return size_; }
  Duration granule() const { return Duration::from_nanoseconds(granule_ns_); }

 private:
  static constexpr std::uint16_t k_overflow_slot = k_levels * k_slots;

  std::int64_t tick_of(std::int64_t ns) const { return ns / granule_ns_; }
  void insert(TimerNode& node);
  void unlink(TimerNode& node);
  // The earliest tick after current_tick_ at which a slot must be expired or
  // cascaded, and the level it is on (-1 for none).
  std::int64_t next_event_tick(int* level) const;
  void cascade_due_slots();
  // Collects the current level-0 slot's timers due at `now_ns`, sorted.
  void collect_due(std::int64_t now_ns);
  std::int64_t earliest_in_slot(int slot) const;

  std::int64_t granule_ns_;
  std::int64_t current_tick_;
  std::uint64_t next_sequence_ = 0;
  std::size_t size_ = 0;
  std::array<TimerNode*, k_levels * k_slots> slots_{};
  std::array<std::uint64_t, k_levels> occupied_{};
  TimerNode* overflow_ = nullptr;
  std::vector<TimerNode*> due_;  // reused: no allocation in steady state
};

template <class OnExpired>
void TimingWheel::advance(Instant now, OnExpired&& on_expired) {
  const std::int64_t target = tick_of(now.nanoseconds());
  while (true) {
    collect_due(now.nanoseconds());
    // Fire in order. A callback may cancel a timer collected here (it is then
    // skipped) or re-arm one (it then waits for its new deadline).
    for (std::size_t i = 0; i < due_.size(); ++i) {
      TimerNode* node = due_[i];
      if (node->state_ != TimerNode::State::firing) continue;
      node->state_ = TimerNode::State::idle;
      on_expired(*node);
    }
    due_.clear();
    // Callbacks may have armed timers that are already due.
    const int slot = static_cast<int>(current_tick_ & (k_slots - 1));
    if (slots_[slot] != nullptr && earliest_in_slot(slot) <= now.nanoseconds()) continue;
    if (current_tick_ >= target) break;
    int level = -1;
    const std::int64_t next = next_event_tick(&level);
    current_tick_ = (level < 0 || next > target) ? target : next;
    cascade_due_slots();
  }
}

}  // namespace finwait
