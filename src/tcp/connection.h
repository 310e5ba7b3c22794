// One TCP connection: the RFC 9293 state machine, sans I/O (STYLE.md rule 4).
//
// Driven by on_segment(segment, now), on_timer(now) and the user calls; it
// answers with segments to send (outgoing()), events (events()) and the next
// instant it wants on_timer() called (next_deadline()). It reads no clock,
// touches no device and starts no thread, so the same code runs under virtual
// time in the simulator and under real time on TUN.
//
// The implementation is split by concept:
//   connection.cpp          opening, user calls, options, state changes
//   connection_input.cpp    segment arrival (RFC 9293 3.10.7)
//   connection_output.cpp   building and sending segments
//   connection_timers.cpp   every timer and what it ends with
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "base/errno.h"
#include "base/result.h"
#include "base/spare_storage.h"
#include "base/tunables.h"
#include "tcp/ack_scheduler.h"
#include "tcp/byte_queue.h"
#include "tcp/congestion_control.h"
#include "tcp/ecn.h"
#include "tcp/event.h"
#include "tcp/handshake_options.h"
#include "tcp/reassembly.h"
#include "tcp/receive_window.h"
#include "tcp/receiver_sacks.h"
#include "tcp/retransmit_queue.h"
#include "tcp/rtt_estimator.h"
#include "tcp/send_chrono.h"
#include "tcp/socket_options.h"
#include "tcp/state.h"
#include "tcp/tcp_info.h"
#include "tcp/transfer_counters.h"
#include "tcp/wait_state.h"
#include "time/instant.h"
#include "wire/tcp_header.h"

