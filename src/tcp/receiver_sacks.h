// The SACK blocks a receiver reports (RFC 2018 4) and the D-SACK block
// (RFC 2883), in the order Linux keeps them (tcp_sack_new_ofo_skb): the
// block holding the segment that arrived last comes first, then the others
// by how recently they changed; at most four are remembered, and a D-SACK
// block, sent once, goes before them all.
#pragma once

#include <array>
#include <cstddef>
#include <optional>

#include "tcp/reassembly.h"
#include "wire/tcp_options.h"

namespace finwait::tcp {

class ReceiverSacks {
 public:
  static constexpr std::size_t k_remembered = 4;  // Linux's TCP_NUM_SACKS

  // Out-of-order data [left, right) arrived.
  void on_out_of_order(SeqRange range);
  // RCV.NXT moved: blocks it reached are gone; none are left once the
  // out-of-order queue is empty.
  void on_rcv_nxt(wire::SeqNum rcv_nxt, bool queue_empty);
  // A duplicate arrived (RFC 2883 4): reported once, in the next segment;
  // a second duplicate before then extends it if the two touch.
  void on_duplicate(SeqRange range);
  void clear() {
    count_ = 0;
    duplicate_.reset();
  }

  bool any() const { return count_ > 0 || duplicate_.has_value(); }
  // How many blocks the next segment will carry, at most `room`.
  std::size_t pending(std::size_t room) const {
    const std::size_t all = count_ + (duplicate_ ? 1 : 0);
    return all < room ? all : room;
  }
  // The blocks for the next segment, at most `room` (3 beside timestamps, 4
  // without); the D-SACK block is taken by this call.
  wire::SackBlocks take_blocks(std::size_t room);

 private:
  std::array<SeqRange, k_remembered> blocks_{};
  std::size_t count_ = 0;
  std::optional<SeqRange> duplicate_;
};

}  // namespace finwait::tcp
