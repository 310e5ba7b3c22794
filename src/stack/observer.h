// Whoever wants to watch a stack: counters, netstat, the JSON event stream,
// the timeline renderer, a pcap tap. Any number may watch one stack.
#pragma once

#include <cstdint>
#include <span>

#include "stack/flow_key.h"
#include "tcp/cause.h"
#include "tcp/state.h"
#include "time/instant.h"

namespace finwait::stack {

enum class Direction : std::uint8_t { in, out };

class StackObserver {
 public:
  virtual ~StackObserver() = default;
  virtual void on_state_change(const FlowKey& flow, tcp::State from, tcp::State to, tcp::Cause cause,
                               Instant now) {
    (void)flow, (void)from, (void)to, (void)cause, (void)now;
  }
  // Every IPv4 packet in and out, as bytes on the wire.
  virtual void on_packet(Direction direction, std::span<const std::uint8_t> packet, Instant now) {
    (void)direction, (void)packet, (void)now;
  }
};

}  // namespace finwait::stack
