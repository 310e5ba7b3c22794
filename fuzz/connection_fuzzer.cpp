// Drives one connection with random segments, user calls and timer firings,
// and checks invariants after every step:
//   - no crash, no sanitizer report;
//   - state changes only along the edges of RFC 9293's state diagram (plus
//     the reset/abort/timeout edges to CLOSED);
//   - SND.UNA =< SND.NXT;
//   - never an ACK for data not received: RCV.NXT never passes the end of
//     anything the peer sent, and every ACK sent is at most RCV.NXT;
//   - the next deadline is never in the past.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "base/check.h"
#include "base/tunables.h"
#include "tcp/connection.h"

namespace {

using finwait::Instant;
using finwait::Profile;
using finwait::Tunables;
using finwait::tcp::Connection;
using finwait::tcp::EventKind;
using finwait::tcp::State;
using finwait::wire::SeqNum;
using finwait::wire::TcpFlags;
using finwait::wire::TcpSegment;

bool allowed(State from, State to) {
  using S = State;
  static const std::set<std::pair<S, S>> k_edges = {
      {S::closed, S::syn_sent},         {S::listen, S::syn_received},      {S::syn_sent, S::syn_received},
      {S::syn_sent, S::established},    {S::syn_received, S::established}, {S::syn_received, S::fin_wait_1},
      {S::syn_received, S::close_wait}, {S::established, S::fin_wait_1},   {S::established, S::close_wait},
      {S::fin_wait_1, S::fin_wait_2},   {S::fin_wait_1, S::closing},       {S::fin_wait_2, S::time_wait},
      {S::close_wait, S::last_ack},     {S::closing, S::time_wait},
  };
  if (to == S::closed) return from != S::closed;  // RST, ABORT, timeouts, LAST-ACK, TIME-WAIT
  return k_edges.count({from, to}) > 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const Profile profile = static_cast<Profile>(in.ConsumeIntegralInRange<int>(0, 2));
  Tunables tunables(profile);
  const finwait::tcp::ConnectionContext context{&tunables};
  finwait::tcp::SocketOptions options;
  options.keepalive = in.ConsumeBool();
  finwait::tcp::ConnectionConfig config;
  config.context = &context;
  config.local_port = 80;
  config.remote_port = 1234;
  config.options = std::make_shared<const finwait::tcp::SocketOptions>(options);
  const SeqNum peer_isn(in.ConsumeIntegral<std::uint32_t>());
  const SeqNum iss(in.ConsumeIntegral<std::uint32_t>());
  Instant now = Instant::from_nanoseconds(in.ConsumeIntegralInRange<std::int64_t>(0, 1'000'000'000'000));

  std::optional<Connection> connection;
  State state = State::closed;
  if (in.ConsumeBool()) {
    connection.emplace(Connection::open_active(config, iss, now));
  } else {
    TcpSegment syn;
    syn.src_port = 1234;
    syn.dst_port = 80;
    syn.seq = peer_isn;
    syn.flags = TcpFlags(TcpFlags::syn);
    syn.window = in.ConsumeIntegral<std::uint16_t>();
    if (in.ConsumeBool()) syn.options.add_mss(in.ConsumeIntegral<std::uint16_t>());
    if (in.ConsumeBool()) syn.options.add_sack_permitted();
    if (in.ConsumeBool()) syn.options.add_timestamps(in.ConsumeIntegral<std::uint32_t>(), 0);
    if (in.ConsumeBool()) syn.options.add_window_scale(in.ConsumeIntegralInRange<std::uint8_t>(0, 15));
    connection.emplace(Connection::open_passive(config, syn, iss, now));
    state = State::listen;
  }
  Connection& c = *connection;
  // The furthest the peer's data has reached: SYN, payload and FIN included.
  SeqNum peer_end = peer_isn + 1;
  bool peer_started = false;
  std::vector<std::uint8_t> payload(4096, 0x5a);
  std::vector<std::uint8_t> sink(8192);

  auto check = [&] {
    for (const auto& event : c.events()) {
      if (event.kind != EventKind::state_changed) continue;
      FINWAIT_CHECK(event.from == state);
      FINWAIT_CHECK(allowed(event.from, event.to));
      state = event.to;
    }
    FINWAIT_CHECK(state == c.state());
    FINWAIT_CHECK(finwait::wire::seq_le(c.snd_una(), c.snd_nxt()));
    if (c.state() != State::syn_sent && c.state() != State::closed) {
      FINWAIT_CHECK(finwait::wire::seq_le(c.rcv_nxt(), peer_end));
    }
    for (const TcpSegment& s : c.outgoing()) {
      if (s.flags.ack_set() && !s.flags.rst_set())
        FINWAIT_CHECK(finwait::wire::seq_le(s.ack, c.rcv_nxt()) || c.is_closed());
      FINWAIT_CHECK(s.payload.size() <= 65535);
    }
    FINWAIT_CHECK(c.next_deadline() >= now || c.next_deadline() == Instant::never());
    c.clear_output();
  };
  check();

  while (in.remaining_bytes() > 0 && !c.is_closed()) {
    switch (in.ConsumeIntegralInRange<int>(0, 9)) {
      case 0:
      case 1:
      case 2: {
        TcpSegment s;
        s.src_port = 1234;
        s.dst_port = 80;
        s.flags = TcpFlags(in.ConsumeIntegral<std::uint8_t>() & 0x3f);
        // Mostly near the edges that matter, sometimes anywhere.
        const SeqNum seq_base = c.state() == State::syn_sent ? peer_isn : c.rcv_nxt();
        s.seq = in.ConsumeBool()
                    ? seq_base + static_cast<std::uint32_t>(in.ConsumeIntegralInRange<int>(-3000, 70000))
                    : SeqNum(in.ConsumeIntegral<std::uint32_t>());
        s.ack = in.ConsumeBool()
                    ? c.snd_una() + static_cast<std::uint32_t>(in.ConsumeIntegralInRange<int>(-3000, 3000))
                    : SeqNum(in.ConsumeIntegral<std::uint32_t>());
        s.window = in.ConsumeIntegral<std::uint16_t>();
        if (in.ConsumeBool())
          s.options.add_nop().add_nop().add_timestamps(in.ConsumeIntegral<std::uint32_t>(), 0);
        s.payload = std::span(payload).first(in.ConsumeIntegralInRange<std::size_t>(0, payload.size()));
        if (s.flags.syn_set() && c.state() == State::syn_sent) {
          peer_started = true;
          peer_end = s.seq + s.sequence_length();
        } else if (peer_started || c.state() != State::syn_sent) {
          const SeqNum end = s.seq + s.sequence_length();
          // Only ends within reach of RCV.NXT count, so the model cannot drift round the sequence space.
          const std::int32_t ahead = finwait::wire::seq_diff(end, c.rcv_nxt());
          if (finwait::wire::seq_gt(end, peer_end) && ahead > 0 && ahead < (1 << 30)) {
            peer_end = end;
          }
        }
        c.on_segment(s, now);
        break;
      }
      case 3:
      case 4: {
        now = now + finwait::Duration::from_nanoseconds(
                        in.ConsumeIntegralInRange<std::int64_t>(0, 10'000'000'000'000));
        if (c.next_deadline() <= now) {
          // Fire at the deadline itself, as the stack does.
          const Instant deadline = c.next_deadline();
          now = std::max(deadline, now - (now - deadline));
          c.on_timer(now);
        }
        break;
      }
      case 5:
        (void)c.send(std::span(payload).first(in.ConsumeIntegralInRange<std::size_t>(0, payload.size())),
                     now);
        break;
      case 6:
        (void)c.receive(std::span(sink).first(in.ConsumeIntegralInRange<std::size_t>(0, sink.size())), now);
        break;
      case 7:
        (void)c.shutdown(static_cast<finwait::tcp::Shutdown>(in.ConsumeIntegralInRange<int>(0, 2)), now);
        break;
      case 8: (void)c.close(now); break;
      case 9: {
        finwait::tcp::SocketOptions o = c.options();
        o.keepalive = in.ConsumeBool();
        o.keepalive_idle = finwait::seconds(in.ConsumeIntegralInRange<int>(1, 10000));
        o.linger_on = in.ConsumeBool();
        o.linger_seconds = in.ConsumeIntegralInRange<int>(0, 5);
        o.user_timeout = finwait::milliseconds(in.ConsumeIntegralInRange<int>(0, 100000));
        o.nodelay = in.ConsumeBool();
        c.set_options(o, now);
        break;
      }
    }
    check();
  }
  return 0;
}