namespace finwait::tcp {

// Limits the challenge ACKs (RFC 5961 3-5) of a whole stack; a connection
// asks before sending one. Optional: without one, only the per-connection
// limit (tcp_invalid_ratelimit) applies.
class ChallengeAckLimiter {
 public:
  virtual ~ChallengeAckLimiter() = default;
  virtual bool allow(Instant now) = 0;
};

// What a connection has to say until its stack reads it: segments to
// transmit, in order, and events.
struct ConnectionOutput {
  std::vector<wire::TcpSegment> segments;
  std::vector<Event> events;
};

// What a stack lends its connections (base/spare_storage.h): the output
// lists, taken back each time the stack has read them, and the storage of
// the retransmission queue, taken back when it empties.
struct SpareStorage {
  SparePool<ConnectionOutput, 4> outputs;  // one is out at a time: the connection being synced
  SparePool<RetransmitEntries> retransmit;  // a queue's entries while anything is in flight
  BytePool byte_buffers;  // the send and receive queues'
  SparePool<OptionOffer> offers;  // held from the SYN until ESTABLISHED
};

// What every connection of a stack shares, held through one pointer so that
// an idle connection pays 8 bytes for it, not 40. It outlives the connections.
struct ConnectionContext {
  const Tunables* tunables = nullptr;  // the stack's; read when timers are armed
  ChallengeAckLimiter* challenge_acks = nullptr;
  TransferCounters* counters = nullptr;  // the stack's; none: counted nowhere
  // The stack's: true while the device's queue refuses every packet (a
  // qdisc with no room), so that new data is not sent, as a local drop.
  const bool* device_refuses = nullptr;
  SpareStorage* spares = nullptr;  // the stack's; none: each connection keeps its own
};

struct ConnectionConfig {
  const ConnectionContext* context = nullptr;  // required, with its tunables
  std::uint16_t local_port = 0;
  std::uint16_t remote_port = 0;
  std::uint16_t local_mss = 1460;  // from the device MTU
  // A device that segments (TSO) takes TCP packets up to this size; the
  // sender then builds segments of several MSS at once. 0: one MSS each.
  std::uint32_t max_segmented_packet = 0;
  // A device that hands up coalesced packets (GRO, or packetdrill's tun with
  // --mss) built them from segments of this size. 0: each is one segment.
  std::uint32_t received_segment_size = 0;
  // RFC 7323 5.4: a per-connection offset hides the clock in TSval (injected
  // like the ISN, so tests are repeatable).
  std::uint32_t timestamp_offset = 0;
  // Shared, never changed in place: the children of one listener, and the
  // connections that took the defaults, hold one copy between them
  // (set_options() gives a connection its own). nullptr: the defaults.
  std::shared_ptr<const SocketOptions> options;
};

enum class Shutdown : std::uint8_t { read, write, both };

// What close() did.
enum class CloseOutcome : std::uint8_t {
  closed,     // nothing left: the connection is CLOSED (SYN-SENT, or aborted)
  orphaned,   // it goes on without the application (FIN sent or queued)
  lingering,  // SO_LINGER {1, N}: a linger_done event follows
};

// send()'s flags as TCP sees them: MSG_MORE holds a short tail as TCP_CORK
// would, for this write only; MSG_EOR ends a record no later segment
// carries bytes across (Linux's TCP_SKB_CB(skb)->eor).
// RFC 7413 as the stack's listener decided it for one SYN (Linux's
// tcp_try_fastopen): take the SYN's data at once (a valid cookie, or none
// needed), and the cookie to put in the SYN-ACK, if any.
struct FastOpenAnswer {
  bool accept_data = false;
  std::optional<wire::FastOpenCookie> cookie;
};

// RFC 7413 on the client: the cookie the stack holds for this server
// (nullopt: none yet, the SYN asks for one) and the data to carry in the SYN
// when there is a cookie (Linux's tcp_send_syn_data).
struct FastOpenRequest {
  std::optional<wire::FastOpenCookie> cookie;
  std::span<const std::uint8_t> data;
  std::uint16_t server_mss = 0;  // the MSS the server offered when it gave the cookie (0: unknown)
};

struct SendFlags {
  bool more = false;
  bool end_of_record = false;
};

class Connection {
 public:
  // RFC 9293 3.10.1 OPEN, active: sends <SEQ=ISS><CTL=SYN>, enters SYN-SENT.
  static Connection open_active(const ConnectionConfig& config, wire::SeqNum iss, Instant now,
                                const std::optional<FastOpenRequest>& fast_open = std::nullopt);
  // The bytes of the first write that rode in the SYN (0 without Fast Open).
  std::uint32_t syn_data_length() const { return syn_data_; }
  // ICMP destination unreachable quoting `seq` (RFC 1122 4.2.3.9): false if
  // it quotes nothing in flight (Linux counts it, OutOfWindowIcmps). A soft
  // error, except for a Fast Open child in SYN-RECEIVED, which Linux's
  // tcp_v4_err closes with the error.
  bool on_unreachable(wire::SeqNum seq, Errno error, Instant now);
  // A cookie the server's SYN-ACK handed us (RFC 7413 4.1.2), to keep.
  const wire::FastOpenCookie* learned_cookie() const { return learned_cookie_.get(); }  // nullptr: none
  std::uint16_t peer_mss() const { return negotiated_.peer_mss; }
  // A SYN reached a listener: sends the SYN-ACK, enters SYN-RECEIVED.
  static Connection open_passive(const ConnectionConfig& config, const wire::TcpSegment& syn,
                                 wire::SeqNum iss, Instant now,
                                 const FastOpenAnswer& fast_open = {});

  Connection(Connection&&) = default;
  Connection& operator=(Connection&&) = default;

  // --- inputs -----------------------------------------------------------
  void on_segment(const wire::TcpSegment& segment, Instant now);
  // ICMP "fragmentation needed" (RFC 1191) quoting a segment that began at
  // `quoted_seq`: the path takes packets of at most `mtu` bytes. False if
  // the quote names nothing in flight (ignored, as Linux's tcp_v4_err).
  bool on_path_mtu(std::uint32_t mtu, wire::SeqNum quoted_seq, Instant now);
  void on_timer(Instant now);

