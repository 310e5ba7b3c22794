#include "time/timing_wheel.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <utility>
#include <vector>

namespace finwait {
namespace {

Instant at(std::int64_t ns) {
  return Instant::from_nanoseconds(ns);
}

struct Fired {
  std::uint64_t cookie;
  std::int64_t at_ns;
  bool operator==(const Fired&) const = default;
};

TEST(TimingWheel, FiresAtTheExactDeadlineWhenDrivenByNextWakeup) {
  TimingWheel wheel;
  TimerNode a;
  TimerNode b;
  TimerNode c;
  a.cookie = 1;
  b.cookie = 2;
  c.cookie = 3;
  wheel.arm(a, at(seconds(600).nanoseconds() + 123));
  wheel.arm(b, at(hours(2).nanoseconds() + seconds(600).nanoseconds()));
  wheel.arm(c, at(milliseconds(5).nanoseconds()));
  std::vector<Fired> fired;
  while (wheel.size() > 0) {
    const Instant wake = wheel.next_wakeup();
    wheel.advance(wake, [&](TimerNode& node) { fired.push_back({node.cookie, wake.nanoseconds()}); });
  }
  EXPECT_EQ(fired, (std::vector<Fired>{{3, milliseconds(5).nanoseconds()},
                                       {1, seconds(600).nanoseconds() + 123},
                                       {2, seconds(7800).nanoseconds()}}));
}

TEST(TimingWheel, NeverFiresEarly) {
  TimingWheel wheel;
  TimerNode node;
  wheel.arm(node, at(1'500'000));  // 1.5 ms: inside the second granule
  int count = 0;
  wheel.advance(at(1'499'999), [&](TimerNode&) { ++count; });
  EXPECT_EQ(count, 0);
  EXPECT_EQ(wheel.next_wakeup(), at(1'500'000));
  wheel.advance(at(1'500'000), [&](TimerNode&) { ++count; });
  EXPECT_EQ(count, 1);
  EXPECT_FALSE(node.armed());
  EXPECT_EQ(wheel.next_wakeup(), Instant::never());
}

TEST(TimingWheel, EqualDeadlinesFireInArmingOrder) {
  TimingWheel wheel;
  std::vector<std::unique_ptr<TimerNode>> nodes;
  for (std::uint64_t i = 0; i < 10; ++i) {
    nodes.push_back(std::make_unique<TimerNode>());
    nodes.back()->cookie = i;
  }
  // Arm in a scrambled order, all at the same deadline.
  const std::uint64_t order[] = {7, 2, 9, 0, 5, 1, 8, 3, 6, 4};
  for (std::uint64_t i : order) wheel.arm(*nodes[i], at(seconds(75).nanoseconds()));
  std::vector<std::uint64_t> fired;
  wheel.advance(at(seconds(100).nanoseconds()), [&](TimerNode& n) { fired.push_back(n.cookie); });
  EXPECT_EQ(fired, std::vector<std::uint64_t>(std::begin(order), std::end(order)));
}

TEST(TimingWheel, CancelAndRearm) {
  TimingWheel wheel;
  TimerNode a;
  TimerNode b;
  wheel.arm(a, at(seconds(10).nanoseconds()));
  wheel.arm(b, at(seconds(20).nanoseconds()));
  wheel.cancel(a);
  EXPECT_FALSE(a.armed());
  EXPECT_EQ(wheel.size(), 1u);
  wheel.arm(b, at(seconds(5).nanoseconds()));  // re-arm earlier
  EXPECT_EQ(wheel.size(), 1u);
  EXPECT_LE(wheel.next_wakeup(), at(seconds(5).nanoseconds()));
  std::int64_t fired_at = 0;
  while (wheel.size() > 0) {
    const Instant wake = wheel.next_wakeup();
    wheel.advance(wake, [&](TimerNode&) { fired_at = wake.nanoseconds(); });
  }
  EXPECT_EQ(fired_at, seconds(5).nanoseconds());
}

TEST(TimingWheel, CallbackMayCancelAnotherDueTimerAndRearmItself) {
  TimingWheel wheel;
  TimerNode a;
  TimerNode b;
  a.cookie = 1;
  b.cookie = 2;
  wheel.arm(a, at(1000));
  wheel.arm(b, at(1000));
  std::vector<std::uint64_t> fired;
  wheel.advance(at(2'000'000), [&](TimerNode& node) {
    fired.push_back(node.cookie);
    if (node.cookie == 1) {
      wheel.cancel(b);
      wheel.arm(a, at(seconds(1).nanoseconds()));
    }
  });
  EXPECT_EQ(fired, std::vector<std::uint64_t>{1});
  EXPECT_TRUE(a.armed());
  EXPECT_FALSE(b.armed());
}

TEST(TimingWheel, PastDeadlineFiresAtNextAdvance) {
  TimingWheel wheel(milliseconds(1), at(seconds(100).nanoseconds()));
  TimerNode node;
  wheel.arm(node, at(seconds(50).nanoseconds()));
  EXPECT_LE(wheel.next_wakeup(), at(seconds(100).nanoseconds()));
  int count = 0;
  wheel.advance(at(seconds(100).nanoseconds()), [&](TimerNode&) { ++count; });
  EXPECT_EQ(count, 1);
}

TEST(TimingWheel, DeadlinesBeyondTheWheelWaitInOverflow) {
  TimingWheel wheel;
  TimerNode far;
  const std::int64_t thirty_years = hours(24 * 365 * 30).nanoseconds();
  wheel.arm(far, at(thirty_years));
  int count = 0;
  std::int64_t fired_at = 0;
  for (int steps = 0; wheel.size() > 0 && steps < 1000; ++steps) {
    const Instant wake = wheel.next_wakeup();
    ASSERT_LE(wake.nanoseconds(), thirty_years);
    wheel.advance(wake, [&](TimerNode&) {
      ++count;
      fired_at = wake.nanoseconds();
    });
  }
  EXPECT_EQ(count, 1);
  EXPECT_EQ(fired_at, thirty_years);
}

// Against a reference model: random arms, re-arms, cancels and advances; every
// timer fires exactly once, at the first advance whose time reaches its
// deadline, in (deadline, arming order).
TEST(TimingWheel, MatchesReferenceModel) {
  std::mt19937_64 random(20261125);
  for (int round = 0; round < 20; ++round) {
    TimingWheel wheel(microseconds(100 + round * 37));
    constexpr int k_timers = 300;
    std::vector<std::unique_ptr<TimerNode>> nodes;
    for (int i = 0; i < k_timers; ++i) {
      nodes.push_back(std::make_unique<TimerNode>());
      nodes.back()->cookie = static_cast<std::uint64_t>(i);
    }
    std::map<std::pair<std::int64_t, std::uint64_t>, int> reference;  // (deadline, sequence) -> timer
    std::vector<std::pair<std::int64_t, std::uint64_t>> key_of(k_timers, {-1, 0});
    std::uint64_t sequence = 0;
    std::int64_t now = 0;
    for (int step = 0; step < 3000; ++step) {
      const int i = static_cast<int>(random() % k_timers);
      const int action = static_cast<int>(random() % 10);
      if (action < 5) {
        // Spread over microseconds to days, so every level is used.
        const int magnitude = static_cast<int>(random() % 12);
        std::int64_t delay = static_cast<std::int64_t>(random() % 1000);
        for (int m = 0; m < magnitude; ++m) delay *= 7;
        const std::int64_t deadline = now + delay - 50;  // sometimes in the past
        if (key_of[i].first >= 0) reference.erase(key_of[i]);
        key_of[i] = {deadline, sequence++};
        reference[key_of[i]] = i;
        wheel.arm(*nodes[i], at(deadline));
      } else if (action < 7) {
        if (key_of[i].first >= 0) reference.erase(key_of[i]);
        key_of[i] = {-1, 0};
        wheel.cancel(*nodes[i]);
      } else {
        const std::int64_t next = action == 9 && !reference.empty()
                                      ? wheel.next_wakeup().nanoseconds()
                                      : now + static_cast<std::int64_t>(random() % 5'000'000);
        if (!reference.empty()) {
          ASSERT_LE(wheel.next_wakeup().nanoseconds(), reference.begin()->first.first);
        }
        now = std::max(now, next);
        std::vector<int> expected;
        while (!reference.empty() && reference.begin()->first.first <= now) {
          expected.push_back(reference.begin()->second);
          key_of[reference.begin()->second] = {-1, 0};
          reference.erase(reference.begin());
        }
        std::vector<int> fired;
        wheel.advance(at(now), [&](TimerNode& node) { fired.push_back(static_cast<int>(node.cookie)); });
        ASSERT_EQ(fired, expected) << "round " << round << " step " << step;
      }
      ASSERT_EQ(wheel.size(), reference.size());
    }
  }
}

TEST(FormatDuration, ReadableAtEveryScale) {
  EXPECT_EQ(format_duration(milliseconds(75)), "75ms");
  EXPECT_EQ(format_duration(seconds(75)), "1m15s");
  EXPECT_EQ(format_duration(seconds(600)), "10m00s");
  EXPECT_EQ(format_duration(seconds(7800)), "2h10m00s");
  EXPECT_EQ(format_duration(seconds(3)), "3s");
  EXPECT_EQ(format_duration(milliseconds(1500)), "1.500s");
  EXPECT_EQ(format_duration(milliseconds(60100)), "1m00.100s");
}

}  // namespace
}  // namespace finwait
