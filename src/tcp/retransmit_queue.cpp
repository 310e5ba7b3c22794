#include "tcp/retransmit_queue.h"

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
  adjust(e_->packets_out);
  if (s.sacked) adjust(e_->sacked_out);
  if (s.lost) adjust(e_->lost_out);
  if (s.retrans_in_flight) adjust(e_->retrans_out);
  s.packets = packets;
}

void RetransmitQueue::push(SentSegment segment) {
  if (e_ == nullptr) e_ = pool_ != nullptr ? pool_->take() : std::make_unique<RetransmitEntries>();
  segment.packets = packets_of(segment);
  e_->packets_out += segment.packets;
  e_->list.push_back(segment);
}

void RetransmitQueue::clear() {
  if (e_ == nullptr) return;
  e_->list.clear();
  e_->head = 0;
  e_->packets_out = e_->sacked_out = e_->lost_out = e_->retrans_out = 0;
  release_entries();
}

void RetransmitQueue::release_entries() {
  // A pooled object holds what its last holder left: only an empty one goes.
  if (pool_ != nullptr) pool_->give(std::move(e_));
}

void RetransmitQueue::compact() {
  if (e_->head == e_->list.size()) {
    e_->list.clear();
    e_->head = 0;
    // Every count is zero once nothing is queued; were one not, it would be
    // kept rather than lost.
    if (e_->packets_out == 0 && e_->sacked_out == 0 && e_->lost_out == 0 && e_->retrans_out == 0) {
      release_entries();
    }
  } else if (e_->head > 64 && std::size_t{e_->head} * 2 > e_->list.size()) {
    e_->list.erase(e_->list.begin(), e_->list.begin() + static_cast<std::ptrdiff_t>(e_->head));
    e_->head = 0;
  }
}

RetransmitQueue::Acked RetransmitQueue::acknowledge(SeqNum ack, const OnDelivered& on_delivered) {
  Acked acked;
  if (e_ == nullptr) return acked;
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
      ++e_->head;
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
    if (seq_lt(b.left, snd_una) || seq_gt(b.right, snd_nxt) || e_ == nullptr) continue;
    for (std::size_t i = e_->head; i < e_->list.size(); ++i) {
      SentSegment* s = &e_->list[i];
      if (seq_le(b.right, s->start)) break;
      if (seq_le(s->end(), b.left) || s->sacked) continue;
      // Cut the entry at the block's edges so that only what it covers is marked.
      if (seq_lt(s->start, b.left)) {
        split(i - e_->head, static_cast<std::uint32_t>(wire::seq_diff(b.left, s->start)));
        continue;  // the next entry starts at the block's left edge
      }
      if (seq_gt(s->end(), b.right)) {
        split(i - e_->head, static_cast<std::uint32_t>(wire::seq_diff(b.right, s->start)));
        s = &e_->list[i];
      }
      s->sacked = true;
      e_->sacked_out += s->packets;
      result.packets += s->packets;
      if (s->lost) {
        s->lost = false;
        e_->lost_out -= s->packets;
        result.lost_cleared += s->packets;
      }
      if (s->retrans_in_flight) {
        s->retrans_in_flight = false;
        e_->retrans_out -= s->packets;
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
    e_->retrans_out -= s.packets;
  }
  if (!s.lost) {
    s.lost = true;
    e_->lost_out += s.packets;
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
  e_->packets_out += rest_packets;
  if (rest.sacked) e_->sacked_out += rest_packets;
  if (rest.lost) e_->lost_out += rest_packets;
  if (rest.retrans_in_flight) e_->retrans_out += rest_packets;
  rest.packets = rest_packets;
  e_->list.insert(e_->list.begin() + static_cast<std::ptrdiff_t>(e_->head + i + 1), rest);
}

void RetransmitQueue::on_retransmit(std::size_t i, Instant now) {
  SentSegment& s = at(i);
  s.sent = now;
  s.retransmitted = true;
  if (!s.retrans_in_flight) {
    s.retrans_in_flight = true;
    e_->retrans_out += s.packets;
  }
}

void RetransmitQueue::clear_sacks() {
  if (e_ == nullptr) return;
  for (std::size_t i = e_->head; i < e_->list.size(); ++i) e_->list[i].sacked = false;
  e_->sacked_out = 0;
}

std::optional<SeqNum> RetransmitQueue::highest_sacked() const {
  if (sacked_out() == 0) return std::nullopt;
  for (std::size_t i = e_->list.size(); i > e_->head; --i) {
    if (e_->list[i - 1].sacked) return e_->list[i - 1].end();
  }
  return std::nullopt;
}

}  // namespace finwait::tcp
