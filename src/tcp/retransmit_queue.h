// What has been sent and not yet acknowledged, with the SACK scoreboard
// (RFC 6675 4; Linux's per-skb tags): one entry per transmitted range, each
// either in flight, SACKed, or marked lost (and then perhaps retransmitted).
// Entries are counted in packets of the MSS, as Linux counts packets_out,
// sacked_out, lost_out and retrans_out, so that the congestion window (in
// packets) and RFC 6675's pipe compare as Linux compares them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "base/spare_storage.h"
#include "time/instant.h"
#include "wire/seq_num.h"
#include "wire/tcp_options.h"

namespace finwait::tcp {

struct SentSegment {
  wire::SeqNum start;
  std::uint32_t length = 0;  // sequence space, SYN and FIN included
  Instant sent;              // the latest transmission (RACK's xmit time)
  bool retransmitted = false;  // ever: no RTT sample from it (Karn, RFC 6298 3)
  bool retrans_in_flight = false;  // its retransmission is out and not yet delivered or lost
  bool sacked = false;
  bool lost = false;
  bool syn = false;
  bool fin = false;
  std::uint32_t packets = 1;

  wire::SeqNum end() const { return start + length; }
};

// A queue's entries and their counts: held only while anything is in
// flight, so that an idle connection's queue is 24 bytes, not 56.
struct RetransmitEntries {
  std::vector<SentSegment> list;
  std::uint32_t head = 0;  // entries before it are acknowledged
  std::uint32_t packets_out = 0;
  std::uint32_t sacked_out = 0;
  std::uint32_t lost_out = 0;
  std::uint32_t retrans_out = 0;
};

class RetransmitQueue {
 public:
  // Packets are counted in this size (the MSS data is cut into).
  void set_mss(std::uint32_t mss);
  std::uint32_t mss() const { return mss_; }
  // The stack's pool (base/spare_storage.h): an emptied queue gives its
  // entries back there and the next one to send takes them. Without one, a
  // queue allocates its own when it first sends and keeps them.
  void set_pool(SparePool<RetransmitEntries>* pool) { pool_ = pool; }

  void push(SentSegment segment);
  void clear();
  bool empty() const { return e_ == nullptr || e_->head == e_->list.size(); }
  std::size_t size() const { return e_ == nullptr ? 0 : e_->list.size() - e_->head; }
  // These four: only while the queue is not empty.
  SentSegment& front() { return e_->list[e_->head]; }
  const SentSegment& front() const { return e_->list[e_->head]; }
  SentSegment& back() { return e_->list.back(); }
  const SentSegment& back() const { return e_->list.back(); }
  SentSegment& at(std::size_t i) { return e_->list[e_->head + i]; }
  const SentSegment& at(std::size_t i) const { return e_->list[e_->head + i]; }

  struct Acked {
    std::uint32_t packets = 0;          // newly acknowledged, SACKed ones included
    std::uint32_t delivered = 0;        // of them, not SACKed before (Linux's newly_acked_sacked part)
    bool retransmitted_acked = false;   // a retransmitted segment among them
    std::optional<Instant> rtt_from;    // the first transmission of the newest never-retransmitted one
    std::optional<wire::SeqNum> lowest_original;  // the first never-retransmitted one among them
  };
  // Told of each segment newly delivered, in the order Linux walks them
  // (sequence order), for RACK's per-segment update.
  using OnDelivered = std::function<void(const SentSegment&)>;
  // The cumulative ACK reached `ack`: entries wholly below it go, one cut at it is trimmed.
  Acked acknowledge(wire::SeqNum ack, const OnDelivered& on_delivered = {});

  struct Sacked {
    std::uint32_t packets = 0;  // newly SACKed
    std::uint32_t lost_cleared = 0;  // of those, ones marked lost
    bool dsack = false;          // the first block reported a duplicate (RFC 2883)
    std::optional<wire::SeqNum> lowest_original;  // the first never-retransmitted one newly SACKed
  };
  // Applies SACK blocks (RFC 2018, RFC 6675 4); blocks outside SND.UNA..SND.NXT are ignored.
  Sacked apply_sack(const wire::SackBlocks& blocks, wire::SeqNum snd_una, wire::SeqNum snd_nxt,
                    const OnDelivered& on_delivered = {});

  // Marks entry i lost (its retransmission, if out, counts as gone too).
  void mark_lost(std::size_t i);
  // After an RTO (RFC 6675 5.1, Linux's tcp_timeout_mark_lost): everything not SACKed is lost.
  void mark_all_lost();
  // Cuts entry i so that it holds `length` of sequence space and a new entry the rest.
  void split(std::size_t i, std::uint32_t length);
  // Entry i went out again at `now`.
  void on_retransmit(std::size_t i, Instant now);
  // A SACK arrived that covers nothing the queue holds as SACKed any more
  // (RFC 2018 8: the receiver may renege): forget every SACK mark.
  void clear_sacks();

  std::uint32_t packets_out() const { return e_ != nullptr ? e_->packets_out : 0; }
  std::uint32_t sacked_out() const { return e_ != nullptr ? e_->sacked_out : 0; }
  std::uint32_t lost_out() const { return e_ != nullptr ? e_->lost_out : 0; }
  std::uint32_t retrans_out() const { return e_ != nullptr ? e_->retrans_out : 0; }
  // RFC 6675's pipe, Linux's tcp_packets_in_flight().
  std::uint32_t in_flight() const {
    const std::uint32_t left = sacked_out() + lost_out();
    return (packets_out() > left ? packets_out() - left : 0) + retrans_out();
  }
  // The highest sequence number SACKed, or SND.UNA's if none.
  std::optional<wire::SeqNum> highest_sacked() const;

 private:
  std::uint32_t packets_of(const SentSegment& s) const;
  void recount(SentSegment& s, std::uint32_t packets);
  void compact();
  void release_entries();  // to the pool, if there is one; the counts are all zero

  std::unique_ptr<RetransmitEntries> e_;  // null while nothing is in flight (with a pool)
  SparePool<RetransmitEntries>* pool_ = nullptr;
  std::uint32_t mss_ = 536;
};

}  // namespace finwait::tcp
