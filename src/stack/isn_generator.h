// Initial sequence numbers per RFC 6528: ISN = M + F(4-tuple, secret), M a
// clock ticking every 4 microseconds, F a keyed hash. The key is injected, so
// a test or a simulation seed gives the same ISNs every run.
#pragma once

#include <cstdint>
#include <optional>

#include "base/siphash.h"
#include "stack/flow_key.h"
#include "time/instant.h"
#include "wire/seq_num.h"

namespace finwait::stack {

class IsnGenerator {
 public:
  explicit IsnGenerator(SipKey key) : key_(key) {}

  wire::SeqNum next(const FlowKey& flow, Instant now) const {
    // RFC 6528 3: M is a 4-microsecond timer (RFC 9293 3.4.1).
    const auto m = static_cast<std::uint32_t>(now.nanoseconds() / 4000);
    return wire::SeqNum(m + static_cast<std::uint32_t>(prf(flow)));
  }
  // RFC 7323 5.4: a per-connection offset for TSval, from the same secret
  // (the other half of the same F).
  std::uint32_t timestamp_offset(const FlowKey& flow) const { return static_cast<std::uint32_t>(prf(flow) >> 32); }

 private:
  // F of the 4-tuple. A new connection asks for its ISN and its TSval
  // offset one after the other: the last answer is kept for that.
  std::uint64_t prf(const FlowKey& flow) const {
    if (!last_flow_ || !(*last_flow_ == flow)) {
      last_prf_ = flow_prf(key_, flow);
      last_flow_ = flow;
    }
    return last_prf_;
  }

  SipKey key_;
  mutable std::optional<FlowKey> last_flow_;
  mutable std::uint64_t last_prf_ = 0;
};

}  // namespace finwait::stack
