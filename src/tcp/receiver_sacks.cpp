#include "tcp/receiver_sacks.h"

#include <algorithm>

namespace finwait::tcp {

using wire::seq_gt;
using wire::seq_le;
using wire::seq_lt;

namespace {

// Linux's tcp_sack_extend: ranges that overlap or touch become one.
bool extend(SeqRange& block, SeqRange range) {
  if (seq_gt(block.left, range.right) || seq_gt(range.left, block.right)) return false;
  if (seq_lt(range.left, block.left)) block.left = range.left;
  if (seq_gt(range.right, block.right)) block.right = range.right;
  return true;
}

}  // namespace

void ReceiverSacks::on_out_of_order(SeqRange range) {
  for (std::size_t i = 0; i < count_; ++i) {
    if (!extend(blocks_[i], range)) continue;
    std::rotate(blocks_.begin(), blocks_.begin() + static_cast<std::ptrdiff_t>(i),
                blocks_.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    // The grown block may now reach others: fold them into it.
    for (std::size_t j = 1; j < count_;) {
      if (extend(blocks_[0], blocks_[j])) {
        std::copy(blocks_.begin() + static_cast<std::ptrdiff_t>(j) + 1,
                  blocks_.begin() + static_cast<std::ptrdiff_t>(count_), blocks_.begin() + static_cast<std::ptrdiff_t>(j));
        --count_;
      } else {
        ++j;
      }
    }
    return;
  }
  // A new block goes first; when all are in use the oldest is forgotten.
  count_ = std::min(count_ + 1, k_remembered);
  std::copy_backward(blocks_.begin(), blocks_.begin() + static_cast<std::ptrdiff_t>(count_) - 1,
                     blocks_.begin() + static_cast<std::ptrdiff_t>(count_));
  blocks_[0] = range;
}

void ReceiverSacks::on_rcv_nxt(wire::SeqNum rcv_nxt, bool queue_empty) {
  if (queue_empty) {
    count_ = 0;
    return;
  }
  const auto kept = std::remove_if(blocks_.begin(), blocks_.begin() + static_cast<std::ptrdiff_t>(count_),
                                   [&](const SeqRange& b) { return seq_le(b.left, rcv_nxt); });
  count_ = static_cast<std::size_t>(kept - blocks_.begin());
}

void ReceiverSacks::on_duplicate(SeqRange range) {
  if (duplicate_ && extend(*duplicate_, range)) return;
  if (!duplicate_) duplicate_ = range;
}

wire::SackBlocks ReceiverSacks::take_blocks(std::size_t room) {
  wire::SackBlocks out;
  room = std::min<std::size_t>(room, out.blocks.size());
  if (duplicate_ && room > 0) {
    out.blocks[out.count++] = wire::SackBlock{duplicate_->left, duplicate_->right};
    duplicate_.reset();
  }
  for (std::size_t i = 0; i < count_ && out.count < room; ++i)
    out.blocks[out.count++] = wire::SackBlock{blocks_[i].left, blocks_[i].right};
  return out;
}

}  // namespace finwait::tcp
