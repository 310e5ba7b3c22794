// The two states in which a connection only waits: FIN-WAIT-2 after the
// application has closed (an orphan, waiting for the peer's FIN) and
// TIME-WAIT (2 MSL). What such a connection needs is small: the two sequence
// numbers, the window it last offered and the timestamps it echoes. This is
// that state's one representation (netstack3's "one type per state",
// STYLE.md) and its one segment-arrival rule: the full tcp::Connection and
// the stack's compact parked table both hold a WaitState and both answer
// through on_wait_segment(), so what goes on the wire never depends on
// whether a connection was parked.
//
// The rules are Linux's tcp_timewait_state_process(), which is RFC 9293
// 3.10.7.4 for these two states with RFC 1337 optional and Linux's choices
// where the RFC leaves room.
//
// Deviation: Linux keeps an orphaned FIN-WAIT-2 as a full socket while more
// than 60 s of tcp_fin_timeout remain, and answers a SYN or an inexact RST
// there with a challenge ACK; finwait answers every orphaned FIN-WAIT-2 as
// Linux's timewait socket does (a RST for the SYN, the RST accepted), so
// that the answer does not depend on the timeout chosen.
#pragma once

#include <cstdint>
#include <optional>

#include "tcp/cause.h"
#include "tcp/state.h"
#include "time/instant.h"
#include "wire/seq_num.h"
#include "wire/tcp_header.h"

namespace finwait::tcp {

struct WaitState {
  wire::SeqNum snd_nxt;  // our FIN has been acknowledged: SND.UNA = SND.NXT
  wire::SeqNum rcv_nxt;
  std::uint32_t ts_recent = 0;     // RFC 7323: the TSval to echo
  std::uint32_t ts_offset = 0;     // RFC 7323 5.4: this connection's TSval offset
  std::uint32_t last_oow_ack_ms = 0;  // when the last rate-limited ACK left
  std::uint32_t rcv_wnd = 0;       // the window promised, in bytes (the acceptability test)
  std::uint16_t window = 0;        // the window field to offer (already scaled)
  State state = State::time_wait;  // fin_wait_2 or time_wait
  bool timestamps : 1 = false;     // RFC 7323 negotiated
  bool oow_ack_sent : 1 = false;   // last_oow_ack_ms is meaningful
};
// Small by construction: the stack parks hundreds of thousands of them.
static_assert(sizeof(WaitState) == 28);

// RFC 7323 5 (PAWS), as Linux's tcp_paws_check() and tcp_paws_reject(): a
// segment whose TSval is older than TS.Recent by more than `window` is an
// old duplicate, unless TS.Recent is older than 24 days (the clock may have
// wrapped) or is zero (peers that send 0 in the SYN); a RST is let through
// once TS.Recent is an MSL (60 s) old (a peer that rebooted).
bool paws_rejects(std::uint32_t ts_recent, std::uint32_t ts_recent_s, std::uint32_t tsval, std::uint32_t now_s,
                  std::int32_t window, bool rst);

struct WaitPolicy {
  bool rfc1337 = false;     // tcp_rfc1337: a RST does not end TIME-WAIT
  Duration oow_ack_gap;     // tcp_invalid_ratelimit
};

// What a segment did to a waiting connection; the holder carries it out.
struct WaitDisposition {
  enum class Reply : std::uint8_t { none, ack, reset };
  Reply reply = Reply::none;       // ack: wait_ack(); reset: reset_reply() to the segment
  bool restart_time_wait = false;  // (re)start 2 MSL from now
  bool from_peer = false;          // an acceptable segment from the peer (keepalive's idle clock)
  std::optional<State> next;       // the new state (CLOSED: the connection is gone)
  Cause cause = Cause::fin_received;
};

WaitDisposition on_wait_segment(WaitState& wait, const wire::TcpSegment& segment, Instant now,
                                const WaitPolicy& policy);

// A SYN that may open a new connection with the same 4-tuple: beyond the
// old sequence space or with a newer timestamp (Linux's TCP_TW_SYN; the
// idea of RFC 6191). If something listens, the TIME-WAIT gives way to it;
// otherwise on_wait_segment() answers with an ACK.
bool syn_may_reuse(const WaitState& wait, const wire::TcpSegment& segment);

// <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, with timestamps if negotiated.
wire::TcpSegment wait_ack(const WaitState& wait, std::uint16_t local_port, std::uint16_t remote_port,
                          Instant now);

// RFC 9293 3.10.7.1: the reset that answers `to`: <SEQ=SEG.ACK><CTL=RST> if
// it carries an ACK, else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
wire::TcpSegment reset_reply(const wire::TcpSegment& to);

}  // namespace finwait::tcp
