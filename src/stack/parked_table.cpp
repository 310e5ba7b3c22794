#include "stack/parked_table.h"

#include <limits>

#include "base/check.h"

namespace finwait::stack {

using wire::seq_gt;
using wire::seq_lt;
using wire::SeqNum;

static_assert(sizeof(ParkedEntry) <= 64, "a parked entry must fit in 64 bytes");

namespace {
constexpr std::int64_t k_no_timeout = std::numeric_limits<std::int64_t>::max();
}  // namespace

ParkedTable::ParkedTable(SipKey key) : key_(key), buckets_(64, 0) {}

std::size_t ParkedTable::bytes_per_entry() const {
  if (size_ == 0) return sizeof(ParkedEntry);
  const std::size_t total = entries_.capacity() * sizeof(ParkedEntry) +
                            buckets_.capacity() * sizeof(std::uint32_t) +
                            free_.capacity() * sizeof(std::uint32_t);
  return total / size_;
}

std::uint16_t ParkedTable::list_for(std::int64_t timeout_ns) {
  for (std::size_t i = 0; i < lists_.size(); ++i) {
    if (lists_[i].timeout_ns == timeout_ns) return static_cast<std::uint16_t>(i);
  }
  // Reuse an empty list before growing.
  for (std::size_t i = 0; i < lists_.size(); ++i) {
    if (lists_[i].head == 0) {
      lists_[i].timeout_ns = timeout_ns;
      return static_cast<std::uint16_t>(i);
    }
  }
  FINWAIT_CHECK(lists_.size() < 0xffff);
  lists_.push_back(DeadlineList{timeout_ns});
  return static_cast<std::uint16_t>(lists_.size() - 1);
}

void ParkedTable::append(std::uint32_t index, std::int64_t timeout_ns, Instant now) {
  ParkedEntry& e = entries_[index];
  e.list = list_for(timeout_ns);
  e.deadline_ns = timeout_ns == k_no_timeout ? k_no_timeout
                                             : (now + Duration::from_nanoseconds(timeout_ns)).nanoseconds();
  DeadlineList& list = lists_[e.list];
  e.list_prev = list.tail;
  e.list_next = 0;
  if (list.tail != 0) entries_[list.tail - 1].list_next = index + 1;
  list.tail = index + 1;
  if (list.head == 0) list.head = index + 1;
}

void ParkedTable::unlink(std::uint32_t index) {
  ParkedEntry& e = entries_[index];
  DeadlineList& list = lists_[e.list];
  if (e.list_prev != 0) {
    entries_[e.list_prev - 1].list_next = e.list_next;
  } else {
    list.head = e.list_next;
  }
  if (e.list_next != 0) {
    entries_[e.list_next - 1].list_prev = e.list_prev;
  } else {
    list.tail = e.list_prev;
  }
  e.list_prev = e.list_next = 0;
}

void ParkedTable::rehash(std::size_t buckets) {
  buckets_.assign(buckets, 0);
  for (std::uint32_t i = 0; i < entries_.size(); ++i) {
    ParkedEntry& e = entries_[i];
    if (!(e.flags & ParkedEntry::k_in_use)) continue;
    const std::size_t b = bucket_of(e.key);
    e.bucket_next = buckets_[b];
    buckets_[b] = i + 1;
  }
}

void ParkedTable::park(const ParkedEntry& entry, Duration timeout, Instant now) {
  std::uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<std::uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  entries_[index] = entry;
  entries_[index].flags |= ParkedEntry::k_in_use;
  ++size_;
  if (size_ > buckets_.size()) {
    rehash(buckets_.size() * 2);  // the new entry is already in place
  } else {
    const std::size_t b = bucket_of(entry.key);
    entries_[index].bucket_next = buckets_[b];
    buckets_[b] = index + 1;
  }
  append(index, timeout == Duration::max() ? k_no_timeout : timeout.nanoseconds(), now);
}

std::optional<std::uint32_t> ParkedTable::find(const FlowKey& key) const {
  for (std::uint32_t i = buckets_[bucket_of(key)]; i != 0; i = entries_[i - 1].bucket_next) {
    if (entries_[i - 1].key == key) return i - 1;
  }
  return std::nullopt;
}

void ParkedTable::remove(std::uint32_t index) {
  ParkedEntry& e = entries_[index];
  unlink(index);
  const std::size_t b = bucket_of(e.key);
  for (std::uint32_t* link = &buckets_[b]; *link != 0; link = &entries_[*link - 1].bucket_next) {
    if (*link == index + 1) {
      *link = e.bucket_next;
      break;
    }
  }
  e = ParkedEntry{};
  free_.push_back(index);
  --size_;
}

Instant ParkedTable::next_deadline() const {
  std::int64_t earliest = k_no_timeout;
  for (const DeadlineList& list : lists_) {
    if (list.head != 0) earliest = std::min(earliest, entries_[list.head - 1].deadline_ns);
  }
  return earliest == k_no_timeout ? Instant::never() : Instant::from_nanoseconds(earliest);
}

ParkedOutcome ParkedTable::on_segment(std::uint32_t index, const wire::TcpSegment& segment, Instant now,
                                      Duration time_wait, bool rfc1337, Duration oow_ack_gap) {
  ParkedEntry& e = entries_[index];
  ParkedOutcome out;
  const SeqNum rcv_nxt(e.rcv_nxt);
  const SeqNum end = segment.seq + segment.sequence_length();
  auto rate_limited_ack = [&] {
    // Linux's tcp_timewait_check_oow_rate_limit(): pure ACKs at most every
    // tcp_invalid_ratelimit; segments that carry something always.
    const bool pure = segment.sequence_length() == 0;
    const auto now_ms = static_cast<std::uint32_t>(now.nanoseconds() / 1'000'000);
    if (pure && (e.flags & ParkedEntry::k_oow_sent) &&
        now_ms - e.last_oow_ack_ms < static_cast<std::uint32_t>(oow_ack_gap.milliseconds())) {
      return;
    }
    e.flags |= ParkedEntry::k_oow_sent;
    e.last_oow_ack_ms = now_ms;
    out.send_ack = true;
  };
  auto restart = [&] {
    unlink(index);
    append(index, time_wait.nanoseconds(), now);
  };

  if (e.state == tcp::State::fin_wait_2) {
    // Out of window (a window of what we last advertised): a duplicate ACK.
    const std::uint32_t window = std::max<std::uint32_t>(e.window, 1);
    const bool in_window = wire::in_window(segment.seq, rcv_nxt, window) ||
                           (segment.sequence_length() > 0 && wire::in_window(end - 1, rcv_nxt, window));
    if (!in_window && !(segment.sequence_length() == 0 && segment.seq == rcv_nxt)) {
      if (!segment.flags.rst_set()) rate_limited_ack();
      return out;
    }
    if (segment.flags.rst_set()) {
      // RFC 9293: a RST in FIN-WAIT-2 closes (only at RCV.NXT, RFC 5961 3.2).
      if (segment.seq != rcv_nxt) {
        rate_limited_ack();
        return out;
      }
      out.next = tcp::State::closed;
      out.cause = tcp::Cause::rst_received;
      remove(index);
      return out;
    }
    if (segment.flags.syn_set()) {
      // Linux answers a SYN here with a RST (TCP_TW_RST).
      out.send_reset = true;
      return out;
    }
    // A duplicate ACK, or nothing new: nothing to do.
    if (!segment.flags.ack_set() || !seq_gt(end, rcv_nxt)) return out;
    // New data after the application closed: RST (RFC 1122 4.2.2.13).
    if (!segment.flags.fin_set() || end != rcv_nxt + 1) {
      out.send_reset = true;
      out.next = tcp::State::closed;
      out.cause = tcp::Cause::data_after_close;
      remove(index);
      return out;
    }
    // The peer's FIN: TIME-WAIT, acknowledge it.
    e.rcv_nxt = end.raw();
    e.state = tcp::State::time_wait;
    if (auto ts = segment.options.timestamps()) e.ts_recent = ts->value;
    restart();
    out.send_ack = true;
    out.next = tcp::State::time_wait;
    out.cause = tcp::Cause::fin_received;
    return out;
  }

  // TIME-WAIT.
  if (segment.flags.rst_set()) {
    // RFC 9293 closes on a RST; RFC 1337 (tcp_rfc1337) ignores it.
    if (segment.seq == rcv_nxt && !rfc1337) {
      out.next = tcp::State::closed;
      out.cause = tcp::Cause::rst_received;
      remove(index);
    }
    return out;
  }
  if (segment.flags.syn_set() && !segment.flags.ack_set() && seq_gt(segment.seq, rcv_nxt)) {
    // A new connection from the same port pair, beyond the old sequence space:
    // TIME-WAIT gives way (RFC 6191 idea; Linux's TCP_TW_SYN).
    out.new_syn = true;
    out.next = tcp::State::closed;
    out.cause = tcp::Cause::syn_received;
    remove(index);
    return out;
  }
  if (segment.seq == rcv_nxt && segment.sequence_length() == 0) {
    restart();  // a bare ACK at RCV.NXT: restart 2 MSL quietly
    return out;
  }
  // Anything else, the retransmitted FIN above all: ACK it and restart 2 MSL.
  if (segment.flags.ack_set()) restart();
  rate_limited_ack();
  return out;
}

}  // namespace finwait::stack
