// finwait's side of the teardown matrix (tests/interop/teardown_test.sh): a
// stack on a TUN device that accepts one connection on PORT and ends it in
// the way MODE names, printing every state change of it and what it read:
//
//   active        send "hello", close at once: FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT
//   passive       read to the peer's FIN, then close: CLOSE_WAIT, LAST_ACK
//   simultaneous  send "go", read nothing for 100 ms and close after 50: the
//                 peer's FIN (sent on "go") waits in the device queue, the
//                 FINs cross, both ends pass CLOSING
//   send-after-fin  read to the peer's FIN, 300 ms later send 10 MB, then close
//   shutdown      send "hello", shutdown(SHUT_WR), read to the peer's FIN
//   linger0       read a byte, close with SO_LINGER {1, 0}: RST (with the byte
//                 unread, Linux's tcp_close would count it an unread-data abort)
//   unread        wait for data, close without reading it: RST (RFC 9293 3.10.4)
//
// It exits 3 s after its connection is gone or in TIME-WAIT, or after 30 s,
// writing every packet in and out to PCAP if one is named.
#include <sys/random.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "api/event_loop.h"
#include "netdev/pcap_tap.h"
#include "netdev/tun_device.h"

using namespace finwait;

namespace {

// The TUN device, deaf while `hold_until` has not passed: what arrives then
// waits in the kernel's queue for the device (the simultaneous close).
class HoldingDevice : public netdev::Device {
 public:
  explicit HoldingDevice(netdev::Device& device) : device_(device) {}
  int poll_fd() const override { return device_.poll_fd(); }
  std::uint16_t mtu() const override { return device_.mtu(); }
  netdev::Offloads offloads() const override { return device_.offloads(); }
  Result<std::size_t, std::string> receive(std::span<netdev::ReceivedPacket> out) override {
    if (api::real_clock_now() < hold_until) return std::size_t{0};
    return device_.receive(out);
  }
  Result<bool, std::string> send(std::span<const std::uint8_t> packet, std::uint16_t segment_size) override {
    return device_.send(packet, segment_size);
  }
  Instant hold_until;

 private:
  netdev::Device& device_;
};

class StatePrinter : public stack::StackObserver {
 public:
  explicit StatePrinter(Instant start) : start_(start) {}
  void on_state_change(const stack::FlowKey&, tcp::State from, tcp::State to, tcp::Cause cause,
                       Instant now) override {
    std::printf("%8.3f state %s -> %s (%s)\n", (now - start_).seconds_double(), tcp::to_string(from).data(),
                tcp::to_string(to).data(), tcp::to_string(cause).data());
    std::fflush(stdout);
    last = to;
  }
  tcp::State last = tcp::State::listen;

 private:
  Instant start_;
};

}  // namespace

