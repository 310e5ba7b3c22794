#include "tcp/wait_state.h"

namespace finwait::tcp {

using wire::SeqNum;
using wire::TcpFlags;
using wire::TcpSegment;

namespace {

std::uint32_t milliseconds_of(Instant now) {
  return static_cast<std::uint32_t>(now.nanoseconds() / 1'000'000);
}

// Linux's tcp_in_window(): the segment starts at RCV.NXT, or overlaps the
// window, or is an empty segment at its right edge.
bool in_window(SeqNum seq, SeqNum end, SeqNum left, SeqNum right) {
  if (seq == left) return true;
  if (wire::seq_gt(end, left) && wire::seq_lt(seq, right)) return true;
  return seq == right && seq == end;
}

// Linux's tcp_oow_rate_limited(): an ACK for a pure ACK or a SYN leaves at
// most every tcp_invalid_ratelimit, so that two stacks cannot loop; anything
// that carries data or a FIN is always answered.
WaitDisposition rate_limited_ack(WaitState& wait, const TcpSegment& segment, Instant now,
                                 const WaitPolicy& policy) {
  WaitDisposition d;
  const bool limited = segment.sequence_length() == 0 || segment.flags.syn_set();
  const std::uint32_t now_ms = milliseconds_of(now);
  if (limited && wait.oow_ack_sent &&
      now_ms - wait.last_oow_ack_ms < static_cast<std::uint32_t>(policy.oow_ack_gap.milliseconds())) {
    return d;
  }
  if (limited) {
    wait.oow_ack_sent = true;
    wait.last_oow_ack_ms = now_ms;
  }
  d.reply = WaitDisposition::Reply::ack;
  return d;
}

// PAWS for a waiting connection (Linux's tcp_timewait_state_process()).
// Deviation: the 24-day and MSL exceptions need the age of TS.Recent, which
// the compact state does not keep; in Linux these states last an MSL (60 s)
// or less, within which neither exception applies, so finwait leaves them out.
bool wait_paws_rejects(const WaitState& wait, const TcpSegment& segment) {
  const auto ts = segment.options.timestamps();
  if (!wait.timestamps || !ts) return false;
  return paws_rejects(wait.ts_recent, 0, ts->value, 0, 0, false);
}

void take_ts_recent(WaitState& wait, const TcpSegment& segment) {
  if (auto ts = segment.options.timestamps()) wait.ts_recent = ts->value;
}

WaitDisposition on_fin_wait_2(WaitState& wait, const TcpSegment& segment, Instant now,
                              const WaitPolicy& policy) {
  const SeqNum end = segment.seq + segment.sequence_length();
  const SeqNum right = wait.rcv_nxt + wait.rcv_wnd;
  // PAWS first: an old duplicate gets the duplicate ACK an out-of-window segment gets.
  if (wait_paws_rejects(wait, segment)) {
    if (segment.flags.rst_set()) return {};
    return rate_limited_ack(wait, segment, now, policy);
  }
  // RFC 9293 3.10.7.4 first: not acceptable: a (rate-limited) duplicate ACK,
  // "unless the RST bit is set". Deviation: Linux's timewait socket ACKs an
  // out-of-window RST here too; finwait keeps the RFC's silence, as Linux's
  // full socket in the same state does.
  if (!in_window(segment.seq, end, wait.rcv_nxt, right)) {
    if (segment.flags.rst_set()) return {};
    return rate_limited_ack(wait, segment, now, policy);
  }
  WaitDisposition d;
  d.from_peer = true;
  // Second, the RST: the connection is gone.
  if (segment.flags.rst_set()) {
    d.next = State::closed;
    d.cause = Cause::rst_received;
    return d;
  }
  // Fourth, a SYN in the window: Linux resets (TCP_TW_RST).
  if (segment.flags.syn_set() && wire::seq_ge(segment.seq, wait.rcv_nxt)) {
    d.reply = WaitDisposition::Reply::reset;
    return d;
  }
  // A duplicate ACK, or nothing new: nothing to do.
  if (!segment.flags.ack_set() || !wire::seq_gt(end, wait.rcv_nxt) || segment.sequence_length() == 0) return d;
  // New data after the application closed: RST (RFC 1122 4.2.2.13).
  if (!segment.flags.fin_set() || end != wait.rcv_nxt + 1) {
    d.reply = WaitDisposition::Reply::reset;
    d.next = State::closed;
    d.cause = Cause::data_after_close;
    return d;
  }
  // Eighth, the peer's FIN: TIME-WAIT, acknowledge it.
  wait.rcv_nxt = end;
  wait.state = State::time_wait;
  take_ts_recent(wait, segment);
  d.reply = WaitDisposition::Reply::ack;
  d.restart_time_wait = true;
  d.next = State::time_wait;
  d.cause = Cause::fin_received;
  return d;
}

WaitDisposition on_time_wait(WaitState& wait, const TcpSegment& segment, Instant now,
                             const WaitPolicy& policy) {
  WaitDisposition d;
  const bool at_rcv_nxt = segment.seq == wait.rcv_nxt;
  // RFC 7323 5.3 in TIME-WAIT: an old duplicate (by its timestamp) is
  // answered with an ACK and restarts 2 MSL; even a RST (within an MSL).
  const bool paws = wait_paws_rejects(wait, segment);
  if (paws) {
    if (segment.flags.rst_set()) return d;
    d = rate_limited_ack(wait, segment, now, policy);
    d.restart_time_wait = true;
    return d;
  }
  if (at_rcv_nxt && (segment.sequence_length() == 0 || segment.flags.rst_set())) {
    d.from_peer = true;
    if (segment.flags.rst_set()) {
      // RFC 9293: a RST ends TIME-WAIT; RFC 1337 (tcp_rfc1337) ignores it, so
      // that an old RST cannot cut TIME-WAIT short ("TIME-WAIT assassination").
      if (!policy.rfc1337) {
        d.next = State::closed;
        d.cause = Cause::rst_received;
      }
      return d;
    }
    // A bare ACK at RCV.NXT: restart 2 MSL quietly.
    d.restart_time_wait = true;
    take_ts_recent(wait, segment);
    return d;
  }
  // A new SYN that no listener took (the stack asks syn_may_reuse() first):
  // acknowledged, not rate-limited (Linux's TCP_TW_SYN falling to TCP_TW_ACK).
  if (syn_may_reuse(wait, segment)) {
    d.reply = WaitDisposition::Reply::ack;
    return d;
  }
  if (segment.flags.rst_set()) return d;
  // "The only thing that can arrive in this state is a retransmission of the
  // remote FIN. Acknowledge it, and restart the 2 MSL timeout." Anything else
  // gets the same duplicate ACK; a SYN without an ACK (an old duplicate or a
  // new SYN below RCV.NXT) does not restart the timer.
  d = rate_limited_ack(wait, segment, now, policy);
  d.restart_time_wait = segment.flags.ack_set();
  return d;
}

}  // namespace

WaitDisposition on_wait_segment(WaitState& wait, const TcpSegment& segment, Instant now,
                                const WaitPolicy& policy) {
  return wait.state == State::fin_wait_2 ? on_fin_wait_2(wait, segment, now, policy)
                                         : on_time_wait(wait, segment, now, policy);
}

bool paws_rejects(std::uint32_t ts_recent, std::uint32_t ts_recent_s, std::uint32_t tsval, std::uint32_t now_s,
                  std::int32_t window, bool rst) {
  constexpr std::uint32_t k_paws_wrap_s = 24 * 24 * 3600;  // Linux's TCP_PAWS_WRAP: 24 days
  constexpr std::uint32_t k_paws_msl_s = 60;              // TCP_PAWS_MSL
  if (static_cast<std::int32_t>(ts_recent - tsval) <= window) return false;
  if (now_s - ts_recent_s >= k_paws_wrap_s) return false;
  if (ts_recent == 0) return false;
  if (rst && now_s - ts_recent_s >= k_paws_msl_s) return false;
  return true;
}

bool syn_may_reuse(const WaitState& wait, const TcpSegment& segment) {
  if (wait.state != State::time_wait) return false;
  if (!segment.flags.syn_set() || segment.flags.rst_set() || segment.flags.ack_set()) return false;
  auto ts = segment.options.timestamps();
  // A SYN that PAWS finds old never reuses the 4-tuple, whatever its sequence number.
  const bool old_by_timestamp =
      wait.timestamps && ts && wait.ts_recent != 0 && static_cast<std::int32_t>(wait.ts_recent - ts->value) > 0;
  if (old_by_timestamp) return false;
  if (wire::seq_gt(segment.seq, wait.rcv_nxt)) return true;
  return wait.timestamps && ts && static_cast<std::int32_t>(wait.ts_recent - ts->value) < 0;
}

TcpSegment wait_ack(const WaitState& wait, std::uint16_t local_port, std::uint16_t remote_port, Instant now) {
  TcpSegment ack;
  ack.src_port = local_port;
  ack.dst_port = remote_port;
  ack.seq = wait.snd_nxt;
  ack.ack = wait.rcv_nxt;
  ack.flags = TcpFlags(TcpFlags::ack);
  ack.window = wait.window;
  if (wait.timestamps) {
    ack.options.add_nop().add_nop().add_timestamps(milliseconds_of(now) + wait.ts_offset, wait.ts_recent);
  }
  return ack;
}

TcpSegment reset_reply(const TcpSegment& to) {
  TcpSegment reset;
  reset.src_port = to.dst_port;
  reset.dst_port = to.src_port;
  if (to.flags.ack_set()) {
    reset.seq = to.ack;
    reset.flags = TcpFlags(TcpFlags::rst);
  } else {
    reset.ack = to.seq + to.sequence_length();
    reset.flags = TcpFlags(TcpFlags::rst | TcpFlags::ack);
  }
  return reset;
}

}  // namespace finwait::tcp
