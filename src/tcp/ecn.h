// Explicit Congestion Notification for one connection (RFC 3168 6.1), as
// Linux 6.x does it (tcp_ecn.h):
//  - the SYN asks with ECE and CWR when tcp_ecn is 1 (3 too: AccECN is not
//    built, so its modes ask and answer as classic ECN); a retransmitted SYN
//    no longer asks when tcp_ecn_fallback is set;
//  - a listener agrees (ECE on the SYN-ACK) when tcp_ecn is not 0 and the
//    SYN asked, unless the SYN itself came ECN-capable with no reserved bit
//    (Linux's tcp_ecn_create_request takes that for a middlebox's doing);
//  - the active side takes a SYN-ACK with ECE and without CWR as agreement;
//  - once agreed, new data goes out ECT(0) (RFC 3168 6.1.5: never
//    retransmissions, ACKs or SYNs), the first after a window reduction with
//    CWR; every segment echoes ECE from a CE mark until a CWR arrives.
#pragma once

#include "wire/tcp_header.h"

namespace finwait::tcp {

class EcnState {
 public:
  // What an arriving data segment asks of the ACK machinery.
  enum class AckUrge { none, quick_acks, ack_now };

  // An ECN-setup SYN carries ECE and CWR (RFC 3168 6.1.1).
  static bool syn_asks(const wire::TcpSegment& syn) {
    return syn.flags.has(wire::TcpFlags::ece) && syn.flags.has(wire::TcpFlags::cwr);
  }
  static bool asks_on_connect(int tcp_ecn) { return tcp_ecn == 1 || tcp_ecn == 3; }
  static bool listener_agrees(int tcp_ecn, const wire::TcpSegment& syn);

  bool agreed() const { return agreed_; }
  bool seen_ect() const { return seen_ect_; }  // TCPI_OPT_ECN_SEEN

  // Active open: the SYN asks (or not); a retransmitted SYN per tcp_ecn_fallback.
  void on_syn_sent(bool asked) { agreed_ = asked; }
  void on_syn_retransmitted(bool fallback) {
    if (fallback) agreed_ = false;
  }
  // The answer in SYN-SENT: a SYN-ACK (RFC 3168 6.1.1) or, in a
  // simultaneous open, a SYN that asked too.
  void on_syn_answer(const wire::TcpSegment& segment);
  // Passive open, from the listener's decision.
  void on_syn_received(bool agreed) { agreed_ = agreed; }

  // A data segment arrived in order or not (RFC 3168 6.1.3, Linux's
  // tcp_ecn_accept_cwr then __tcp_ecn_check_ce).
  AckUrge on_data(const wire::TcpSegment& segment);
  // An acknowledgment echoing congestion (RFC 3168 6.1.2).
  bool echo_received(const wire::TcpSegment& segment) const {
    return agreed_ && segment.flags.has(wire::TcpFlags::ece) && !segment.flags.syn_set();
  }
  // The sender reduced its window: the next new data carries CWR.
  void queue_cwr() {
    if (agreed_) queue_cwr_ = true;
  }

  // Outgoing: marks on a SYN or SYN-ACK, on new data, and on every segment.
  void mark_handshake(wire::TcpSegment& segment, bool syn_ack) const;
  void mark_new_data(wire::TcpSegment& segment);
  void mark_echo(wire::TcpSegment& segment) const;

 private:
  bool agreed_ = false;
  bool queue_cwr_ = false;   // Linux's TCP_ECN_QUEUE_CWR
  bool demand_cwr_ = false;  // TCP_ECN_DEMAND_CWR: echo ECE until CWR comes
  bool seen_ect_ = false;    // TCP_ECN_SEEN
};

}  // namespace finwait::tcp
