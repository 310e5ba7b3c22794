// A packetdrill-like driver for one tcp::Connection under virtual time
// (STYLE.md tier 2): segments are written as SCRIPTS.md writes them, with
// sequence numbers relative to each side's ISN; what the connection sends is
// checked segment by segment at exact instants. Both ISNs sit just below 2^32,
// so every test crosses the wrap.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/tunables.h"
#include "tcp/connection.h"
#include "wire/segment_format.h"
#include "wire/segment_text.h"

namespace finwait::tcp::testing {

inline constexpr std::uint32_t k_our_iss = 0xfffffff0u;
inline constexpr std::uint32_t k_peer_isn = 0xffffff00u;

class ConnectionHarness {
 public:
  explicit ConnectionHarness(Profile profile = Profile::linux) : tunables_(profile) {}

  Tunables& tunables() { return tunables_; }
  // Sets a tunable (native unit); the test fails if the value is refused.
  void tune(TunableId id, std::int64_t value) {
    auto result = tunables_.set(id, value);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error());
  }
  SocketOptions& options() { return options_; }
  Connection& connection() { return *connection_; }
  Instant now() const { return now_; }
  Duration elapsed() const { return now_ - Instant{}; }

  // The peer's SYN reaches a listener: a passive connection answers it.
  void open_passive(std::string_view syn_text) {
    ConnectionConfig config = make_config();
    connection_.emplace(
        Connection::open_passive(config, to_segment(syn_text), wire::SeqNum(k_our_iss), now_));
    collect();
  }

  void open_active() {
    connection_.emplace(Connection::open_active(make_config(), wire::SeqNum(k_our_iss), now_));
    collect();
  }

  // A complete passive handshake without timestamps or SACK, peer window 65535.
  void establish_passive(std::string_view syn = "S 0:0(0) win 65535 <mss 1460>") {
    open_passive(syn);
    next_sent();
    inject(". 1:1(0) ack 1 win 65535");
    EXPECT_EQ(connection().state(), State::established);
  }

  // Injects a segment from the peer, at the current instant.
  void inject(std::string_view text, std::string_view payload_fill = "") {
    auto segment = to_segment(text, payload_fill);
    connection_->on_segment(segment, now_);
    collect();
  }

  // Runs timers up to `at` (absolute virtual time since the start).
  void run_until(Duration at) {
    const Instant target = Instant{} + at;
    while (connection_ && connection_->next_deadline() <= target) {
      now_ = std::max(now_, connection_->next_deadline());
      connection_->on_timer(now_);
      collect();
      if (!sent_.empty() && stop_at_output_) break;
    }
    if (sent_.empty() || !stop_at_output_) now_ = std::max(now_, target);
  }
  void run_for(Duration d) { run_until(elapsed() + d); }

  struct Sent {
    Instant at;
    wire::TcpSegment segment;
    std::vector<std::uint8_t> payload;
  };

  // The next segment the connection sends, running timers up to `limit`.
  std::optional<Sent> next_sent(Duration limit = Duration{}) {
    if (sent_.empty() && limit > elapsed()) {
      stop_at_output_ = true;
      run_until(limit);
      stop_at_output_ = false;
    }
    if (sent_.empty()) return std::nullopt;
    Sent s = std::move(sent_.front());
    sent_.pop_front();
    s.segment.payload = s.payload;
    return s;
  }

  // The next segment must match `text` and be sent exactly at `at`.
  void expect_at(Duration at, std::string_view text) {
    auto s = next_sent(at);
    ASSERT_TRUE(s.has_value()) << "nothing sent by " << format_duration(at) << "; expected " << text;
    EXPECT_EQ(s->at - Instant{}, at) << "sent " << describe(*s) << " at "
                                     << format_duration(s->at - Instant{}) << ", expected at "
                                     << format_duration(at);
    check(*s, text);
  }
  // The next segment, sent now.
  void expect(std::string_view text) { expect_at(elapsed(), text); }

  // Nothing is sent until `at`; the clock ends at `at`.
  void expect_quiet_until(Duration at) {
    auto s = next_sent(at);
    if (s) ADD_FAILURE() << "expected silence until " << format_duration(at) << ", but sent " << describe(*s);
    run_until(at);
  }
  void expect_nothing_now() {
    if (!sent_.empty()) ADD_FAILURE() << "unexpected " << describe(sent_.front());
  }

