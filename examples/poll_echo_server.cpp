// The echo server of echo_server.cpp written the poll-style way: the BSD
// calls of api::SocketApi and an epoll set, waited on with EventLoop::wait.
// As root: `poll_echo_server fw0 198.18.5.2 7`; try `nc 198.18.5.2 7`.
#include <sys/random.h>

#include <cstdio>
#include <map>
#include <string>

#include "api/event_loop.h"
#include "api/linux_abi.h"
#include "netdev/tun_device.h"

using namespace finwait;
namespace abi = api::linux_abi;

int main(int argc, char** argv) {
  auto address = argc == 4 ? wire::Ipv4Address::parse(argv[2]) : std::nullopt;
  if (!address) return std::fprintf(stderr, "usage: poll_echo_server TUN ADDRESS PORT\n"), 2;
  auto device = netdev::TunDevice::open({argv[1], wire::Ipv4Address(address->to_uint() - 1), 24});
  if (!device) return std::fprintf(stderr, "poll_echo_server: %s\n", device.error().c_str()), 1;
  stack::StackConfig config;
  config.address = *address;
  config.mtu = device->mtu();
  (void)getrandom(&config.secret, sizeof config.secret, 0);  // ISNs and ports must not be guessable
  stack::Stack stack(config);
  api::EventLoop loop(stack, *device);
  api::SocketApi sockets(stack);
  const int listener = static_cast<int>(sockets.socket(abi::af_inet, abi::sock_stream | abi::sock_nonblock, 0).value);
  (void)sockets.bind(listener, {}, static_cast<std::uint16_t>(std::stoi(argv[3])));
  (void)sockets.listen(listener, 128);
  const int ep = static_cast<int>(sockets.epoll_create().value);
  (void)sockets.epoll_ctl(ep, abi::epoll_ctl_add, listener, abi::epollin);
  std::map<int, std::string> unsent;  // what a full send buffer did not take yet
  std::vector<api::EpollEvent> events;
  std::printf("poll_echo_server: ready on %s\n", argv[1]);
  std::fflush(stdout);
  while (true) {
    auto waited = loop.wait(sockets, ep, events);
    if (!waited) return std::fprintf(stderr, "poll_echo_server: %s\n", waited.error().c_str()), 1;
    const Instant now = loop.now();
    for (const api::EpollEvent& e : events) {
      if (e.fd == listener) {
        for (api::CallResult c; (c = sockets.accept(listener)).ok();) {
          (void)sockets.fcntl(static_cast<int>(c.value), abi::f_setfl, abi::o_nonblock);
          (void)sockets.epoll_ctl(ep, abi::epoll_ctl_add, static_cast<int>(c.value), abi::epollin | abi::epollout);
        }
        continue;
      }
      std::string& out = unsent[e.fd];
      std::uint8_t buffer[4096];
      api::CallResult got;
      while ((got = sockets.read(e.fd, buffer, 0, now)).ok() && got.value > 0)
        out.append(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(got.value));
      const auto sent = sockets.write(e.fd, std::span(reinterpret_cast<const std::uint8_t*>(out.data()), out.size()), 0, now);
      if (sent.value > 0) out.erase(0, static_cast<std::size_t>(sent.value));
      // Writable with nothing to send would wake us forever: ask for it only while data waits.
      (void)sockets.epoll_ctl(ep, abi::epoll_ctl_mod, e.fd, abi::epollin | (out.empty() ? 0 : abi::epollout));
      const bool at_end = got.ok() && got.value == 0;  // the peer's FIN
      if (out.empty() && (at_end || got.error != Errno::eagain)) {
        (void)sockets.close(e.fd, now);
        unsent.erase(e.fd);
      }
    }
  }
}