  // --- user calls (RFC 9293 3.10.2-3.10.6) ---------------------------------
  // Queues data; returns how much fit, or EAGAIN, EPIPE, ENOTCONN, ECONNRESET...
  Result<std::size_t, Errno> send(std::span<const std::uint8_t> data, Instant now, SendFlags flags = {});
  // Reads queued data; 0 means end of stream. EAGAIN when nothing is there yet.
  Result<std::size_t, Errno> receive(std::span<std::uint8_t> out, Instant now);
  Errno shutdown(Shutdown how, Instant now);
  CloseOutcome close(Instant now);
  void abort(Instant now, Cause cause = Cause::app_abort);
  // Ends the connection without a word to the peer (a half-open connection
  // whose listener closed: Linux drops it; a later segment finds no connection).
  void drop(Instant now, Cause cause);

  // Options that change timers re-arm them at once.
  const SocketOptions& options() const { return *options_; }
  const std::shared_ptr<const SocketOptions>& shared_options() const { return options_; }
  void set_options(const SocketOptions& options, Instant now);

  // --- outputs ----------------------------------------------------------
  // Segments to transmit, in order. Payloads point into the send buffer:
  // valid until the next call into this connection.
  const std::vector<wire::TcpSegment>& outgoing() const { return output().segments; }
  const std::vector<Event>& events() const { return output().events; }
  // The stack has read them: an idle connection gives the lists back and
  // keeps a null pointer (8 bytes, not the 48 of two empty vectors).
  void clear_output() {
    if (output_ == nullptr) return;
    output_->segments.clear();
    output_->events.clear();
    if (spares() != nullptr) spares()->outputs.give(std::move(output_));
  }
  // When on_timer() should next be called; Instant::never() for none.
  Instant next_deadline() const;

  // --- what there is to see ---------------------------------------------
  State state() const { return state_; }
  bool is_closed() const { return state_ == State::closed; }
  bool orphaned() const { return orphaned_; }
  // accept() handed a passive connection to the application (Linux's
  // sk_socket set by sock_graft); an active one is held from the start.
  void on_accepted() { held_by_application_ = true; }
  // A blocking writer waits for the handshake with more to write (Linux's
  // sk_write_pending): the SYN-ACK's ACK waits for that data to carry it.
  void set_write_pending(bool pending) { write_pending_ = pending; }
  // SO_MEMINFO's receive side: memory the queued segments cost, and the buffer.
  std::uint64_t receive_memory() const { return rwin_.charged(); }
  std::uint32_t receive_buffer() const { return rwin_.buffer(); }
  std::uint16_t local_port() const { return local_port_; }
  std::uint16_t remote_port() const { return remote_port_; }
  std::size_t readable_bytes() const { return receive_queue_.size(); }
  bool end_of_stream() const { return fin_received_ && receive_queue_.empty(); }
  std::size_t send_space() const { return send_queue_.free_space(); }
  // Room for a write: buffer space, and under TCP_NOTSENT_LOWAT fewer unsent
  // bytes than the mark; `for_wakeup` halves the mark as Linux's poll and
  // wakeups do (__sk_stream_is_writeable's wake).
  bool send_room(bool for_wakeup) const;
  std::size_t unsent_bytes() const;
  // A write under TCP_NOTSENT_LOWAT in the linux profile, skb by skb.
  std::size_t append_under_notsent_lowat(std::span<const std::uint8_t> data);
  Errno pending_error() const { return error_; }
  // SO_ERROR: the pending error, read and cleared, whatever data is queued.
  Errno take_error() { return std::exchange(error_, Errno::ok); }
  const Negotiated& negotiated() const { return negotiated_; }
  wire::SeqNum iss() const { return iss_; }
  wire::SeqNum irs() const { return irs_; }
  wire::SeqNum snd_una() const { return snd_una_; }
  wire::SeqNum snd_nxt() const { return snd_nxt_; }
  wire::SeqNum rcv_nxt() const { return rcv_nxt_; }
  std::uint32_t snd_wnd() const { return snd_wnd_; }
  Duration rto() const;
  // The data a segment may carry: RFC 9293 3.7.1, less the options agreed.
  std::uint32_t effective_mss() const;
  // The same, less the SACK blocks the next segment will carry too (Linux's
  // tcp_current_mss): what output() cuts data into.
  std::uint32_t current_mss() const;
  // For segmentation offload: the payload of each packet a large `segment`
  // is cut into, with its options copied into every one.
  std::uint16_t segment_size_of(const wire::TcpSegment& segment) const;
  // TIME-WAIT, or FIN-WAIT-2 after close(): the connection only waits, and
  // segments are answered by on_wait_segment() (tcp/wait_state.h).
  bool only_waits() const {
    return state_ == State::time_wait || (state_ == State::fin_wait_2 && orphaned_);
  }
  // That state's compact form, as the stack parks it. Meaningful while only_waits().
  WaitState wait_state() const;
  Instant finwait2_deadline() const { return finwait2_at_; }
  Instant time_wait_deadline() const { return time_wait_at_; }

