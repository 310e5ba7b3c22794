// An echo server on finwait: a stack on a TUN device, its event loop and the
// socket calls, in about 40 lines. As root: `echo_server fw0 198.18.5.2 7`
// creates fw0 (the kernel's side gets 198.18.5.1/24); try `nc 198.18.5.2 7`.
#include <sys/random.h>

#include <cstdio>
#include <map>
#include <string>

#include "api/event_loop.h"
#include "netdev/tun_device.h"

using namespace finwait;

int main(int argc, char** argv) {
  auto address = argc == 4 ? wire::Ipv4Address::parse(argv[2]) : std::nullopt;
  if (!address) return std::fprintf(stderr, "usage: echo_server TUN ADDRESS PORT\n"), 2;
  auto device = netdev::TunDevice::open({argv[1], wire::Ipv4Address(address->to_uint() - 1), 24});
  if (!device) return std::fprintf(stderr, "echo_server: %s\n", device.error().c_str()), 1;
  stack::StackConfig config;
  config.address = *address;
  config.mtu = device->mtu();
  (void)getrandom(&config.secret, sizeof config.secret, 0);  // ISNs and ports must not be guessable
  stack::Stack stack(config);
  const int listener = stack.socket();
  (void)stack.bind(listener, {}, static_cast<std::uint16_t>(std::stoi(argv[3])));
  (void)stack.listen(listener, 128);
  std::map<int, std::string> unsent;  // what a full send buffer did not take yet
  api::EventLoop loop(stack, *device);
  loop.on_ready([&](std::span<const int> ready, Instant now) {
    for (int fd : ready) {
      if (fd == listener) {
        while (auto accepted = stack.accept(listener)) stack.set_nonblocking(*accepted, true);
        continue;
      }
      std::string& out = unsent[fd];
      std::uint8_t buffer[4096];
      while (auto n = stack.receive(fd, buffer, now)) {
        if (*n == 0) break;
        out.append(reinterpret_cast<const char*>(buffer), *n);
      }
      if (auto n = stack.send(fd, std::span(reinterpret_cast<const std::uint8_t*>(out.data()), out.size()), now))
        out.erase(0, *n);
      if (out.empty() && (stack.readiness(fd).read_hangup || stack.readiness(fd).error)) {
        (void)stack.close(fd, now);
        unsent.erase(fd);
      }
    }
  });
  std::printf("echo_server: ready on %s\n", argv[1]);
  std::fflush(stdout);
  auto ran = loop.run([] { return false; });
  return std::fprintf(stderr, "echo_server: %s\n", ran.error().c_str()), 1;
}
