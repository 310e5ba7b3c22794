// The compact table for connections the application has closed and that only
// wait: in FIN-WAIT-2 for the peer's FIN, or in TIME-WAIT for 2 MSL. They need
// no buffers, only the 4-tuple, the state's own tcp::WaitState and a deadline:
// at most 64 bytes an entry (Linux's timewait sockets serve the same purpose
// at several times the size). Segments for them are answered by
// tcp::on_wait_segment(), the rule the full connection follows too.
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
#include "tcp/wait_state.h"
#include "time/instant.h"
#include "wire/tcp_header.h"

namespace finwait::stack {

struct ParkedEntry {
  FlowKey key;          // 12
  tcp::WaitState wait;  // 28: the state itself, as the full connection holds it
  std::int64_t deadline_ns = 0;
  std::uint32_t list_prev = 0;  // neighbours in the deadline list (index + 1, 0 = none)
  std::uint32_t list_next = 0;
  std::uint32_t bucket_next = 0;  // next in the hash chain (index + 1, 0 = none)
  std::uint16_t list = 0;
  bool in_use = false;
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

  // The entry's state, for tcp::on_wait_segment(): the stack answers a
  // parked connection exactly as the full one would.
  tcp::WaitState& wait(std::uint32_t index) { return entries_[index].wait; }
  // A new deadline `timeout` from now (2 MSL restarted).
  void restart(std::uint32_t index, Duration timeout, Instant now);
  void remove(std::uint32_t index);

  Instant next_deadline() const;
  // Removes every entry whose deadline has come, calling f(entry, cause) first.
  template <class F>
  void expire(Instant now, F&& f);

  template <class F>
  void for_each(F&& f) const {
    for (const ParkedEntry& e : entries_) {
      if (e.in_use) f(e);
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
        e.wait.state == tcp::State::time_wait ? tcp::Cause::time_wait_expired : tcp::Cause::finwait2_timeout);
      remove(index);
    }
  }
}

}  // namespace finwait::stack