  // getsockopt(TCP_INFO), as Linux fills it (tcp/tcp_info.h).
  TcpInfo tcp_info(Instant now) const;

  // The timer that will act next, for netstat's timer:(name,remaining,count).
  struct TimerView {
    const char* name = "off";
    Instant deadline = Instant::never();
    int count = 0;  // retransmissions or probes so far
  };
  TimerView next_timer() const;

 private:
  explicit Connection(const ConnectionConfig& config);

  // Linux's congestion states (tcp_ca_state): Open, Disorder (SACKs or
  // duplicate ACKs seen, nothing lost yet), CWR (the window reduced for an
  // ECN echo, RFC 3168 6.1.2, with PRR), Recovery (fast recovery, RFC 6675
  // and PRR), Loss (after an RTO).
  enum class CaState : std::uint8_t { open, disorder, cwr, recovery, loss };

  // What one ACK did, for the loss detection and congestion response.
  struct AckOutcome {
    bool snd_una_advanced = false;
    bool data_acked = false;      // new data, not only the SYN
    bool window_update = false;
    bool duplicate = false;       // RFC 5681 2's duplicate ACK
    std::uint32_t delivered = 0;  // packets newly acknowledged or SACKed
    std::uint32_t acked = 0;      // packets newly acknowledged
    bool retransmitted_acked = false;
    bool ece = false;  // it echoes a congestion mark (RFC 3168 6.1.2)
    std::optional<Duration> rtt;
  };

  // connection.cpp
  void set_state(State next, Cause cause);
  void enter_closed(Cause cause, Errno error);
  void emit_event(EventKind kind, Errno error = Errno::ok);
  void apply_negotiated(const Negotiated& negotiated);
  OptionOffer our_offer(Instant now) const;
  const Tunables& tunables() const { return *context_->tunables; }

  // connection_input.cpp
  void on_segment_syn_sent(const wire::TcpSegment& segment, Instant now);
  void on_segment_synchronized(const wire::TcpSegment& segment, Instant now);
  void on_segment_waiting(const wire::TcpSegment& segment, Instant now);
  bool is_acceptable(const wire::TcpSegment& segment);  // counts what Linux drops as beyond the window
  void on_reset(const wire::TcpSegment& segment, Instant now);
  bool process_ack(const wire::TcpSegment& segment, Instant now);
  // SACK blocks and the cumulative ACK through the scoreboard.
  AckOutcome take_acknowledgment(const wire::TcpSegment& segment, Instant now);
  void process_text(const wire::TcpSegment& segment, Instant now);
  void receive_out_of_order(const wire::TcpSegment& segment, wire::SeqNum end, Instant now);
  void note_duplicate(SeqRange range);
  void process_fin(Instant now);
  void update_send_window(const wire::TcpSegment& segment);
  void take_rtt_sample(Duration rtt);
  void note_timestamps(const wire::TcpSegment& segment, Instant now);
  bool paws_rejects_segment(const wire::TcpSegment& segment, Instant now) const;

