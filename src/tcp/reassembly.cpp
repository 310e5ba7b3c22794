#include "tcp/reassembly.h"

#include <algorithm>

namespace finwait::tcp {

using wire::seq_gt;
using wire::seq_le;
using wire::seq_lt;
using wire::SeqNum;

namespace {

SeqNum seq_min(SeqNum a, SeqNum b) { return seq_lt(a, b) ? a : b; }
SeqNum seq_max(SeqNum a, SeqNum b) { return seq_gt(a, b) ? a : b; }

}  // namespace

Reassembly::Added Reassembly::add(SeqRange range) {
  Added added;
  // The first range that ends at or after the new one's start: it and the
  // ones after it that the new range touches merge with it.
  auto first = std::find_if(ranges_.begin(), ranges_.end(),
                            [&](const SeqRange& r) { return seq_le(range.left, r.right); });
  auto last = first;
  SeqRange merged = range;
  while (last != ranges_.end() && seq_le(last->left, range.right)) {
    if (!added.duplicate && seq_lt(last->left, range.right) && seq_lt(range.left, last->right)) {
      added.duplicate = SeqRange{seq_max(range.left, last->left), seq_min(range.right, last->right)};
    }
    merged.left = seq_min(merged.left, last->left);
    merged.right = seq_max(merged.right, last->right);
    ++last;
  }
  if (first == last && ranges_.size() >= k_max_ranges) return added;  // a new hole: no room
  first = ranges_.erase(first, last);
  ranges_.insert(first, merged);
  added.stored = true;
  added.merged = merged;
  return added;
}

Reassembly::Drained Reassembly::drain(SeqNum rcv_nxt) {
  Drained drained{rcv_nxt, std::nullopt};
  std::size_t taken = 0;
  while (taken < ranges_.size() && seq_le(ranges_[taken].left, drained.rcv_nxt)) {
    const SeqRange& r = ranges_[taken];
    // What the in-order data already delivered, the held copy duplicates.
    if (!drained.duplicate && seq_lt(r.left, rcv_nxt))
      drained.duplicate = SeqRange{r.left, seq_min(r.right, rcv_nxt)};
    drained.rcv_nxt = seq_max(drained.rcv_nxt, r.right);
    ++taken;
  }
  ranges_.erase(ranges_.begin(), ranges_.begin() + static_cast<std::ptrdiff_t>(taken));
  return drained;
}

}  // namespace finwait::tcp
