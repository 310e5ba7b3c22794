#include "tcp/send_chrono.h"

namespace finwait::tcp {

std::uint32_t SendChrono::running_ms(Instant now) const {
  if (running_ == Kind::none || since_ == Instant::never()) return 0;
  const std::int64_t ms = (now - since_).nanoseconds() / 1'000'000;
  return ms <= 0 ? 0 : static_cast<std::uint32_t>(ms);
}

void SendChrono::set(Kind kind, Instant now) {
  // Linux's tcp_chrono_set(): the running clock's time is banked whole
  // milliseconds at a time; what is left over starts the next one.
  if (running_ != Kind::none) {
    const std::uint32_t ms = running_ms(now);
    spent_ms_[static_cast<std::size_t>(running_) - 1] += ms;
    since_ = since_ + milliseconds(ms);
  } else {
    since_ = now;
  }
  running_ = kind;
}

void SendChrono::start(Kind kind, Instant now) {
  if (kind > running_) set(kind, now);
}

void SendChrono::stop(Kind kind, bool queues_empty, Instant now) {
  if (queues_empty) {
    set(Kind::none, now);
  } else if (kind == running_) {
    set(Kind::busy, now);
  }
}

std::uint64_t SendChrono::micros(Kind kind, Instant now) const {
  auto spent = [&](Kind k) {
    std::uint64_t ms = spent_ms_[static_cast<std::size_t>(k) - 1];
    if (k == running_) ms += running_ms(now);
    return ms * 1000;
  };
  if (kind == Kind::busy) return spent(Kind::busy) + spent(Kind::rwnd_limited);
  if (kind == Kind::none) return 0;
  return spent(kind);
}

}  // namespace finwait::tcp