  // connection_output.cpp
  wire::TcpSegment make_segment(std::uint8_t flags, wire::SeqNum seq, Instant now);
  void transmit(wire::TcpSegment segment, Instant now);
  void send_handshake(Instant now);  // SYN or SYN-ACK, by state
  std::uint32_t timestamp_value(Instant now) const {
    // RFC 7323 5.4: a millisecond clock, offset per connection.
    return static_cast<std::uint32_t>(now.nanoseconds() / 1'000'000) + timestamp_offset_;
  }
  void send_ack(Instant now);
  void send_challenge_ack(Instant now);
  void send_rate_limited_ack(Instant now);
  void send_reset_active(Instant now);                             // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>
  void send_reset_reply(const wire::TcpSegment& to, Instant now);  // RFC 9293 3.10.7.1 form
  void send_window_probe(Instant now);                             // <SEQ=SND.UNA-1><ACK=RCV.NXT>, no data
  void output(Instant now);                                        // send what the windows allow
  // `push`: set PSH even if the segment does not reach the end of the data.
  bool send_data_segment(wire::SeqNum seq, std::uint32_t max_length, bool retransmission, Instant now,
                         bool push = false);
  void retransmit_first(Instant now);
  void schedule_ack(Instant now);
  std::uint32_t receive_window() const;
  // Bytes the receive buffer may hold: Linux takes one segment past its
  // buffer while nothing is queued, so room for one more on top.
  std::size_t receive_capacity() const;
  // Linux's tcp_measure_rcv_mss() for the window: the payload-to-memory ratio.
  void measure_received(const wire::TcpSegment& segment, std::uint32_t packet_bytes);
  // The segment's size as the device reports it (packetdrill's --mss).
  std::size_t device_segment(const wire::TcpSegment& segment) const;
  std::size_t received_segment(const wire::TcpSegment& segment) const;
  std::uint64_t held_out_of_order() const;
  std::uint16_t window_field(bool syn) const;
  std::uint32_t flight_size() const { return snd_nxt_.raw() - snd_una_.raw(); }
  // How many more packets the congestion window lets out now (RFC 6675 pipe < cwnd).
  std::uint32_t cwnd_room() const;
  void restart_after_idle(Instant now);
  // The most a segment starting at `seq` may carry without crossing the
  // end of a record (MSG_EOR); `wanted` when no record ends before it.
  std::uint32_t within_record(wire::SeqNum seq, std::uint32_t wanted) const;

  // connection_recovery.cpp: loss detection and the congestion response.
  void on_ack_congestion(const AckOutcome& ack, Instant now);
  void rack_advance(const SentSegment& delivered, Instant now);
  bool rack_detect_loss(Instant now);  // true when it marked something lost
  Duration rack_reorder_window() const;
  void newreno_mark_lost(bool snd_una_advanced);
  // Linux's tcp_init_cwnd_reduction(): the window reduction that recovery
  // and CWR share.
  void start_cwnd_reduction(Instant now);
  void enter_cwr(Instant now);
  void enter_recovery(Instant now);
  void enter_loss(Instant now);
  void cwnd_reduction(std::uint32_t delivered, std::uint32_t newly_lost, bool snd_una_advanced);
  void retransmit_lost(Instant now);
  void on_reorder_timer(Instant now);
  void check_sack_reordering(wire::SeqNum low_seq);
  SpareStorage* spares() const { return context_->spares; }
  TransferCounters& counters() const;
  bool device_refuses() const { return context_->device_refuses != nullptr && *context_->device_refuses; }
  void on_resource_probe(Instant now);
  void note_cwnd_use(bool limited_now);
  bool cwnd_limited() const;
  std::uint32_t packets_in_flight() const;
  // connection_timers.cpp
  void on_retransmit_timer(Instant now);
  void on_loss_probe_timer(Instant now);
  void on_persist_timer(Instant now);
  void start_persist(Instant now);
  // The RTO doubled `times` times, at most tcp_rto_max (RFC 6298 5.5).
  Duration backed_off(int times) const;
  void on_keepalive_timer(Instant now);
  void arm_retransmit(Instant now);
  void arm_loss_probe(Instant now);
  void arm_keepalive(Instant now);
  void arm_finwait2(Instant now);
  void arm_time_wait(Instant now);
  bool user_timeout_expired(Instant since, Instant now) const;
  int retry_limit() const;
  Duration keepalive_idle() const;
  Duration keepalive_interval() const;
  int keepalive_count() const;

  const ConnectionContext* context_;
  std::shared_ptr<const SocketOptions> options_;  // never null
  std::uint16_t local_port_;
  std::uint16_t remote_port_;
  std::uint16_t local_mss_;
  std::uint16_t path_mss_;  // what the path takes (RFC 1191), at most local_mss_
  std::uint32_t max_segmented_packet_;
  std::uint32_t received_segment_size_;
  std::uint32_t timestamp_offset_;

