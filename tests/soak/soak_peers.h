// The two applications of a soak run. Each connection carries a 4-byte
// header (its index, so the server knows its plan) and then the plan's
// bytes, a pattern that depends on the seed, the connection, the direction
// and the offset, so that a byte lost, duplicated, reordered or corrupted
// on its way to the application is caught where it is read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/errno.h"
#include "sim/world.h"
#include "soak_plan.h"

namespace finwait::soak {

// What one end of one connection saw, for the oracle.
struct SideRecord {
  bool opened = false;       // the application had a socket for it
  std::size_t sent = 0;
  std::size_t received = 0;  // in order, checked against the pattern
  bool eof = false;
  bool closed = false;      // the application closed its socket
  bool aborted = false;     // it reset the connection itself, as planned
  bool crashed = false;     // its host crashed under it
  Errno error = Errno::ok;  // what a call or SO_ERROR reported
  std::string broken;       // the first wrong byte, if any
};

struct Ledger {
  std::vector<SideRecord> client;
  std::vector<SideRecord> server;
};

std::uint8_t pattern_byte(std::uint64_t seed, std::size_t connection, bool from_client, std::size_t offset);

class SoakClient : public sim::App {
 public:
  SoakClient(const SoakPlan& plan, Ledger& ledger);
  void step(sim::World& world, Instant now) override;
  Instant next_wakeup() const override;
  void forget_sockets() override;

 private:
  const SoakPlan& plan_;
  Ledger& ledger_;
  std::vector<int> fds_;  // per connection; -1 before connect and after close
  std::vector<bool> started_;
  std::vector<std::size_t> header_sent_;
  std::vector<bool> shut_;
};

class SoakServer : public sim::App {
 public:
  SoakServer(const SoakPlan& plan, Ledger& ledger);
  void step(sim::World& world, Instant now) override;
  void forget_sockets() override;

 private:
  struct Peer {
    int fd = -1;
    std::uint8_t header[4] = {};
    std::size_t header_read = 0;
    int connection = -1;  // known once the header is read
  };
  const SoakPlan& plan_;
  Ledger& ledger_;
  int listener_ = -1;
  std::vector<Peer> peers_;
};

}  // namespace finwait::soak
