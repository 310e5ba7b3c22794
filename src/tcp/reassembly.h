// Out-of-order data held for later (RFC 9293 3.10.7.4 seventh: "segments
// with higher beginning sequence numbers may be held"): which ranges past
// RCV.NXT have arrived. The bytes lie in the receive buffer past its
// readable end (ByteQueue::write_ahead), so the memory is the buffer's and
// bounded by it; this keeps only the ranges, at most k_max_ranges of them.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "wire/seq_num.h"

namespace finwait::tcp {

struct SeqRange {
  wire::SeqNum left;
  wire::SeqNum right;  // one past the last byte
  bool operator==(const SeqRange&) const = default;
};

class Reassembly {
 public:
  // Holes a hostile peer may open: a segment that would make one more is dropped.
  static constexpr std::size_t k_max_ranges = 64;

  struct Added {
    bool stored = false;                // false: no room for another range
    std::optional<SeqRange> duplicate;  // the first part already held (RFC 2883 D-SACK)
    SeqRange merged;                    // the held range that now contains it
  };
  // [left, right) arrived ahead of RCV.NXT.
  Added add(SeqRange range);

  struct Drained {
    wire::SeqNum rcv_nxt;               // past every range RCV.NXT reached
    std::optional<SeqRange> duplicate;  // the first held part the in-order data had covered
  };
  // RCV.NXT has advanced to `rcv_nxt` by in-order data: the ranges it reaches
  // are taken out, and RCV.NXT moves past them.
  Drained drain(wire::SeqNum rcv_nxt);

  bool empty() const { return ranges_.empty(); }
  const std::vector<SeqRange>& ranges() const { return ranges_; }
  // The last byte held, for a FIN that arrived out of order.
  std::optional<wire::SeqNum> right_edge() const {
    if (ranges_.empty()) return std::nullopt;
    return ranges_.back().right;
  }
  void clear() { ranges_.clear(); }

 private:
  std::vector<SeqRange> ranges_;  // in sequence order, disjoint and not touching
};

}  // namespace finwait::tcp