  State state_ = State::closed;
  bool passive_ = false;

  // RFC 9293 3.3.1 send sequence variables.
  wire::SeqNum iss_;
  wire::SeqNum snd_una_;
  wire::SeqNum snd_nxt_;
  std::uint32_t snd_wnd_ = 0;  // scaled: bytes
  std::uint32_t max_snd_wnd_ = 0;
  wire::SeqNum snd_wl1_;
  wire::SeqNum snd_wl2_;
  // Receive sequence variables.
  wire::SeqNum irs_;
  wire::SeqNum rcv_nxt_;
  wire::SeqNum rcv_adv_;  // right edge of the window we last advertised
  ReceiveWindow rwin_;  // what we offer, from the receive buffer

  Negotiated negotiated_;
  // What our SYN or SYN-ACK offers: held until ESTABLISHED (a retransmission
  // repeats it), then given back to the stack; the MSS it offered stays.
  std::unique_ptr<OptionOffer> offer_;
  std::uint16_t advertised_mss_ = 0;
  bool fin_queued_ = false;  // the application asked for a FIN
  bool fin_sent_ = false;
  void set_offer(const OptionOffer& offer);
  void release_offer();
  std::uint32_t ts_recent_ = 0;
  Instant ts_recent_at_;            // when TS.Recent was taken (PAWS's exceptions)
  wire::SeqNum last_ack_sent_;      // RFC 7323's Last.ACK.sent (Linux's rcv_wup)
  wire::SeqNum send_base_;          // sequence number of send_queue_'s first byte

  // Sending.
  ByteQueue send_queue_;     // bytes from send_base_ on, acknowledged or not
  wire::SeqNum last_small_end_;  // end of the last segment shorter than the MSS (Nagle, Minshall)
  wire::SeqNum fin_seq_;
  RetransmitQueue rtx_;
  CongestionWindow cwnd_;
  EcnState ecn_;
  CongestionControl congestion_;
  SendChrono chrono_;  // busy and rwnd-limited time (TCP_INFO)
  wire::SeqNum high_seq_;  // SND.NXT when recovery or loss began (RFC 6582's "recover")
  // PRR (RFC 6937) as Linux's tcp_cwnd_reduction() keeps it.
  std::uint32_t prior_cwnd_ = 0;
  std::uint32_t prr_delivered_ = 0;
  std::uint32_t prr_out_ = 0;
  std::uint32_t dupacks_ = 0;  // without SACK: duplicate ACKs, Linux's "reno SACKs"
  // Whether the window was what limited the last transmissions (Linux's tcp_cwnd_validate).
  std::uint32_t max_packets_out_ = 0;
  wire::SeqNum cwnd_usage_seq_;
  // RACK (RFC 8985 6): the most recently sent segment known delivered.
  struct Rack {
    Instant sent = Instant::never();
    wire::SeqNum end;
    Duration rtt;
    std::uint32_t reorder_steps = 1;
    // Linux's tp->reordering: how far out of order the peer has delivered, in
    // segments; starts at tcp_reordering and is the DupThresh that follows.
    std::uint32_t degree = 3;
    bool reordering_seen = false;
  } rack_;
  Duration min_rtt_ = Duration::from_nanoseconds(-1);  // none yet
  Instant reorder_at_ = Instant::never();
  Instant last_data_sent_ = Instant::never();  // Linux's lsndtime
  // MSG_EOR boundaries past SND.UNA, in order; allocated while there are any.
  std::unique_ptr<std::vector<wire::SeqNum>> record_ends_;
  bool cork_once_ = false;                 // MSG_MORE: this write's output holds as TCP_CORK
  bool fast_open_child_ = false;   // RFC 7413: accepted in SYN-RECEIVED, may send before the ACK
  bool syn_data_acked_ = false;    // data in the SYN was taken (TCPI_OPT_SYN_DATA)
  std::uint32_t syn_data_ = 0;     // client: bytes sent in the SYN
  std::unique_ptr<wire::FastOpenCookie> learned_cookie_;  // allocated: few connections learn one
  bool last_write_more_ = false;           // the last write said MSG_MORE: no PSH at its end
  bool wakeup_push_ = false;               // the probe timer sends: PSH (tcp_write_wakeup)
  bool fill_small_window_ = false;         // the probe timer sends what a small window takes
  bool resource_probing_ = false;          // the probe timer waits for the device, not the peer
  std::uint32_t delivered_ = 0;      // Linux's tp->delivered: packets acknowledged or SACKed
  std::uint32_t total_retrans_ = 0;  // retransmissions over the connection's life

