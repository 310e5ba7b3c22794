#include "stack/parked_table.h"

#include <limits>

#include "base/check.h"

namespace finwait::stack {

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
    if (!e.in_use) continue;
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
  entries_[index].in_use = true;
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

void ParkedTable::restart(std::uint32_t index, Duration timeout, Instant now) {
  unlink(index);
  append(index, timeout.nanoseconds(), now);
}

}  // namespace finwait::stack
