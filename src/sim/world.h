// The simulator: a deterministic discrete-event world (DESIGN.md "sim/").
// Virtual time jumps from event to event, so idle hours cost nothing; the
// event queue is ordered by (time, sequence); one seed gives one exact run.
// Hosts are stacks; links carry frames with delay and faults; hosts crash
// (their state vanishes, nothing more is sent) and reboot (a fresh stack,
// which answers old segments with RST); small applications drive sockets.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/tunables.h"
#include "sim/link.h"
#include "sim/recorder.h"
#include "api/socket_api.h"
#include "sim/link_port.h"
#include "stack/stack.h"
#include "wire/pcap_file.h"

namespace finwait::sim {

struct HostConfig {
  std::string name;
  wire::Ipv4Address address;
  Profile profile = Profile::linux;
  // Tunables as `finwait no -o` takes them: name and value with its unit.
  std::vector<std::pair<std::string, std::string>> tunables;
};

class World;

// An application on one host, driving its sockets. step() runs after anything
// happened on the host, and at the app's own wakeups.
class App {
 public:
  explicit App(std::string host) : host_(std::move(host)) {}
  virtual ~App() = default;
  const std::string& host() const { return host_; }
  virtual void step(World& world, Instant now) = 0;
  virtual Instant next_wakeup() const { return Instant::never(); }
  // The host crashed or rebooted: every descriptor is gone.
  virtual void forget_sockets() {}

 private:
  std::string host_;
};

class World {
 public:
  explicit World(std::uint64_t seed);

  // The socket calls on `host`'s stack (nullptr while it is down): the
  // applications use the BSD API, as programs do.
  api::SocketApi* sockets(const std::string& host);

  // Fails with a message naming the bad tunable or the duplicate name.
  Result<stack::Stack*, std::string> add_host(const HostConfig& config);
  Result<bool, std::string> add_link(const LinkConfig& link);
  void add_app(std::unique_ptr<App> app) { apps_.push_back(std::move(app)); }
  void schedule_crash(const std::string& host, Instant at);
  void schedule_reboot(const std::string& host, Instant at);
  // Where a tap sees the frames. `delivered`: what the wire carried, as the
  // far end of the link receives it, after loss, duplication, corruption and
  // reordering, stamped with its arrival time. `sent`: what each host handed
  // to its link, before any fault.
  enum class TapPoint : std::uint8_t { delivered, sent };
  // Called with every frame a link delivers, at its arrival (for reports).
  void observe_delivered(std::function<void(Instant at, std::span<const std::uint8_t> frame)> observer) {
    delivered_observers_.push_back(std::move(observer));
  }
  void add_pcap_tap(wire::PcapWriter* writer, TapPoint point = TapPoint::delivered) {
    (point == TapPoint::delivered ? delivered_taps_ : sent_taps_).push_back(writer);
  }

  void run_until(Instant until);
  Instant now() const { return now_; }
  // When something next happens (a frame, a crash or reboot, a timer, an
  // application's wakeup); never once the world has gone quiet.
  Instant next_event() const;

  stack::Stack* stack(const std::string& host);
  bool crashed(const std::string& host) const;
  Recorder& recorder() { return recorder_; }
  const Recorder& recorder() const { return recorder_; }
  const std::vector<HostConfig> hosts() const;
  std::uint64_t frames_lost() const { return frames_lost_; }

 private:
  struct Host;
  struct Observer : stack::StackObserver {
    Observer(World& world, std::string host) : world(world), host(std::move(host)) {}
    void on_state_change(const stack::FlowKey& flow, tcp::State from, tcp::State to, tcp::Cause cause,
                         Instant now) override;
    World& world;
    std::string host;
  };
  struct Host {
    HostConfig config;
    std::unique_ptr<stack::Stack> stack;
    std::unique_ptr<Observer> observer;
    bool crashed = false;
    std::unique_ptr<api::SocketApi> sockets;  // on `stack`, made and dropped with it
    std::unique_ptr<LinkPort> port;           // the stack's device
  };
  struct Link {
    LinkConfig config;
    int a = -1;
    int b = -1;
    Instant busy_until[2];  // per direction, for the rate
  };
  struct QueuedEvent {
    enum class Kind : std::uint8_t { frame, crash, reboot };
    Instant at;
    std::uint64_t sequence = 0;
    Kind kind = Kind::frame;
    int host = -1;
    std::vector<std::uint8_t> bytes;
    bool operator>(const QueuedEvent& other) const {
      return at != other.at ? at > other.at : sequence > other.sequence;
    }
  };

  int host_index(const std::string& name) const;
  int host_by_address(wire::Ipv4Address address) const;
  Result<std::unique_ptr<stack::Stack>, std::string> make_stack(Host& host);
  void flush(int host);
  // The host reads what its port holds.
  void read_port(int host);
  void transmit(int from, std::span<const std::uint8_t> frame);
  void step_apps(const std::string& host, Instant now);
  Instant next_timer() const;   // the soonest deadline of a running host's stack
  Instant next_wakeup() const;  // the soonest wakeup of an application on a running host
  void push(QueuedEvent event);

  std::mt19937_64 random_;
  Instant now_;
  std::uint64_t next_sequence_ = 0;
  std::vector<Host> hosts_;
  std::vector<netdev::ReceivedPacket> port_batch_ = std::vector<netdev::ReceivedPacket>(16);
  std::vector<Link> links_;
  std::vector<std::unique_ptr<App>> apps_;
  std::vector<wire::PcapWriter*> delivered_taps_;
  std::vector<std::function<void(Instant, std::span<const std::uint8_t>)>> delivered_observers_;
  std::vector<wire::PcapWriter*> sent_taps_;
  std::priority_queue<QueuedEvent, std::vector<QueuedEvent>, std::greater<>> queue_;
  Recorder recorder_;
  std::uint64_t frames_lost_ = 0;
  bool started_ = false;
};

}  // namespace finwait::sim