  // Receiving.
  ByteQueue receive_queue_;  // readable bytes, then the out-of-order ones
  // Out-of-order data and the SACK blocks that report it (and D-SACKs):
  // allocated when the first such segment arrives, freed once nothing is
  // held and nothing is left to report, so that an in-order connection pays
  // 8 bytes for them, not 80.
  struct OutOfOrder {
    Reassembly held;        // where the out-of-order bytes lie
    ReceiverSacks sacks;    // what the next segments report of them
  };
  std::unique_ptr<OutOfOrder> out_of_order_;
  OutOfOrder& out_of_order();  // allocates
  void release_out_of_order();  // frees, if nothing is held or left to report
  bool sacks_pending() const { return out_of_order_ != nullptr && out_of_order_->sacks.any(); }
  std::optional<wire::SeqNum> fin_held_at_;  // a FIN that came with out-of-order data
  AckScheduler ack_scheduler_;
  Instant last_invalid_ack_ = Instant::never();  // tcp_invalid_ratelimit

  RttEstimator rtt_;

  // Timers: one deadline each; next_deadline() is their minimum.
  // (The counts and flags follow the deadlines, so that no padding lies between.)
  Instant retransmit_at_ = Instant::never();
  Instant retrans_stamp_ = Instant::never();  // first transmission of what is being retransmitted
  Instant loss_probe_at_ = Instant::never();
  Instant persist_at_ = Instant::never();
  Instant persist_since_ = Instant::never();
  Instant keepalive_at_ = Instant::never();
  Instant last_received_;  // keepalive idle clock
  Instant finwait2_at_ = Instant::never();
  Instant time_wait_at_ = Instant::never();
  Instant keepinit_at_ = Instant::never();
  Instant linger_at_ = Instant::never();
  int retransmits_ = 0;  // consecutive expiries for the oldest segment
  int persist_probes_ = 0;
  int keepalive_probes_ = 0;
  bool loss_probe_out_ = false;
  bool finwait2_orphan_timer_ = false;

  // The application's side.
  bool orphaned_ = false;
  bool held_by_application_ = false;
  bool write_pending_ = false;
  bool write_shut_ = false;
  Errno error_ = Errno::ok;
  bool writable_blocked_ = false;
  bool fin_received_ = false;
  bool read_shut_ = false;
  CaState ca_state_ = CaState::open;
  bool is_cwnd_limited_ = false;  // see max_packets_out_

  // TIME-WAIT and orphaned FIN-WAIT-2: the state's own form, taken at the
  // first segment that finds the connection only waiting (allocated then:
  // few connections wait unparked).
  std::unique_ptr<WaitState> waiting_;

  // Always inlined, as push_back's fast path was: the callers build the
  // segment or event just before, and a call would reload it through memory
  // (a store-forwarding stall that cost 3 % of bulk goodput).
  [[gnu::always_inline]] void queue_segment(const wire::TcpSegment& segment) {
    if (output_ == nullptr) take_output();
    output_->segments.push_back(segment);
  }
  [[gnu::always_inline]] void queue_event(const Event& event) {
    if (output_ == nullptr) take_output();
    output_->events.push_back(event);
  }
  void take_output();  // from the stack's spares, else new
  static const ConnectionOutput k_no_output;  // what a connection with nothing to say shows
  const ConnectionOutput& output() const { return output_ != nullptr ? *output_ : k_no_output; }
  std::unique_ptr<ConnectionOutput> output_;  // pushed by queue_segment() and queue_event()
};

}  // namespace finwait::tcp
