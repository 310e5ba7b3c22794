// What `finwait serve`, `fetch` and `probe` share: a finwait stack on a TUN
// device in the current network namespace, with its event loop, set up from
// the same options (--tun, --addr, --host-addr, --profile, --set, --pcap).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "api/event_loop.h"
#include "base/result.h"
#include "netdev/fault_injector.h"
#include "netdev/flow_steering.h"
#include "netdev/pcap_tap.h"
#include "netdev/tun_device.h"
#include "stack/stack.h"
#include "wire/pcap_file.h"

namespace finwait::tools {

struct TunStackOptions {
  std::string tun;
  std::string addr;
  std::string host_addr;
  std::string profile = "linux";
  std::vector<std::string> set;
  std::string pcap;
  bool no_offloads = false;
  std::string loss;  // probabilities, 0..1 or a percentage ("2%")
  std::string duplicate;
  std::string corrupt;
  std::string fault_seed = "1";
  std::string tunables_file;  // default: /etc/finwait/tunables.toml, read if it exists

  void add_to(CLI::App& command);
};

struct TunStack {
  std::unique_ptr<netdev::TunDevice> device;
  std::unique_ptr<stack::Stack> stack;
  std::unique_ptr<api::EventLoop> loop;
  std::unique_ptr<wire::PcapWriter> capture;  // on the heap: the tap holds its address
  std::unique_ptr<netdev::SteeredQueue> steered;  // one queue of several: what this stack owns
  std::unique_ptr<netdev::FaultInjector> faults;  // --loss, --duplicate, --corrupt
  std::unique_ptr<netdev::PcapTap> tap;       // the device the loop runs on, when capturing
  wire::Ipv4Address address;  // finwait's
  wire::Ipv4Address host_address;
  int prefix_length = 24;
  std::string tunables_read;  // "tunables from FILE (N)" when the persisted file held values

  // The ready line's common part:
  // "fw0: finwait 198.18.1.2/24, host 198.18.1.1/24, mtu 1500, offloads csum tso4".
  std::string describe() const;
  // Writes the capture, if one was asked for.
  Result<bool, std::string> finish();
};

// A stack per queue of one multi-queue TUN interface, each to run on a
// thread of its own; the FlowSteering between them gives each the packets
// of the connections it owns. They share the options, the stack secret (a
// Fast Open cookie or SYN cookie one made, another checks) and the capture.
struct TunStacks {
  std::unique_ptr<netdev::FlowSteering> steering;  // null with one queue
  std::unique_ptr<wire::PcapWriter> capture;
  std::unique_ptr<std::mutex> capture_lock;
  std::vector<TunStack> queues;  // their own `capture` is null

  Result<bool, std::string> finish();
};

// Checks every option first (a bad one touches nothing), then creates the
// device. Messages name the option.
Result<TunStack, std::string> open_tun_stack(const TunStackOptions& options);
// The same with `queues` queues (1 to TunDevice::k_max_queues).
Result<TunStacks, std::string> open_tun_stacks(const TunStackOptions& options, int queues);

}  // namespace finwait::tools
