// Time, packets and strictness (SCRIPTS.md 2, 3 and 5).
#include "script/script_runner.h"

#include <array>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "base/big_endian.h"
#include "base/decimal.h"
#include "script/runner.h"
#include "script/script_options.h"
#include "wire/icmp.h"
#include "wire/ipv4_header.h"
#include "wire/segment_format.h"

namespace finwait::script {

using wire::SeqNum;
using wire::TcpSegment;

namespace {

constexpr std::int64_t k_forever_us = std::numeric_limits<std::int64_t>::max() / 4;

std::string seconds_text(std::int64_t us) {
  return fmt::format("{}{}.{:06}", us < 0 ? "-" : "", std::llabs(us) / 1'000'000, std::llabs(us) % 1'000'000);
}

// The 4-tuple of a packet the stack sent, from the stack's side.
stack::FlowKey sent_flow(const wire::Ipv4TcpPacket& packet) {
  return {packet.ip.src, packet.ip.dst, packet.tcp.src_port, packet.tcp.dst_port};
}

}  // namespace

Runner::Runner(const Script& script, const RunOptions& options) : script_(script), run_options_(options) {}

void Runner::trace(std::string line) {
  if (run_options_.verbose) result_.trace.push_back(std::move(line));
}

void Runner::apply_option(const std::string& name, const std::string& value, int line) {
  // Checked first (the parser has done so for the script's header already).
  if (auto bad = check_option(name, value)) failure(line, *bad);
  if (name == "tolerance_usecs") {
    tolerance_us_ = *parse_decimal_integer(value);
  } else if (name == "tolerance_percent") {
    tolerance_percent_ = *parse_decimal_number(value);
  } else if (name == "profile") {
    profile_ = *parse_profile(value);
  } else if (name == "parking") {
    // finwait's: park waiting connections always, never, or up to
    // tcp_max_parked (the default). The wire must not tell them apart.
    parking_ = value == "always"  ? stack::ParkingMode::always
               : value == "never" ? stack::ParkingMode::never
                                  : stack::ParkingMode::capped;
  } else if (name == "lenient") {
    lenient_ = value.empty() || value == "1" || value == "true";
  } else if (name == "tcp_ts_tick_usecs") {
    ts_tick_us_ = *parse_decimal_integer(value);
  } else if (name == "mss") {
    // The segment size packetdrill's tun device marks a large packet it
    // writes with (so Linux counts it as that many segments); the stack's
    // own MSS follows its MTU.
    segment_size_ = static_cast<std::uint32_t>(*parse_decimal_integer(value));
  } else if (name == "local_ip") {
    local_address_ = *wire::Ipv4Address::parse(value);
  } else if (name == "remote_ip") {
    remote_address_ = *wire::Ipv4Address::parse(std::string_view(value).substr(0, value.find('/')));
  } else if (name == "bind_port") {
    bind_port_ = static_cast<std::uint16_t>(*parse_decimal_integer(value));
  } else if (name == "connect_port") {
    connect_port_ = static_cast<std::uint16_t>(*parse_decimal_integer(value));
  } else if (name == "mtu") {
    mtu_ = static_cast<std::uint16_t>(*parse_decimal_integer(value));
  } else if (name == "strict_segments") {
    strict_segments_ = true;
  }
  // --gateway_ip and --netmask_ip shape packetdrill's tun route; in the
  // simulated world the remote is always one hop away. --define is applied
  // to the text before it is parsed (script_defines.h); --verbose and
  // --send_omit_free are the tool's own.
}

constexpr std::uint32_t k_script_gso_max_size = 65536;

void Runner::configure() {
  // The command line first, then the script's header, which wins.
  for (const auto& [name, value] : run_options_.options) apply_option(name, value, 0);
  for (const auto& [name, value] : script_.options) apply_option(name, value, 1);
  stack::StackConfig config;
  config.name = "local";
  config.address = local_address_;
  config.mtu = mtu_;
  config.profile = profile_;
  config.parking = parking_;
  // packetdrill's tun device on Linux offers segmentation offload (its
  // gso_max_size is 64 KiB): Linux hands it segments of many MSS, and the
  // scripts expect them (`P. 1:10001(10000)`).
  config.max_segmented_packet = k_script_gso_max_size;
  config.received_segment_size = segment_size_;
  stack_ = std::make_unique<stack::Stack>(config);
  sockets_ = std::make_unique<api::SocketApi>(*stack_);
}

ScriptResult Runner::run() {
  try {
    configure();
    if (script_.init_command) command(script_.init_command->command, 1);
    EventReader events(script_);
    while (const std::optional<Event> next = events.next()) {
      const Event& event = *next;
      const int line = event.where.line;
      current_line_ = line;
      if (const auto* packet = std::get_if<PacketEvent>(&event.action); packet && !packet->inbound) {
        expect_outbound(event, *packet);
        continue;
      }
      const std::int64_t at =
          event.time.kind == TimeSpec::Kind::any ? now_us() : resolve(event.time.kind, event.time.start_us);
      if (at < now_us()) {
        failure(line, fmt::format("event at {} s is earlier than the previous event ({} s)", seconds_text(at),
                                  seconds_text(now_us())));
      }
      advance_to(at);
      strictness_check(event);
      last_event_us_ = at;
      if (const auto* packet = std::get_if<PacketEvent>(&event.action)) {
        inject(event, *packet);
      } else if (const auto* c = std::get_if<CallEvent>(&event.action)) {
        if (pending_ && event.time.is_blocking) {
          failure(line, "a blocking call is still running (finwait runs one at a time)");
        }
        bool blocked = false;
        call(event, *c, true, &blocked);
      } else if (const auto* cmd = std::get_if<CommandEvent>(&event.action)) {
        command(cmd->command, line);
      } else if (const auto* code = std::get_if<CodeEvent>(&event.action)) {
        code_block(code->code, line);
      } else if (const auto* other = std::get_if<UnsupportedEvent>(&event.action)) {
        failure(line, fmt::format("{} are outside finwait's script dialect (SCRIPTS.md)", other->construct));
      }
      check_pending();
    }
    // A blocking call still running must finish within its window.
    if (pending_) {
      advance_to(pending_->end_us + tolerance(pending_->end_us - pending_->start_us));
      check_pending();
      if (pending_) {
        failure(pending_->event->where.line,
                fmt::format("the call did not return by {} s", seconds_text(pending_->end_us)));
      }
    }
    if (script_.cleanup_command)
      command(script_.cleanup_command->command,
              script_.last_event_line);
    result_.passed = true;
    result_.parked = stack_->counters().parked;
  } catch (const ScriptFailure& f) {
    result_.passed = false;
    result_.line = f.line;
    result_.message = f.message;
  }
  return result_;
}

std::int64_t Runner::resolve(TimeSpec::Kind kind, std::int64_t value_us) const {
  // Both terms are at most k_max_script_time_us: the sum cannot overflow.
  const std::int64_t at = kind == TimeSpec::Kind::relative ? last_event_us_ + value_us : value_us;
  if (at > k_max_script_time_us) {
    failure(current_line_, fmt::format("an event at {} s is past the longest time a script may name ({} s)",
                                       seconds_text(at), k_max_script_time_us / 1'000'000));
  }
  return at;
}

std::int64_t Runner::tolerance(std::int64_t scripted_gap_us) const {
  // SCRIPTS.md 2: +- max(tolerance_usecs, tolerance_percent x the scripted gap).
  const auto by_percent = static_cast<std::int64_t>(
      std::llround(std::abs(static_cast<double>(scripted_gap_us)) * tolerance_percent_ / 100.0));
  return std::max(tolerance_us_, by_percent);
}

void Runner::step_timers_once() {
  const Instant deadline = stack_->next_deadline();
  now_ = std::max(now_, deadline);
  stack_->on_timer(now_);
  capture();
  check_pending();
}

void Runner::advance_to(std::int64_t target_us) {
  const Instant target = Instant::from_nanoseconds(target_us * 1000);
  while (stack_->next_deadline() <= target) step_timers_once();
  if (target > now_) now_ = target;
  check_pending();
}

void Runner::retire_flow() {
  if (!flow_) return;
  if (std::find(retired_flows_.begin(), retired_flows_.end(), *flow_) == retired_flows_.end())
    retired_flows_.push_back(*flow_);
  // What the connection sent and no '>' line has read yet (a close()'s RST,
  // say) is skipped too: packetdrill, sniffing for the new socket, passes
  // over packets of a 4-tuple it no longer follows.
  std::erase_if(captured_, [&](const Captured& c) {
    auto packet = wire::parse_ipv4_tcp(c.bytes, wire::ChecksumPolicy::ignore);
    if (!packet) return false;
    if (sent_flow(*packet) != *flow_) return false;
    trace(fmt::format("{} > {} (an earlier socket's: not checked, as packetdrill)", seconds_text(c.at.nanoseconds() / 1000),
                      describe(c)));
    return true;
  });
}

void Runner::capture() {
  for (std::size_t i = 0; i < stack_->outgoing_count(); ++i) {
    const auto frame = stack_->outgoing(i);
    Captured c{now_, {frame.begin(), frame.end()}};
    if (queue_limit_ && *queue_limit_ == 0) {
      // `tc qdisc ... pfifo limit 0`: the device's queue takes nothing.
      trace(fmt::format("{} dropped by the device's queue (limit 0): {}", seconds_text(now_us()), describe(c)));
      continue;
    }
    auto packet = wire::parse_ipv4_tcp(c.bytes, wire::ChecksumPolicy::ignore);
    if (packet) {
      const stack::FlowKey on = sent_flow(*packet);
      if (std::find(retired_flows_.begin(), retired_flows_.end(), on) != retired_flows_.end()) {
        if (packet->tcp.flags.syn_set() && !packet->tcp.flags.ack_set()) {
          std::erase(retired_flows_, on);  // a new connection on an old 4-tuple
        } else {
          trace(fmt::format("{} > {} (an earlier socket's: not checked, as packetdrill)", seconds_text(now_us()),
                            describe(c)));
          continue;
        }
      }
      // The stack's ISN, from its first SYN or SYN-ACK (SCRIPTS.md 3).
      if (packet->tcp.flags.syn_set() && !local_isn_) local_isn_ = packet->tcp.seq;
      if (!flow_ && packet->tcp.flags.syn_set()) {
        flow_ = sent_flow(*packet);
      }
      if (auto ts = packet->tcp.options.timestamps()) last_ts_val_ = ts->value;
    }
    trace(fmt::format("{} > {}", seconds_text(now_us()), describe(c)));
    captured_.push_back(std::move(c));
  }
  stack_->clear_outgoing();
}

std::string Runner::describe(const Captured& c) const {
  auto packet = wire::parse_ipv4_tcp(c.bytes, wire::ChecksumPolicy::ignore);
  if (!packet) return fmt::format("[{}] {} bytes", wire::to_string(packet.error()), c.bytes.size());
  const bool syn = packet->tcp.flags.syn_set();
  return wire::format_segment(packet->tcp, {local_base(syn), remote_base(syn)});
}

void Runner::strictness_check(const Event& event) {
  // SCRIPTS.md 5: every segment sent must be matched by a '>' line; one that
  // is not fails the script at the next event that follows it (packetdrill:
  // at the next '>'). "Follows" in time: an event at the very instant the
  // segment left (a read right after the data that was ACKed) comes with it,
  // not after it.
  if (lenient_ || captured_.empty()) return;
  const Captured& c = captured_.front();
  if (c.at >= now_) return;
  failure(event.where.line, fmt::format("unexpected packet sent at {} s: {}",
                                        seconds_text(c.at.nanoseconds() / 1000), describe(c)));
}

void Runner::expect_outbound(const Event& event, const PacketEvent& packet) {
  const int line = event.where.line;
  std::int64_t low = 0;
  std::int64_t high = 0;
  std::int64_t scripted = 0;
  const bool any = event.time.kind == TimeSpec::Kind::any;
  if (any) {
    low = last_event_us_;
    high = k_forever_us;
  } else {
    scripted = resolve(event.time.kind, event.time.start_us);
    const std::int64_t tol = tolerance(scripted - last_event_us_);
    low = scripted - tol;
    high = scripted + tol;
    if (event.time.is_range) {
      const std::int64_t end = resolve(event.time.end_kind, event.time.end_us);
      high = end + tolerance(end - last_event_us_);
    }
  }
  while (captured_.empty()) {
    const Instant deadline = stack_->next_deadline();
    if (deadline == Instant::never() || deadline.nanoseconds() / 1000 > high) {
      if (high != k_forever_us) advance_to(high);
      if (captured_.empty()) {
        failure(line, fmt::format("expected {} at {} s, but nothing was sent", packet.text,
                                  any ? std::string("any time") : seconds_text(scripted)));
      }
      break;
    }
    step_timers_once();
  }
  const Captured c = captured_.front();
  captured_.pop_front();
  const std::int64_t at = c.at.nanoseconds() / 1000;
  auto parsed = wire::parse_ipv4_tcp(c.bytes, wire::ChecksumPolicy::ignore);
  if (!parsed)
    failure(line, fmt::format("the stack sent a malformed packet ({})", wire::to_string(parsed.error())));
  // packetdrill without --strict_segments (run_packet.c): a '>' line with
  // more payload than the segment sent is matched by consecutive segments
  // that add up to it, each continuing the one before with the same header.
  std::vector<std::uint8_t> joined;
  if (!strict_segments_ && packet.segment.length > parsed->tcp.payload.size() && !parsed->tcp.payload.empty()) {
    joined.assign(parsed->tcp.payload.begin(), parsed->tcp.payload.end());
    wire::SeqNum next = parsed->tcp.seq + static_cast<std::uint32_t>(parsed->tcp.payload.size());
    while (joined.size() < packet.segment.length) {
      while (captured_.empty()) {
        const Instant deadline = stack_->next_deadline();
        if (deadline == Instant::never() || deadline.nanoseconds() / 1000 > high) break;
        step_timers_once();
      }
      if (captured_.empty()) break;
      auto more = wire::parse_ipv4_tcp(captured_.front().bytes, wire::ChecksumPolicy::ignore);
      if (!more || more->tcp.seq != next || more->tcp.ack != parsed->tcp.ack || more->tcp.payload.empty() ||
          more->tcp.flags.syn_set() || more->tcp.flags.rst_set()) {
        break;
      }
      joined.insert(joined.end(), more->tcp.payload.begin(), more->tcp.payload.end());
      next = next + static_cast<std::uint32_t>(more->tcp.payload.size());
      parsed->tcp.flags = wire::TcpFlags(parsed->tcp.flags.bits() | more->tcp.flags.bits());
      captured_.pop_front();
    }
    parsed->tcp.payload = joined;
  }
  // packetdrill's ISN mapping (run_packet.c): the SYN or SYN-ACK a '>' line
  // expects names the script's ISN; the stack's own, whatever it is, maps
  // to it, for this connection and each new one.
  // A SYN on the connection the script already follows (a retransmission,
  // a TIME-WAIT reused) keeps the mapping it has.
  const stack::FlowKey sent_on = sent_flow(*parsed);
  if (packet.segment.flags.syn_set() && parsed->tcp.flags.syn_set() &&
      (!isn_flow_ || !(*isn_flow_ == sent_on))) {
    local_isn_ = parsed->tcp.seq;
    script_local_isn_ = packet.segment.start;
    isn_flow_ = sent_on;
    flow_ = sent_on;
  }
  const bool syn = parsed->tcp.flags.syn_set();
  const std::string why = wire::mismatch(packet.segment, parsed->tcp, local_base(syn), remote_base(syn));
  if (!why.empty()) {
    failure(line, fmt::format("expected {}\n    sent {} at {} s\n    ({})", packet.text, describe(c),
                              seconds_text(at), why));
  }
  if (at < low || at > high) {
    failure(line, fmt::format("{} sent at {} s, expected at {} s (+- {} us)", describe(c), seconds_text(at),
                              seconds_text(scripted), (high - low) / 2));
  }
  // TSval: remember how the script's numbers map to the stack's, and check
  // them when --tcp_ts_tick_usecs asks for it.
  if (auto actual = parsed->tcp.options.timestamps();
      actual && packet.segment.options_given && !packet.segment.options_wildcard) {
    if (auto written = packet.segment.options.timestamps()) {
      const std::int64_t offset = std::int64_t{actual->value} - std::int64_t{written->value};
      if (ts_tick_us_ && ts_offset_) {
        // The stack's TS clock ticks every millisecond.
        const std::int64_t expected = std::int64_t{written->value} * *ts_tick_us_ / 1000 + *ts_offset_;
        const std::int64_t slack = std::max<std::int64_t>(1, tolerance_us_ / 1000);
        if (std::llabs(std::int64_t{actual->value} - expected) > slack) {
          failure(line, fmt::format("TS val {} instead of about {}", actual->value, expected));
        }
      }
      if (!ts_offset_) ts_offset_ = offset;
    }
  }
  trace(fmt::format("{} matched > {}", seconds_text(at), packet.text));
  last_event_us_ = (any || event.time.is_range) ? at : scripted;
}

void Runner::inject_icmp(const IcmpLine& icmp, const std::string& text) {
  // RFC 792: the unreachable quotes the IP header and the first 8 bytes of
  // a segment the stack sent on the script's connection (packetdrill's
  // map_inbound_icmp_tcp_packet: its seq counts from the stack's ISN).
  if (!flow_) failure(current_line_, "an ICMP line needs a connection to quote");
  wire::Ipv4Header quoted_ip;
  quoted_ip.src = flow_->local;
  quoted_ip.dst = flow_->remote;
  quoted_ip.protocol = wire::k_ip_protocol_tcp;
  std::array<std::uint8_t, 28> quoted{};
  wire::emit_ipv4(quoted_ip, 20 + icmp.quoted_length, quoted);
  store_be16(&quoted[20], flow_->local_port);
  store_be16(&quoted[22], flow_->remote_port);
  store_be32(&quoted[24], (local_base(false) + icmp.quoted_start).raw());
  wire::IcmpMessage message;
  message.type = icmp.type;
  message.code = icmp.code;
  message.rest = icmp.mtu;  // RFC 1191 4: the next-hop MTU in the low 16 bits
  message.body = quoted;
  std::array<std::uint8_t, 8 + 28> body{};
  const std::size_t icmp_size = wire::emit_icmp(message, body);
  wire::Ipv4Header ip;
  ip.src = flow_->remote;
  ip.dst = flow_->local;
  ip.protocol = wire::k_ip_protocol_icmp;
  ip.identification = next_ip_id_++;
  std::vector<std::uint8_t> bytes(20 + icmp_size);
  wire::emit_ipv4(ip, icmp_size, bytes);
  std::copy(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(icmp_size), bytes.begin() + 20);
  trace(fmt::format("{} < {}", seconds_text(now_us()), text));
  stack_->on_frame(bytes, now_);
  capture();
}

void Runner::inject(const Event& event, const PacketEvent& packet) {
  const int line = event.where.line;
  if (packet.icmp) {
    inject_icmp(*packet.icmp, packet.text);
    return;
  }
  const wire::SegmentText& s = packet.segment;
  if (!s.window) failure(line, "an inbound packet needs a window: win N (SCRIPTS.md 3)");
  if (s.options_wildcard) failure(line, "<...> is for outbound packets only");
  // packetdrill's handle_listen_for_script_packet: a SYN while the socket
  // under test is a listener that has not yet taken one is a new client,
  // from the next port; the last connection, if it lives on, keeps its own.
  const bool new_client = s.flags.syn_set() && !s.flags.ack_set() && socket_under_test_ && !listener_took_syn_ &&
                          stack_->is_listener(sockets_->stack_fd(*socket_under_test_));
  if (new_client) listener_took_syn_ = true;
  if (!flow_) {
    // The first packet in: a client at the remote address calls the script's port.
    flow_ = stack::FlowKey{local_address_, remote_address_, bind_port_, k_remote_client_port};
  } else if (new_client && stack_->state_of(*flow_)) {
    retire_flow();
    flow_->remote_port = static_cast<std::uint16_t>(flow_->remote_port + 1);
  }
  std::erase(retired_flows_, *flow_);
  wire::Ipv4TcpPacket p;
  p.ip.src = flow_->remote;
  p.ip.dst = flow_->local;
  p.ip.dont_fragment = true;
  p.ip.identification = next_ip_id_++;
  p.tcp.src_port = flow_->remote_port;
  p.tcp.dst_port = flow_->local_port;
  p.tcp.flags = s.flags;
  if (s.ae) p.tcp.reserved = 0x01;
  // packetdrill sends Not-ECT unless the line names the field; [ect01] is ECT(0).
  p.tcp.ecn = s.ecn.value_or(wire::Ecn::not_ect);
  // The peer's ISN is its SYN's seq; later segments count from it. The ack
  // counts from the stack's ISN (in a SYN-ACK, as the script wrote that ISN);
  // before the stack has sent a SYN there is none, and numbers are literal.
  const bool syn = s.flags.syn_set();
  if (syn) remote_isn_ = SeqNum(s.start);
  p.tcp.seq = remote_base(syn) + s.start;
  if (s.ack) p.tcp.ack = local_base(syn) + *s.ack;
  p.tcp.window = *s.window;
  p.tcp.urgent_pointer = s.urgent.value_or(0);
  // Options as written, with the stack's numbers mapped: SACK blocks from the
  // script's space to the stack's, TS ecr to the TSval really sent.
  for (wire::TcpOption option : s.options) {
    if (option.kind == wire::tcp_option_kind::sack && !option.trailing_garbage) {
      wire::SackBlocks blocks = s.options.sack_blocks();
      for (int i = 0; i < blocks.count; ++i) {
        blocks.blocks[i].left = blocks.blocks[i].left + local_base(syn).raw();
        blocks.blocks[i].right = blocks.blocks[i].right + local_base(syn).raw();
      }
      p.tcp.options.add_sack(std::span(blocks.blocks.data(), blocks.count));
    } else if (option.kind == wire::tcp_option_kind::timestamps && option.data.size() == 8) {
      auto ts = s.options.timestamps();
      std::uint32_t echo = ts->echo_reply;
      if (echo != 0) {
        echo = ts_offset_ ? static_cast<std::uint32_t>(std::int64_t{echo} + *ts_offset_) : last_ts_val_;
      }
      p.tcp.options.add_timestamps(ts->value, echo);
    } else if (option.trailing_garbage) {
      for (std::uint8_t b : option.data) p.tcp.options.try_add_byte(b);
    } else {
      p.tcp.options.try_add_raw(option.kind, option.data);
    }
  }
  std::vector<std::uint8_t> payload(s.length, 0);
  p.tcp.payload = payload;
  std::vector<std::uint8_t> bytes(wire::ipv4_tcp_size(p));
  wire::emit_ipv4_tcp(p, bytes);
  trace(fmt::format("{} < {}", seconds_text(now_us()), packet.text));
  stack_->on_frame(bytes, now_);
  capture();
}

ScriptResult run_script(const Script& script, const RunOptions& options) {
  return Runner(script, options).run();
}

}  // namespace finwait::script
