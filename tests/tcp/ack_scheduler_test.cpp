#include "tcp/ack_scheduler.h"

#include <gtest/gtest.h>

namespace finwait::tcp {
namespace {

Instant at_ms(int ms) {
  return Instant{} + milliseconds(ms);
}

TEST(AckScheduler, AtOnceBeforeAnyData) {
  AckScheduler s;
  EXPECT_TRUE(s.need_ack(at_ms(0)));
}

TEST(AckScheduler, QuickAcksThenDelayed) {
  AckScheduler s;
  // A 4 KiB window with 1000-byte segments: max(2, 4096 / 2000) = 2 quick ACKs.
  for (int i = 0; i < 2; ++i) {
    s.on_data(1000, 1000, 4096, at_ms(i));
    EXPECT_TRUE(s.need_ack(at_ms(i)));
    s.on_ack_sent();
  }
  s.on_data(1000, 1000, 4096, at_ms(10));
  EXPECT_FALSE(s.need_ack(at_ms(10)));
  EXPECT_EQ(s.deadline(), at_ms(50));
  // A second full segment unacknowledged: at once (RFC 9293 3.8.6.3).
  s.on_data(1000, 1000, 4096, at_ms(20));
  EXPECT_TRUE(s.need_ack(at_ms(20)));
}

TEST(AckScheduler, PingPongTurnsQuickAcksOff) {
  AckScheduler s;
  s.on_data(100, 100, 65535, at_ms(0));
  s.on_fin_in_established();
  EXPECT_FALSE(s.need_ack(at_ms(0)));
  s.on_timer_fired();
  s.on_ack_sent();
  s.on_data(100, 100, 65535, at_ms(100));
  EXPECT_TRUE(s.need_ack(at_ms(100)));
}

TEST(AckScheduler, AckEverySegmentTunable) {
  AckScheduler s;
  s.configure(milliseconds(40), true);
  for (int i = 0; i < 40; ++i) {
    s.on_data(10, 10, 65535, at_ms(i));
    EXPECT_TRUE(s.need_ack(at_ms(i)));
    s.on_ack_sent();
  }
}

TEST(AckScheduler, AFilledGapDoesNotInflateTheMssEstimate) {
  AckScheduler s;
  s.configure(milliseconds(40), false);
  for (int i = 0; i < 20; ++i) {  // out of quick-ACK mode
    s.on_data(1000, 1000, 65535, at_ms(i));
    (void)s.need_ack(at_ms(i));
    s.on_ack_sent();
  }
  s.on_fin_in_established();  // ping-pong: delayed ACKs from here on
  s.on_data(60000, 1000, 65535, at_ms(30));  // one segment released 59 KB held out of order
  s.on_ack_sent();
  s.on_data(1000, 1000, 65535, at_ms(31));
  s.on_data(1000, 1000, 65535, at_ms(32));
  EXPECT_TRUE(s.need_ack(at_ms(32))) << "two full segments: ACK at once";
}

}  // namespace
}  // namespace finwait::tcp
