// Goodput under loss, in the simulator (virtual time, so the table is exact
// and the same on every machine): one connection sending as fast as it can
// for 30 s over a 1 Gbit/s link, random loss in both directions, for 0.1 %,
// 1 % and 5 % loss, 10 ms and 100 ms RTT, CUBIC and Reno. Beside each, what
// the Mathis formula predicts for Reno, MSS/RTT * sqrt(3/2) / sqrt(p)
// (Mathis et al. 1997; it ignores timeouts, so it overestimates at high loss).
// bench/goodput.golden keeps the table: tests.goodput_table diffs against it,
// so that a change to the sender shows as a change of numbers.
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "api/linux_abi.h"
#include "sim/world.h"

namespace {

using namespace finwait;
namespace abi = api::linux_abi;

constexpr std::uint16_t k_port = 5001;
constexpr Duration k_run = seconds(30);
constexpr std::uint32_t k_mss = 1448;  // 1460 less the timestamps

// Writes without end from one socket.
class Sender : public sim::App {
 public:
  explicit Sender(std::string congestion) : App("a"), congestion_(std::move(congestion)) {}
  void step(sim::World& world, Instant now) override {
    api::SocketApi* s = world.sockets(host());
    if (s == nullptr) return;
    if (fd_ < 0) {
      fd_ = static_cast<int>(s->socket(abi::af_inet, abi::sock_stream | abi::sock_nonblock, 0).value);
      (void)s->setsockopt(fd_, abi::ipproto_tcp, abi::tcp_congestion, congestion_, now);
      (void)s->connect(fd_, wire::Ipv4Address(198, 18, 0, 2), k_port, now);
    }
    static const std::array<std::uint8_t, 65536> k_bytes{};
    while (s->write(fd_, k_bytes, 0, now).ok()) {
    }
  }

 private:
  std::string congestion_;
  int fd_ = -1;
};

// Reads everything and counts it.
class Receiver : public sim::App {
 public:
  Receiver() : App("b") {}
  void step(sim::World& world, Instant now) override {
    api::SocketApi* s = world.sockets(host());
    if (s == nullptr) return;
    if (listener_ < 0) {
      listener_ = static_cast<int>(s->socket(abi::af_inet, abi::sock_stream | abi::sock_nonblock, 0).value);
      (void)s->bind(listener_, {}, k_port);
      (void)s->listen(listener_, 4);
    }
    if (fd_ < 0) {
      const api::CallResult accepted = s->accept(listener_);
      if (!accepted.ok()) return;
      fd_ = static_cast<int>(accepted.value);
      (void)s->fcntl(fd_, abi::f_setfl, abi::o_nonblock);
    }
    std::array<std::uint8_t, 65536> buffer;
    while (true) {
      const api::CallResult n = s->read(fd_, buffer, 0, now);
      if (!n.ok() || n.value <= 0) break;
      received += static_cast<std::uint64_t>(n.value);
    }
  }
  std::uint64_t received = 0;

 private:
  int listener_ = -1;
  int fd_ = -1;
};

double goodput_mbit(double loss, Duration rtt, const std::string& congestion) {
  sim::World world(42);
  for (const auto& [name, address] : {std::pair{"a", wire::Ipv4Address(198, 18, 0, 1)},
                                      std::pair{"b", wire::Ipv4Address(198, 18, 0, 2)}}) {
    sim::HostConfig host;
    host.name = name;
    host.address = address;
    host.tunables = {{"tcp_sendspace", "4194304"}, {"tcp_recvspace", "6291456"}};
    (void)world.add_host(host);
  }
  sim::LinkConfig link;
  link.a = "a";
  link.b = "b";
  link.delay = rtt / 2;
  link.rate_bits_per_second = 1'000'000'000;
  link.loss = loss;
  (void)world.add_link(link);
  auto receiver = std::make_unique<Receiver>();
  Receiver* counted = receiver.get();
  world.add_app(std::move(receiver));
  world.add_app(std::make_unique<Sender>(congestion));
  world.run_until(Instant{} + k_run);
  return static_cast<double>(counted->received) * 8 / (static_cast<double>(k_run.nanoseconds()) / 1e9) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4) {  // one cell: LOSS RTT_MS ALGORITHM
    fmt::print("{:.2f}\n", goodput_mbit(std::atof(argv[1]), milliseconds(std::atoi(argv[2])), argv[3]));
    return 0;
  }
  fmt::print("{:>6} {:>7} {:>14} {:>14} {:>14}\n", "loss", "RTT", "cubic Mbit/s", "reno Mbit/s", "Mathis Mbit/s");
  for (const double loss : {0.001, 0.01, 0.05}) {
    for (const Duration rtt : {milliseconds(10), milliseconds(100)}) {
      const double rtt_s = static_cast<double>(rtt.nanoseconds()) / 1e9;
      const double mathis = k_mss * 8 / rtt_s * std::sqrt(1.5) / std::sqrt(loss) / 1e6;
      fmt::print("{:>5.1f}% {:>5}ms {:>14.2f} {:>14.2f} {:>14.2f}\n", loss * 100, rtt.nanoseconds() / 1'000'000,
                 goodput_mbit(loss, rtt, "cubic"), goodput_mbit(loss, rtt, "reno"), mathis);
    }
  }
  return 0;
}
