#include "tcp/ecn.h"

namespace finwait::tcp {

using wire::Ecn;
using wire::TcpFlags;
using wire::TcpSegment;

bool EcnState::listener_agrees(int tcp_ecn, const TcpSegment& syn) {
  if (tcp_ecn == 0 || !syn_asks(syn)) return false;
  return syn.ecn == Ecn::not_ect || syn.reserved != 0;
}

void EcnState::on_syn_answer(const TcpSegment& segment) {
  if (!agreed_) return;
  const bool ece = segment.flags.has(TcpFlags::ece);
  const bool cwr = segment.flags.has(TcpFlags::cwr);
  if (segment.flags.ack_set()) {
    // Linux's tcp_ecn_rcv_synack: "ECE without CWR" is the only yes.
    agreed_ = ece && !cwr;
  } else {
    // tcp_ecn_rcv_syn: a crossing SYN must have asked too.
    agreed_ = ece && cwr;
  }
}

EcnState::AckUrge EcnState::on_data(const TcpSegment& segment) {
  if (!agreed_ || segment.payload.empty()) return AckUrge::none;
  AckUrge urge = AckUrge::none;
  if (segment.flags.has(TcpFlags::cwr)) {
    // The sender has reduced its window: stop echoing, and acknowledge at
    // once (its window may be one segment).
    demand_cwr_ = false;
    urge = AckUrge::ack_now;
  }
  switch (segment.ecn) {
    case Ecn::not_ect:
      // ECT seen before and now Not-ECT: probably a retransmission (Linux).
      if (seen_ect_ && urge == AckUrge::none) urge = AckUrge::quick_acks;
      break;
    case Ecn::ce:
      if (!demand_cwr_) {
        // RFC 3168 6.1.3: echo until CWR; the sender's window may be small,
        // so do not delay the ACKs that carry the echo.
        demand_cwr_ = true;
        if (urge == AckUrge::none) urge = AckUrge::quick_acks;
      }
      seen_ect_ = true;
      break;
    default: seen_ect_ = true; break;
  }
  return urge;
}

void EcnState::mark_handshake(TcpSegment& segment, bool syn_ack) const {
  if (!agreed_) return;
  if (syn_ack) {
    segment.flags = segment.flags.with(TcpFlags::ece);
  } else {
    segment.flags = segment.flags.with(TcpFlags::ece | TcpFlags::cwr);
  }
}

void EcnState::mark_new_data(TcpSegment& segment) {
  if (!agreed_ || segment.payload.empty()) return;
  segment.ecn = Ecn::ect0;
  if (queue_cwr_) {
    queue_cwr_ = false;
    segment.flags = segment.flags.with(TcpFlags::cwr);
  }
}

void EcnState::mark_echo(TcpSegment& segment) const {
  if (agreed_ && demand_cwr_ && !segment.flags.syn_set()) segment.flags = segment.flags.with(TcpFlags::ece);
}

}  // namespace finwait::tcp