int main(int argc, char** argv) {
  auto address = argc == 5 || argc == 6 ? wire::Ipv4Address::parse(argv[2]) : std::nullopt;
  if (!address) return std::fprintf(stderr, "usage: teardown_peer TUN ADDRESS PORT MODE [PCAP]\n"), 2;
  const std::string mode = argv[4];
  auto device = netdev::TunDevice::open({argv[1], wire::Ipv4Address(address->to_uint() - 1), 24});
  if (!device) return std::fprintf(stderr, "teardown_peer: %s\n", device.error().c_str()), 1;
  stack::StackConfig config;
  config.address = *address;
  config.mtu = device->mtu();
  config.max_segmented_packet = device->offloads().max_segmented_packet;
  (void)getrandom(&config.secret, sizeof config.secret, 0);
  stack::Stack stack(config);
  std::optional<wire::PcapWriter> capture;
  if (argc == 6) {
    auto writer = wire::PcapWriter::create(argv[5]);
    if (!writer) return std::fprintf(stderr, "teardown_peer: %s\n", writer.error().c_str()), 1;
    capture.emplace(std::move(*writer));
  }
  std::optional<netdev::PcapTap> tap;
  if (capture) tap.emplace(*device, *capture, api::real_clock_now);
  HoldingDevice holding(tap ? static_cast<netdev::Device&>(*tap) : *device);
  api::EventLoop loop(stack, holding);
  holding.hold_until = loop.now();
  const Instant start = loop.now();
  StatePrinter printer(start);
  stack.add_observer(&printer);
  const int listener = stack.socket();
  (void)stack.bind(listener, {}, static_cast<std::uint16_t>(std::stoi(argv[3])));
  (void)stack.listen(listener, 8);

  int fd = -1;
  bool closed = false;
  std::uint64_t received = 0;
  std::uint64_t to_send = 0;
  Instant close_at = Instant::never();
  Instant send_at = Instant::never();
  Instant finished_at = Instant::never();
  const Instant give_up = loop.now() + seconds(30);
  const std::vector<std::uint8_t> block(65536, 'x');
  auto send_text = [&](const char* text, Instant now) {
    (void)stack.send(fd, std::span(reinterpret_cast<const std::uint8_t*>(text), std::strlen(text)), now);
  };
  auto close_now = [&](Instant now) {
    if (closed) return;
    closed = true;
    std::printf("%8.3f close\n", (now - start).seconds_double());
    (void)stack.close(fd, now);
  };
  // Reads what there is; true at the peer's FIN.
  auto read_all = [&](Instant now) {
    std::uint8_t buffer[65536];
    while (true) {
      auto n = stack.receive(fd, buffer, now);
      if (!n) return false;
      if (*n == 0) return true;
      received += *n;
    }
  };
  auto send_more = [&](Instant now) {
    while (to_send > 0 && !closed) {
      auto n = stack.send(fd, std::span(block).first(std::min<std::uint64_t>(to_send, block.size())), now);
      if (!n || *n == 0) break;
      to_send -= *n;
      if (to_send == 0) close_now(now);
    }
  };
  loop.on_ready([&](std::span<const int> ready, Instant now) {
    for (const int ready_fd : ready) {
      if (ready_fd == listener && fd < 0) {
        auto accepted = stack.accept(listener);
        if (!accepted) continue;
        fd = *accepted;
        stack.set_nonblocking(fd, true);
        if (mode == "active") {
          send_text("hello\n", now);
          close_now(now);
        } else if (mode == "simultaneous") {
          send_text("go\n", now);
          holding.hold_until = now + milliseconds(100);
          close_at = now + milliseconds(50);
        } else if (mode == "shutdown") {
          send_text("hello\n", now);
          (void)stack.shutdown(fd, tcp::Shutdown::write, now);
        }
        continue;
      }
      if (ready_fd != fd || closed) continue;
      if (mode == "passive" || mode == "shutdown") {
        if (read_all(now)) {
          std::printf("received %llu then FIN\n", static_cast<unsigned long long>(received));
          close_now(now);
        }
      } else if (mode == "send-after-fin") {
        if (send_at == Instant::never() && read_all(now)) {
          std::printf("received %llu then FIN; sending 10000000 in 300 ms\n",
                      static_cast<unsigned long long>(received));
          send_at = now + milliseconds(300);
        }
      } else if (mode == "linger0") {
        if (stack.readable_bytes(fd) > 0) {
          read_all(now);
          tcp::SocketOptions options = *stack.options(fd);
          options.linger_on = true;
          options.linger_seconds = 0;
          (void)stack.set_options(fd, options, now);
          close_now(now);
        }
      } else if (mode == "unread") {
        if (stack.readable_bytes(fd) > 0) close_now(now);
      }
    }
    send_more(now);
  });
  std::printf("teardown_peer: ready on %s, %s\n", argv[1], device->describe_offloads().c_str());
  std::fflush(stdout);
  // A tick every 10 ms for what is timed (the simultaneous close, the end).
  bool over = false;
  const int tick = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  const itimerspec every{{0, 10'000'000}, {0, 10'000'000}};
  ::timerfd_settime(tick, 0, &every, nullptr);
  (void)loop.watch(tick, [&](Instant now) {
    std::uint64_t expirations = 0;
    (void)::read(tick, &expirations, sizeof expirations);
    if (fd >= 0 && !closed && now >= close_at) close_now(now);
    if (now >= send_at && send_at != Instant::never()) {
      send_at = Instant::never();
      to_send = 10'000'000;
      send_more(now);
    }
    const bool gone = closed && (stack.connection_count() == 0 || printer.last == tcp::State::time_wait);
    if (gone && finished_at == Instant::never()) finished_at = now;
    over = now >= give_up || (finished_at != Instant::never() && now >= finished_at + seconds(3));
  });
  auto ran = loop.run([&] { return over; });
  if (!ran) return std::fprintf(stderr, "teardown_peer: %s\n", ran.error().c_str()), 1;
  if (capture) {
    if (auto written = capture->commit(); !written)
      return std::fprintf(stderr, "teardown_peer: %s\n", written.error().c_str()), 1;
  }
  std::printf("done, %zu connections left\n", stack.connection_count());
  return 0;
}
