// The runner's inside, shared by its files: script_runner.cpp (time, packets,
// strictness), script_calls.cpp (the system calls) and script_commands.cpp
// (back-quoted commands). Not part of the library's interface.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/socket_api.h"
#include "script/script.h"
#include "script/script_runner.h"
#include "stack/stack.h"

namespace finwait::script {

// The port a remote client calls from: packetdrill picks an ephemeral one.
inline constexpr std::uint16_t k_remote_client_port = 40000;

// A failure: the line and what went wrong. Thrown inside the runner only,
// caught by run(): a script stops at its first failure.
struct ScriptFailure {
  int line;
  std::string message;
};

class Runner {
 public:
  Runner(const Script& script, const RunOptions& options);
  ScriptResult run();

 private:
  friend class Calls;

  struct Captured {
    Instant at;
    std::vector<std::uint8_t> bytes;
  };
  struct Pending {
    std::shared_ptr<const Event> event;  // a copy: the reader moves on
    std::int64_t start_us = 0;
    std::int64_t end_us = 0;
    bool started = false;     // connect(): the handshake began
    std::size_t written = 0;  // write(): bytes queued so far
  };

  // Configuration (header options and the command line).
  void configure();
  void apply_option(const std::string& name, const std::string& value, int line);

  // Time.
  std::int64_t now_us() const { return now_.nanoseconds() / 1000; }
  std::int64_t resolve(TimeSpec::Kind kind, std::int64_t value_us) const;
  std::int64_t tolerance(std::int64_t scripted_us) const;
  void advance_to(std::int64_t target_us);
  void step_timers_once();

  // Packets.
  void capture();
  void strictness_check(const Event& event);
  void inject(const Event& event, const PacketEvent& packet);
  void inject_icmp(const IcmpLine& icmp, const std::string& text);
  void expect_outbound(const Event& event, const PacketEvent& packet);
  std::string describe(const Captured& c) const;

  // Calls (script_calls.cpp).
  void call(const Event& event, const CallEvent& call, bool first_attempt, bool* blocked);
  void check_pending();
  std::int64_t blocking_end(const Event& event, std::int64_t start_us) const;

  // %{ }% blocks (script_code.cpp): evaluated against TCP_INFO of the
  // socket under test, as packetdrill's Python sees it.
  void code_block(const std::string& code, int line);

  // Commands (script_commands.cpp).
  void command(const std::string& text, int line);
  // `nstat ... | grep ...`, `grep ... /proc/net/tcp | grep ...`
  // (script_pipeline.cpp): false when the pipeline's status is not 0.
  bool text_pipeline(const std::vector<std::vector<std::string>>& stages, int line);
  // What `nstat` prints (script_nstat.cpp).
  std::vector<std::string> nstat_lines(const std::vector<std::string>& nstat, int line);

  [[noreturn]] void failure(int line, std::string message) const {
    throw ScriptFailure{line, std::move(message)};
  }
  void trace(std::string line);

  const Script& script_;
  RunOptions run_options_;
  ScriptResult result_;
  Profile profile_ = Profile::linux;
  bool lenient_ = false;
  std::int64_t tolerance_us_ = 4000;
  double tolerance_percent_ = 12.5;
  std::optional<std::int64_t> ts_tick_us_;
  std::map<std::string, std::uint64_t> nstat_history_;  // what the last nstat saw
  std::uint32_t segment_size_ = 0;  // --mss: the segments packetdrill's tun coalesced
  // packetdrill's defaults (config.c): labels inside the simulated world.
  wire::Ipv4Address local_address_{192, 168, 0, 1};   // --local_ip
  wire::Ipv4Address remote_address_{192, 0, 2, 1};    // --remote_ip
  std::uint16_t bind_port_ = 8080;                     // --bind_port: bind()'s port
  std::uint16_t connect_port_ = 8080;                  // --connect_port: connect()'s port
  std::uint16_t mtu_ = 1500;                           // --mtu: the tun device's
  bool strict_segments_ = false;                       // one '>' line, one segment
  stack::ParkingMode parking_ = stack::ParkingMode::capped;

  std::unique_ptr<stack::Stack> stack_;
  Instant now_;
  std::int64_t last_event_us_ = 0;
  int current_line_ = 0;  // of the event being run, for messages
  std::deque<Captured> captured_;
  std::optional<stack::FlowKey> flow_;  // the script's connection, seen from the stack
  std::optional<wire::SeqNum> local_isn_;
  std::optional<stack::FlowKey> isn_flow_;  // the connection whose ISN a '>' SYN line named
  std::uint32_t script_local_isn_ = 0;  // the ISN the script wrote for the stack (S. 1234:1234(0))
  wire::SeqNum remote_isn_;             // the peer's, as its SYN gave it (the script's numbers are the wire's)
  // packetdrill's numbering (run_packet.c): in a SYN or SYN-ACK, sequence
  // numbers are absolute in the script's space (the stack's ISN shown as the
  // script wrote it); in every other segment, relative to the ISNs.
  wire::SeqNum local_base(bool syn) const {
    const wire::SeqNum isn = local_isn_.value_or(wire::SeqNum(0));
    return syn ? isn - script_local_isn_ : isn;
  }
  wire::SeqNum remote_base(bool syn) const { return syn ? wire::SeqNum(0) : remote_isn_; }
  std::optional<std::int64_t> ts_offset_;  // actual TSval - scripted TSval
  std::uint32_t last_ts_val_ = 0;
  std::uint16_t next_ip_id_ = 1;
  std::unique_ptr<api::SocketApi> sockets_;  // the calls, on stack_
  std::map<int, int> fds_;  // a script's descriptor -> the API's
  // packetdrill's socket under test: the last one socket() or accept() gave
  // (an API descriptor), whose TCP_INFO %{ }% blocks read.
  std::optional<int> socket_under_test_;
  // A listener under test becomes, in packetdrill, the child its first SYN
  // makes: a later SYN (a retransmission) goes to that child's 4-tuple.
  bool listener_took_syn_ = false;
  // Connections of earlier sockets under test: packetdrill sniffs only the
  // socket under test's packets (sniff_outbound_live_packet), so what they
  // send is not matched against '>' lines. A flow used again leaves the list.
  std::vector<stack::FlowKey> retired_flows_;
  void retire_flow();
  bool defaults_file_ = false;                // running defaults.sh's own lines
  std::optional<std::uint64_t> queue_limit_;  // `tc qdisc ... pfifo limit N`: 0 drops all we send
  std::optional<Pending> pending_;
};

}  // namespace finwait::script
