// The compact table for connections the application has closed and that only
// wait: in FIN-WAIT-2 for the peer's FIN, or in TIME-WAIT for 2 MSL. They need
// no buffers, only the 4-tuple, two sequence numbers, timestamps and a
// deadline: at most 64 bytes an entry (Linux's timewait sockets serve the same
// purpose at several times the size).
//
// Timers: entries with the same timeout wait in one FIFO list, so their
// deadlines are in order and arming, restarting and expiring are O(1) without
// a per-entry timer node. A changed tunable (or TCP_LINGER2) opens another list.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/siphash.h"
#include "stack/flow_key.h"
#include "tcp/cause.h"
#include "tcp/state.h"
#include "time/instant.h"
#include "wire/tcp_header.h"

namespace finwait::stack {

struct ParkedEntry {
  FlowKey key;                // 12
  std::uint32_t snd_nxt = 0;  // our FIN has been acknowledged: SND.UNA = SND.NXT
  std::uint32_t rcv_nxt = 0;
  std::uint32_t ts_recent = 0;
  std::uint32_t ts_offset = 0;
  std::int64_t deadline_ns = 0;
  std::uint32_t list_prev = 0;  // neighbours in the deadline list (index + 1, 0 = none)
  std::uint32_t list_next = 0;
  std::uint32_t bucket_next = 0;      // next in the hash chain (index + 1, 0 = none)
  std::uint32_t last_oow_ack_ms = 0;  // rate limit for duplicate ACKs
  std::uint16_t window = 0;           // the window field to advertise (already scaled)
  std::uint16_t list = 0;
  tcp::State state = tcp::State::time_wait;
  std::uint8_t flags = 0;

  static constexpr std::uint8_t k_in_use = 1;
  static constexpr std::uint8_t k_timestamps = 2;
  static constexpr std::uint8_t k_oow_sent = 4;
};

// What the stack must do after a segment reached a parked entry.
struct ParkedOutcome {
  bool send_ack = false;           // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
  bool send_reset = false;         // the RFC 9293 3.10.7.1 reset for this segment
  bool new_syn = false;            // a new SYN may open a new connection: the entry is gone
  std::optional<tcp::State> next;  // the entry moved to this state (CLOSED: it is gone)
  tcp::Cause cause = tcp::Cause::fin_received;
};

class ParkedTable {
 public:
  explicit ParkedTable(SipKey key);

  std::size_t size() const { return size_; }
  static constexpr std::size_t entry_size() { return sizeof(ParkedEntry); }
  // Bytes in use per entry, indexes included.
  std::size_t bytes_per_entry() const;

  // Adds an entry (its deadline from `timeout`; Duration::max() for none).
  void park(const ParkedEntry& entry, Duration timeout, Instant now);
  std::optional<std::uint32_t> find(const FlowKey& key) const;
  const ParkedEntry& entry(std::uint32_t index) const { return entries_[index]; }

  // RFC 9293 3.10.7.4 for FIN-WAIT-2 and TIME-WAIT, as Linux's
  // tcp_timewait_state_process() does it. `time_wait` is the 2 MSL to (re)start.
  ParkedOutcome on_segment(std::uint32_t index, const wire::TcpSegment& segment, Instant now,
                           Duration time_wait, bool rfc1337, Duration oow_ack_gap);

  Instant next_deadline() const;
  // Removes every entry whose deadline has come, calling f(entry, cause) first.
  template <class F>
  void expire(Instant now, F&& f);

  template <class F>
  void for_each(F&& f) const {
    for (const ParkedEntry& e : entries_) {
      if (e.flags & ParkedEntry::k_in_use) f(e);
    }
  }

 private:
  struct DeadlineList {
    std::int64_t timeout_ns;
    std::uint32_t head = 0;  // index + 1
    std::uint32_t tail = 0;
  };
  std::uint16_t list_for(std::int64_t timeout_ns);
  void append(std::uint32_t index, std::int64_t timeout_ns, Instant now);
  void unlink(std::uint32_t index);
  void remove(std::uint32_t index);
  std::size_t bucket_of(const FlowKey& key) const { return hash_flow(key_, key) & (buckets_.size() - 1); }
  void rehash(std::size_t buckets);

  SipKey key_;
  std::vector<ParkedEntry> entries_;
  std::vector<std::uint32_t> free_;
  std::vector<std::uint32_t> buckets_;  // index + 1 of the chain's first entry
  std::vector<DeadlineList> lists_;
  std::size_t size_ = 0;
};

template <class F>
void ParkedTable::expire(Instant now, F&& f) {
  for (std::size_t l = 0; l < lists_.size(); ++l) {
    while (lists_[l].head != 0) {
      const std::uint32_t index = lists_[l].head - 1;
      ParkedEntry& e = entries_[index];
      if (e.deadline_ns > now.nanoseconds()) break;
      f(static_cast<const ParkedEntry&>(e),
        e.state == tcp::State::time_wait ? tcp::Cause::time_wait_expired : tcp::Cause::finwait2_timeout);
      remove(index);
    }
  }
}

}  // namespace finwait::stack