  const std::vector<Event>& events() const { return events_; }
  // The cause of the last transition into `state`, if any.
  std::optional<Cause> cause_of(State state) const {
    std::optional<Cause> cause;
    for (const Event& e : events_) {
      if (e.kind == EventKind::state_changed && e.to == state) cause = e.cause;
    }
    return cause;
  }
  // When the connection last entered `state`.
  std::optional<Instant> entered_at(State state) const {
    std::optional<Instant> at;
    for (std::size_t i = 0; i < events_.size(); ++i) {
      if (events_[i].kind == EventKind::state_changed && events_[i].to == state) at = event_times_[i];
    }
    return at;
  }

  std::string describe(const Sent& s) const {
    wire::TcpSegment segment = s.segment;
    segment.payload = s.payload;
    return wire::format_segment(segment, {wire::SeqNum(k_our_iss), wire::SeqNum(k_peer_isn)});
  }

  // Writes `n` bytes through the connection.
  std::size_t write(std::size_t n) {
    std::vector<std::uint8_t> data(n, 'x');
    auto r = connection_->send(data, now_);
    collect();
    return r.ok() ? *r : 0;
  }
  Result<std::size_t, Errno> read(std::size_t n) {
    std::vector<std::uint8_t> buffer(n);
    auto r = connection_->receive(buffer, now_);
    collect();
    return r;
  }
  // Reads and discards up to `n` bytes, as an application that keeps up.
  void drain(std::size_t n) { (void)read(n); }
  CloseOutcome close() {
    auto outcome = connection_->close(now_);
    collect();
    return outcome;
  }
  void abort() {
    connection_->abort(now_);
    collect();
  }
  void shutdown(Shutdown how) {
    EXPECT_EQ(connection_->shutdown(how, now_), Errno::ok);
    collect();
  }
  void set_options(const SocketOptions& options) {
    connection_->set_options(options, now_);
    collect();
  }

 private:
  ConnectionConfig make_config() {
    ConnectionConfig config;
    config.context = &context_;
    config.local_port = 8080;
    config.remote_port = 40000;
    config.options = std::make_shared<const SocketOptions>(options_);
    return config;
  }

  wire::TcpSegment to_segment(std::string_view text, std::string_view payload_fill = "") {
    auto parsed = wire::parse_segment_text(text);
    EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.ok() ? "" : parsed.error());
    if (!parsed.ok()) return {};
    const wire::SegmentText& t = *parsed;
    wire::TcpSegment segment;
    segment.src_port = 40000;
    segment.dst_port = 8080;
    segment.flags = t.flags;
    segment.seq = wire::SeqNum(k_peer_isn) + t.start;
    if (t.ack) segment.ack = wire::SeqNum(k_our_iss) + *t.ack;
    segment.window = t.window.value_or(65535);
    segment.urgent_pointer = t.urgent.value_or(0);
    segment.options = t.options;
    payloads_.emplace_back(t.length, payload_fill.empty() ? 'p' : payload_fill[0]);
    segment.payload = payloads_.back();
    return segment;
  }

  void check(const Sent& s, std::string_view text) {
    auto parsed = wire::parse_segment_text(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error();
    const std::string why =
        wire::mismatch(*parsed, s.segment, wire::SeqNum(k_our_iss), wire::SeqNum(k_peer_isn));
    EXPECT_TRUE(why.empty()) << "expected " << text << "\n     sent " << describe(s) << "\n  because " << why;
  }

  void collect() {
    if (!connection_) return;
    for (const wire::TcpSegment& segment : connection_->outgoing()) {
      Sent s{now_, segment, {segment.payload.begin(), segment.payload.end()}};
      s.segment.payload = {};
      sent_.push_back(std::move(s));
    }
    for (const Event& e : connection_->events()) {
      events_.push_back(e);
      event_times_.push_back(now_);
    }
    connection_->clear_output();
  }

  Tunables tunables_;
  ConnectionContext context_{&tunables_};
  SocketOptions options_;
  std::optional<Connection> connection_;
  Instant now_;
  std::deque<Sent> sent_;
  std::vector<Event> events_;
  std::vector<Instant> event_times_;
  std::deque<std::vector<std::uint8_t>> payloads_;
  bool stop_at_output_ = false;
};

}  // namespace finwait::tcp::testing
