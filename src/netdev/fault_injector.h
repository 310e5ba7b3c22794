// A device that misbehaves on purpose: it wraps another and, with the
// probabilities given, drops, duplicates or corrupts (one byte flipped; the
// checksum catches it) each packet in and out. Seeded: one seed, one run of
// faults. Real traffic under loss, without tc or netem.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "netdev/device.h"

namespace finwait::netdev {

struct FaultConfig {
  double loss = 0;       // probability a packet is dropped
  double duplicate = 0;  // probability a packet goes (or arrives) twice
  double corrupt = 0;    // probability one byte of a packet is flipped
  std::uint64_t seed = 1;
  bool any() const { return loss > 0 || duplicate > 0 || corrupt > 0; }
};

class FaultInjector : public Device {
 public:
  FaultInjector(Device& inner, const FaultConfig& config) : inner_(inner), config_(config), random_(config.seed) {}

  int poll_fd() const override { return inner_.poll_fd(); }
  std::uint16_t mtu() const override { return inner_.mtu(); }
  Offloads offloads() const override { return inner_.offloads(); }
  Result<std::size_t, std::string> receive(std::span<ReceivedPacket> out) override;
  Result<bool, std::string> send(std::span<const std::uint8_t> packet, std::uint16_t segment_size) override;

  struct Tally {
    std::uint64_t dropped = 0;
    std::uint64_t duplicated = 0;
    std::uint64_t corrupted = 0;
  };
  const Tally& tally() const { return tally_; }

 private:
  bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0.0, 1.0)(random_) < p; }
  void corrupt(std::span<std::uint8_t> bytes);

  Device& inner_;
  FaultConfig config_;
  std::mt19937_64 random_;
  Tally tally_;
  std::vector<std::uint8_t> scratch_;
  std::vector<ReceivedPacket> held_;  // a duplicate waiting for the next receive()
};

}  // namespace finwait::netdev
