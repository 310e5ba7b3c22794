#include "tcp/retransmit_queue.h"

#include "base/spare_storage.h"

#include <algorithm>

namespace finwait::tcp {

using wire::seq_ge;
using wire::seq_gt;
using wire::seq_le;
using wire::seq_lt;
using wire::SeqNum;

namespace {

void note_lowest_original(std::optional<SeqNum>& lowest, const SentSegment& s) {
  if (!s.retransmitted && (!lowest || seq_lt(s.start, *lowest))) lowest = s.start;
}

}  // namespace

void RetransmitQueue::set_mss(std::uint32_t mss) { mss_ = std::max<std::uint32_t>(mss, 1); }

std::uint32_t RetransmitQueue::packets_of(const SentSegment& s) const {
  const std::uint32_t flags = (s.syn ? 1 : 0) + (s.fin ? 1 : 0);
  const std::uint32_t data = s.length > flags ? s.length - flags : 0;
  return std::max<std::uint32_t>(1, (data + mss_ - 1) / mss_);
}

void RetransmitQueue::recount(SentSegment& s, std::uint32_t packets) {
  auto adjust = [&](std::uint32_t& counter) { counter = counter - s.packets + packets; };
  adjust(packets_out_);
  if (s.sacked) adjust(sacked_out_);
  if (s.lost) adjust(lost_out_);
  if (s.retrans_in_flight) adjust(retrans_out_);
  s.packets = packets;
}

void RetransmitQueue::push(SentSegment segment) {
  segment.packets = packets_of(segment);
  packets_out_ += segment.packets;
  borrow_spare(entries_, spare_);
  entries_.push_back(segment);
}

void RetransmitQueue::clear() {
  return_spare(entries_, spare_);
  head_ = 0;
  packets_out_ = sacked_out_ = lost_out_ = retrans_out_ = 0;
}

void RetransmitQueue::compact() {
  if (head_ == entries_.size()) {
    return_spare(entries_, spare_);
    head_ = 0;
  } else if (head_ > 64 && std::size_t{head_} * 2 > entries_.size()) {
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

RetransmitQueue::Acked RetransmitQueue::acknowledge(SeqNum ack, const OnDelivered& on_delivered) {
  Acked acked;
  while (!empty()) {
    SentSegment& s = front();
    if (seq_le(s.end(), ack)) {
      acked.packets += s.packets;
      if (!s.sacked) {
        acked.delivered += s.packets;
        note_lowest_original(acked.lowest_original, s);
        if (on_delivered) on_delivered(s);
      }
      if (s.retransmitted) {
        acked.retransmitted_acked = true;
      } else {
        acked.rtt_from = s.sent;
      }
      recount(s, 0);
      ++head_;
      continue;
    }
    if (seq_lt(s.start, ack)) {
      // Part of a large segment: what is left keeps its marks (Linux's tcp_tso_acked).
      const std::uint32_t before = s.packets;
      s.length -= static_cast<std::uint32_t>(wire::seq_diff(ack, s.start));
      s.start = ack;
      s.syn = false;
      recount(s, packets_of(s));
      const std::uint32_t gone = before > s.packets ? before - s.packets : 0;
      acked.packets += gone;
      if (!s.sacked && gone > 0) {
        acked.delivered += gone;
        note_lowest_original(acked.lowest_original, s);
        if (on_delivered) on_delivered(s);
      }
      if (s.retransmitted) {
        acked.retransmitted_acked = true;
      } else if (gone > 0) {
        acked.rtt_from = s.sent;
      }
    }
    break;
  }
  compact();
  return acked;
}

RetransmitQueue::Sacked RetransmitQueue::apply_sack(const wire::SackBlocks& blocks, SeqNum snd_una,
                                                    SeqNum snd_nxt, const OnDelivered& on_delivered) {
  Sacked result;
  for (std::uint8_t k = 0; k < blocks.count; ++k) {
    const wire::SackBlock& b = blocks.blocks[k];
    if (!seq_lt(b.left, b.right)) continue;
    // RFC 2883 4: the first block is a D-SACK when it lies below the
    // cumulative ACK or inside the second block.
    if (k == 0) {
      const bool below = seq_le(b.right, snd_una);
      const bool inside = blocks.count > 1 && seq_ge(b.left, blocks.blocks[1].left) &&
                          seq_le(b.right, blocks.blocks[1].right);
      if (below || inside) {
        result.dsack = true;
        continue;
      }
    }
    // RFC 2018 and Linux's tcp_is_sackblock_valid(): only what was sent and is not yet acknowledged.
    if (seq_lt(b.left, snd_una) || seq_gt(b.right, snd_nxt)) continue;
    for (std::size_t i = head_; i < entries_.size(); ++i) {
      SentSegment* s = &entries_[i];
      if (seq_le(b.right, s->start)) break;
      if (seq_le(s->end(), b.left) || s->sacked) continue;
      // Cut the entry at the block's edges so that only what it covers is marked.
      if (seq_lt(s->start, b.left)) {
        split(i - head_, static_cast<std::uint32_t>(wire::seq_diff(b.left, s->start)));
        continue;  // the next entry starts at the block's left edge
      }
      if (seq_gt(s->end(), b.right)) {
        split(i - head_, static_cast<std::uint32_t>(wire::seq_diff(b.right, s->start)));
        s = &entries_[i];
      }
      s->sacked = true;
      sacked_out_ += s->packets;
      result.packets += s->packets;
      if (s->lost) {
        s->lost = false;
        lost_out_ -= s->packets;
        result.lost_cleared += s->packets;
      }
      if (s->retrans_in_flight) {
        s->retrans_in_flight = false;
        retrans_out_ -= s->packets;
      }
      note_lowest_original(result.lowest_original, *s);
      if (on_delivered) on_delivered(*s);
    }
  }
  return result;
}

void RetransmitQueue::mark_lost(std::size_t i) {
  SentSegment& s = at(i);
  if (s.sacked) return;
  if (s.retrans_in_flight) {
    s.retrans_in_flight = false;
    retrans_out_ -= s.packets;
  }
  if (!s.lost) {
    s.lost = true;
    lost_out_ += s.packets;
  }
}

void RetransmitQueue::mark_all_lost() {
  for (std::size_t i = 0; i < size(); ++i) mark_lost(i);
}

void RetransmitQueue::split(std::size_t i, std::uint32_t length) {
  SentSegment& s = at(i);
  if (length == 0 || length >= s.length) return;
  SentSegment rest = s;
  rest.start = s.start + length;
  rest.length = s.length - length;
  rest.syn = false;
  rest.packets = 0;
  s.length = length;
  s.fin = false;
  recount(s, packets_of(s));
  const std::uint32_t rest_packets = packets_of(rest);
  packets_out_ += rest_packets;
  if (rest.sacked) sacked_out_ += rest_packets;
  if (rest.lost) lost_out_ += rest_packets;
  if (rest.retrans_in_flight) retrans_out_ += rest_packets;
  rest.packets = rest_packets;
  entries_.insert(entries_.begin() + static_cast<std::ptrdiff_t>(head_ + i + 1), rest);
}

void RetransmitQueue::on_retransmit(std::size_t i, Instant now) {
  SentSegment& s = at(i);
  s.sent = now;
  s.retransmitted = true;
  if (!s.retrans_in_flight) {
    s.retrans_in_flight = true;
    retrans_out_ += s.packets;
  }
}

void RetransmitQueue::clear_sacks() {
  for (std::size_t i = head_; i < entries_.size(); ++i) entries_[i].sacked = false;
  sacked_out_ = 0;
}

std::optional<SeqNum> RetransmitQueue::highest_sacked() const {
  if (sacked_out_ == 0) return std::nullopt;
  for (std::size_t i = entries_.size(); i > head_; --i) {
    if (entries_[i - 1].sacked) return entries_[i - 1].end();
  }
  return std::nullopt;
}

}  // namespace finwait::tcp
