// What a connection tells its owner, besides the segments it wants sent.
#pragma once

#include <cstdint>

#include "base/errno.h"
#include "tcp/cause.h"
#include "tcp/state.h"

namespace finwait::tcp {

enum class EventKind : std::uint8_t {
  state_changed,  // from -> to, with a cause
  connected,      // reached ESTABLISHED: connect() completes, accept() may take it
  readable,       // data or end-of-stream can be read
  writable,       // send buffer space freed
  error,          // the connection failed: `error` says how (ECONNRESET, ETIMEDOUT, ...)
  linger_done,    // SO_LINGER {1, N}: `completed` says whether the FIN was acknowledged in time
};

struct Event {
  EventKind kind = EventKind::state_changed;
  State from = State::closed;
  State to = State::closed;
  Cause cause = Cause::app_close;
  Errno error = Errno::ok;
  bool completed = false;
};

}  // namespace finwait::tcp
