// The socket API's Linux rules: descriptors, errno choices, blocking calls,
// options and their validation, and readiness level- and edge-triggered.
// Two stacks on an in-memory wire, time standing still unless a test moves it.
#include "api/socket_api.h"

#include <gtest/gtest.h>

#include "api/linux_abi.h"

namespace finwait::api {
namespace {
namespace abi = linux_abi;

const wire::Ipv4Address k_server_address(198, 18, 0, 1);
const wire::Ipv4Address k_client_address(198, 18, 0, 2);

std::unique_ptr<stack::Stack> make_stack(wire::Ipv4Address address) {
  stack::StackConfig c;
  c.address = address;
  return std::make_unique<stack::Stack>(c);
}

struct Pair {
  std::unique_ptr<stack::Stack> server_stack = make_stack(k_server_address);
  std::unique_ptr<stack::Stack> client_stack = make_stack(k_client_address);
  SocketApi server{*server_stack};
  SocketApi client{*client_stack};
  Instant now = Instant::from_nanoseconds(1'000'000'000);

  // Carries every frame across until both sides are quiet.
  void pump() {
    for (int round = 0; round < 100; ++round) {
      const bool quiet = server_stack->outgoing_count() == 0 && client_stack->outgoing_count() == 0;
      if (quiet) return;
      deliver(*server_stack, *client_stack);
      deliver(*client_stack, *server_stack);
    }
  }
  void deliver(stack::Stack& from, stack::Stack& to) {
    std::vector<std::vector<std::uint8_t>> frames;
    for (std::size_t i = 0; i < from.outgoing_count(); ++i)
      frames.emplace_back(from.outgoing(i).begin(), from.outgoing(i).end());
    from.clear_outgoing();
    for (const auto& f : frames) to.on_frame(f, now);
  }
  int listener() {
    const int fd = static_cast<int>(server.socket(abi::af_inet, abi::sock_stream, 0).value);
    EXPECT_TRUE(server.bind(fd, {}, 80).ok());
    EXPECT_TRUE(server.listen(fd, 16).ok());
    return fd;
  }
  // A connected pair: {client fd, server's accepted fd}.
  std::pair<int, int> connected(int listener_fd) {
    const int c = static_cast<int>(client.socket(abi::af_inet, abi::sock_stream | abi::sock_nonblock, 0).value);
    EXPECT_EQ(client.connect(c, k_server_address, 80, now).error, Errno::einprogress);
    pump();
    const CallResult accepted = server.accept(listener_fd);
    EXPECT_TRUE(accepted.ok());
    return {c, static_cast<int>(accepted.value)};
  }
  std::int64_t send(SocketApi& api, int fd, std::string_view text) {
    const auto r = api.write(fd, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), 0, now);
    pump();
    return r.value;
  }
};

TEST(SocketApi, DescriptorsAreTheLowestFreeFromThree) {
  Pair p;
  EXPECT_EQ(p.server.socket(abi::af_inet, abi::sock_stream, 0).value, 3);
  EXPECT_EQ(p.server.epoll_create().value, 4);
  EXPECT_EQ(p.server.socket(abi::af_inet, abi::sock_stream, 0).value, 5);
  EXPECT_TRUE(p.server.close(3, p.now).ok());
  EXPECT_EQ(p.server.socket(abi::af_inet, abi::sock_stream, 0).value, 3);
}

TEST(SocketApi, BadArgumentsGetLinuxsErrno) {
  Pair p;
  EXPECT_EQ(p.server.socket(10, abi::sock_stream, 0).error, Errno::eafnosupport);  // AF_INET6
  EXPECT_EQ(p.server.socket(abi::af_inet, 2, 0).error, Errno::einval);           // SOCK_DGRAM
  EXPECT_EQ(p.server.socket(abi::af_inet, abi::sock_stream, 17).error, Errno::eprotonosupport);
  EXPECT_EQ(p.server.bind(42, {}, 80).error, Errno::ebadf);
  const int ep = static_cast<int>(p.server.epoll_create().value);
  EXPECT_EQ(p.server.listen(ep, 1).error, Errno::enotsock);
  const int fd = static_cast<int>(p.server.socket(abi::af_inet, abi::sock_stream, 0).value);
  EXPECT_EQ(p.server.shutdown(fd, 3, p.now).error, Errno::einval);
  EXPECT_EQ(p.server.shutdown(fd, abi::shut_wr, p.now).error, Errno::enotconn);
  std::int64_t n = 0;
  EXPECT_EQ(p.server.ioctl(fd, 0x1234, n).error, Errno::enotty);
  EXPECT_EQ(p.server.epoll_ctl(fd, abi::epoll_ctl_add, ep, abi::epollin).error, Errno::einval);
  EXPECT_EQ(p.server.epoll_ctl(ep, abi::epoll_ctl_del, fd, 0).error, Errno::enoent);
  EXPECT_TRUE(p.server.epoll_ctl(ep, abi::epoll_ctl_add, fd, abi::epollin).ok());
  EXPECT_EQ(p.server.epoll_ctl(ep, abi::epoll_ctl_add, fd, abi::epollin).error, Errno::eexist);
}

TEST(SocketApi, OptionsAreValidatedAsLinuxDoes) {
  Pair p;
  const int fd = static_cast<int>(p.server.socket(abi::af_inet, abi::sock_stream, 0).value);
  auto set = [&](int level, int option, OptionValue v) { return p.server.setsockopt(fd, level, option, v, p.now); };
  auto get = [&](int level, int option) {
    OptionValue v;
    EXPECT_TRUE(p.server.getsockopt(fd, level, option, v).ok());
    return v;
  };
  EXPECT_EQ(set(abi::ipproto_tcp, abi::tcp_keepidle, std::int64_t{0}).error, Errno::einval);
  EXPECT_EQ(set(abi::ipproto_tcp, abi::tcp_keepidle, std::int64_t{32768}).error, Errno::einval);
  EXPECT_EQ(set(abi::ipproto_tcp, abi::tcp_keepcnt, std::int64_t{128}).error, Errno::einval);
  EXPECT_EQ(set(abi::ipproto_tcp, abi::tcp_user_timeout, std::int64_t{-1}).error, Errno::einval);
  EXPECT_EQ(set(abi::ipproto_tcp, abi::tcp_congestion, std::string("vegas")).error, Errno::enoent);
  // TCP_CONGESTION: tcp_congestion_control's choice until set, then the socket's own.
  EXPECT_EQ(std::get<std::string>(get(abi::ipproto_tcp, abi::tcp_congestion)), "cubic");
  EXPECT_TRUE(set(abi::ipproto_tcp, abi::tcp_congestion, std::string("reno")).ok());
  EXPECT_EQ(std::get<std::string>(get(abi::ipproto_tcp, abi::tcp_congestion)), "reno");
  EXPECT_EQ(set(abi::sol_socket, abi::so_linger, std::int64_t{1}).error, Errno::einval);
  EXPECT_EQ(set(abi::sol_socket, abi::so_error, std::int64_t{1}).error, Errno::enoprotoopt);
  EXPECT_EQ(set(42, 1, std::int64_t{1}).error, Errno::enoprotoopt);
  // Unset values read as the tunables (linux profile: tcp_keepidle 7200 s).
  EXPECT_EQ(std::get<std::int64_t>(get(abi::ipproto_tcp, abi::tcp_keepidle)), 7200);
  EXPECT_TRUE(set(abi::ipproto_tcp, abi::tcp_keepidle, std::int64_t{60}).ok());
  EXPECT_EQ(std::get<std::int64_t>(get(abi::ipproto_tcp, abi::tcp_keepidle)), 60);
  // TCP_LINGER2: Linux caps it at 120 s; negative reads back as -1.
  EXPECT_TRUE(set(abi::ipproto_tcp, abi::tcp_linger2, std::int64_t{600}).ok());
  EXPECT_EQ(std::get<std::int64_t>(get(abi::ipproto_tcp, abi::tcp_linger2)), 120);
  EXPECT_TRUE(set(abi::ipproto_tcp, abi::tcp_linger2, std::int64_t{-5}).ok());
  EXPECT_EQ(std::get<std::int64_t>(get(abi::ipproto_tcp, abi::tcp_linger2)), -1);
  // The kernel takes an int: 2^32 + 30 arrives as 30.
  EXPECT_TRUE(set(abi::ipproto_tcp, abi::tcp_keepintvl, std::int64_t{(1LL << 32) + 30}).ok());
  EXPECT_EQ(std::get<std::int64_t>(get(abi::ipproto_tcp, abi::tcp_keepintvl)), 30);
  EXPECT_TRUE(set(abi::sol_socket, abi::so_linger, Linger{1, 5}).ok());
  const Linger l = std::get<Linger>(get(abi::sol_socket, abi::so_linger));
  EXPECT_EQ(l.onoff, 1);
  EXPECT_EQ(l.seconds, 5);
  // SO_RCVBUF: doubled, as Linux does.
  EXPECT_TRUE(set(abi::sol_socket, abi::so_rcvbuf, std::int64_t{10000}).ok());
  EXPECT_EQ(std::get<std::int64_t>(get(abi::sol_socket, abi::so_rcvbuf)), 20000);
}

// The connection holds its socket's options (the socket keeps its own only
// while it has none), and a listener's children share the listener's copy:
// they must read the same before the connection, during it, in the child a
// listener gave them to (whatever the listener changes later), and after
// connect(AF_UNSPEC) took the connection away.
TEST(SocketApi, OptionsFollowTheSocketThroughItsConnection) {
  Pair p;
  auto get = [](SocketApi& api, int fd, int level, int option) {
    OptionValue v;
    EXPECT_TRUE(api.getsockopt(fd, level, option, v).ok());
    return std::get<std::int64_t>(v);
  };
  const int l = p.listener();
  ASSERT_TRUE(p.server.setsockopt(l, abi::ipproto_tcp, abi::tcp_keepidle, std::int64_t{77}, p.now).ok());
  const int c = static_cast<int>(p.client.socket(abi::af_inet, abi::sock_stream | abi::sock_nonblock, 0).value);
  ASSERT_TRUE(p.client.setsockopt(c, abi::ipproto_tcp, abi::tcp_keepcnt, std::int64_t{5}, p.now).ok());
  ASSERT_EQ(p.client.connect(c, k_server_address, 80, p.now).error, Errno::einprogress);
  p.pump();
  const CallResult accepted = p.server.accept(l);
  ASSERT_TRUE(accepted.ok());
  const int a = static_cast<int>(accepted.value);
  EXPECT_EQ(get(p.server, a, abi::ipproto_tcp, abi::tcp_keepidle), 77);  // inherited
  // The child holds the listener's copy until one of them changes it.
  ASSERT_TRUE(p.server.setsockopt(l, abi::ipproto_tcp, abi::tcp_keepidle, std::int64_t{88}, p.now).ok());
  EXPECT_EQ(get(p.server, a, abi::ipproto_tcp, abi::tcp_keepidle), 77);
  EXPECT_EQ(get(p.server, l, abi::ipproto_tcp, abi::tcp_keepidle), 88);
  EXPECT_EQ(get(p.client, c, abi::ipproto_tcp, abi::tcp_keepcnt), 5);    // set before connect()
  ASSERT_TRUE(p.client.setsockopt(c, abi::ipproto_tcp, abi::tcp_keepintvl, std::int64_t{9}, p.now).ok());
  EXPECT_EQ(get(p.client, c, abi::ipproto_tcp, abi::tcp_keepintvl), 9);  // set while connected
  ASSERT_TRUE(p.client.disconnect(c, p.now).ok());
  EXPECT_EQ(get(p.client, c, abi::ipproto_tcp, abi::tcp_keepcnt), 5);  // outlive the connection
  EXPECT_EQ(get(p.client, c, abi::ipproto_tcp, abi::tcp_keepintvl), 9);
  EXPECT_EQ(get(p.client, c, abi::ipproto_tcp, abi::tcp_keepidle), 7200);  // the default (Linux's 2 h)
}

TEST(SocketApi, BlockingCallsSayTheyWouldBlockThenFinish) {
  Pair p;
  const int listener = p.listener();
  EXPECT_TRUE(p.server.accept(listener).would_block);  // blocking, nothing queued
  const int c = static_cast<int>(p.client.socket(abi::af_inet, abi::sock_stream, 0).value);
  EXPECT_TRUE(p.client.connect(c, k_server_address, 80, p.now).would_block);
  EXPECT_TRUE(p.client.connect(c, k_server_address, 80, p.now).would_block);  // the handshake has not run
  p.pump();
  EXPECT_EQ(p.client.connect(c, k_server_address, 80, p.now).value, 0);  // done
  EXPECT_EQ(p.client.connect(c, k_server_address, 80, p.now).error, Errno::eisconn);
  const int s = static_cast<int>(p.server.accept(listener).value);
  std::uint8_t buffer[16];
  EXPECT_TRUE(p.server.read(s, buffer, 0, p.now).would_block);
  EXPECT_EQ(p.server.read(s, buffer, abi::msg_dontwait, p.now).error, Errno::eagain);
  EXPECT_EQ(p.send(p.client, c, "hello"), 5);
  EXPECT_EQ(p.server.read(s, buffer, 0, p.now).value, 5);
}

TEST(SocketApi, ConnectToAClosedPortIsRefused) {
  Pair p;
  const int c = static_cast<int>(p.client.socket(abi::af_inet, abi::sock_stream, 0).value);
  EXPECT_TRUE(p.client.connect(c, k_server_address, 81, p.now).would_block);
  p.pump();
  EXPECT_EQ(p.client.connect(c, k_server_address, 81, p.now).error, Errno::econnrefused);
}

TEST(SocketApi, LevelTriggeredReportsWhileReady) {
  Pair p;
  const auto [c, s] = p.connected(p.listener());
  const int ep = static_cast<int>(p.server.epoll_create().value);
  ASSERT_TRUE(p.server.epoll_ctl(ep, abi::epoll_ctl_add, s, abi::epollin).ok());
  std::vector<EpollEvent> events;
  EXPECT_EQ(p.server.epoll_wait(ep, events).value, 0);
  p.send(p.client, c, "x");
  for (int i = 0; i < 2; ++i) {  // still unread: reported again
    EXPECT_EQ(p.server.epoll_wait(ep, events).value, 1);
    EXPECT_EQ(events[0].fd, s);
    EXPECT_EQ(events[0].events, abi::epollin);
  }
}

TEST(SocketApi, EdgeTriggeredReportsOncePerNewEdge) {
  Pair p;
  const auto [c, s] = p.connected(p.listener());
  const int ep = static_cast<int>(p.server.epoll_create().value);
  ASSERT_TRUE(p.server.epoll_ctl(ep, abi::epoll_ctl_add, s, abi::epollin | abi::epollet).ok());
  std::vector<EpollEvent> events;
  EXPECT_EQ(p.server.epoll_wait(ep, events).value, 0);  // nothing to read when added
  p.send(p.client, c, "x");
  EXPECT_EQ(p.server.epoll_wait(ep, events).value, 1);
  EXPECT_EQ(p.server.epoll_wait(ep, events).value, 0);  // the same data: no new edge
  p.send(p.client, c, "y");
  EXPECT_EQ(p.server.epoll_wait(ep, events).value, 1);  // more data: a new edge, as Linux wakes
  // EPOLL_CTL_MOD re-arms: what is ready is reported again.
  ASSERT_TRUE(p.server.epoll_ctl(ep, abi::epoll_ctl_mod, s, abi::epollin | abi::epollet).ok());
  EXPECT_EQ(p.server.epoll_wait(ep, events).value, 1);
}

TEST(SocketApi, OneShotIsSilentUntilModified) {
  Pair p;
  const auto [c, s] = p.connected(p.listener());
  const int ep = static_cast<int>(p.server.epoll_create().value);
  ASSERT_TRUE(p.server.epoll_ctl(ep, abi::epoll_ctl_add, s, abi::epollin | abi::epolloneshot).ok());
  p.send(p.client, c, "x");
  std::vector<EpollEvent> events;
  EXPECT_EQ(p.server.epoll_wait(ep, events).value, 1);
  p.send(p.client, c, "y");
  EXPECT_EQ(p.server.epoll_wait(ep, events).value, 0);
  ASSERT_TRUE(p.server.epoll_ctl(ep, abi::epoll_ctl_mod, s, abi::epollin | abi::epolloneshot).ok());
  EXPECT_EQ(p.server.epoll_wait(ep, events).value, 1);
}

TEST(SocketApi, ErrorsAndHangupsAreReportedUnasked) {
  Pair p;
  const auto [c, s] = p.connected(p.listener());
  const int ep = static_cast<int>(p.server.epoll_create().value);
  ASSERT_TRUE(p.server.epoll_ctl(ep, abi::epoll_ctl_add, s, abi::epollout).ok());
  ASSERT_TRUE(p.client.setsockopt(c, abi::sol_socket, abi::so_linger, Linger{1, 0}, p.now).ok());
  ASSERT_TRUE(p.client.close(c, p.now).ok());  // RST
  p.pump();
  std::vector<EpollEvent> events;
  ASSERT_EQ(p.server.epoll_wait(ep, events).value, 1);
  EXPECT_NE(events[0].events & abi::epollerr, 0u);
  EXPECT_NE(events[0].events & abi::epollhup, 0u);
  OptionValue error;
  ASSERT_TRUE(p.server.getsockopt(s, abi::sol_socket, abi::so_error, error).ok());
  EXPECT_EQ(std::get<std::int64_t>(error), 104);  // ECONNRESET, then cleared
  ASSERT_TRUE(p.server.getsockopt(s, abi::sol_socket, abi::so_error, error).ok());
  EXPECT_EQ(std::get<std::int64_t>(error), 0);
}

TEST(SocketApi, AClosedDescriptorLeavesEveryEpollSet) {
  Pair p;
  const auto [c, s] = p.connected(p.listener());
  const int ep = static_cast<int>(p.server.epoll_create().value);
  ASSERT_TRUE(p.server.epoll_ctl(ep, abi::epoll_ctl_add, s, abi::epollout).ok());
  ASSERT_TRUE(p.server.close(s, p.now).ok());
  std::vector<EpollEvent> events;
  EXPECT_EQ(p.server.epoll_wait(ep, events).value, 0);
  const int reused = static_cast<int>(p.server.socket(abi::af_inet, abi::sock_stream, 0).value);
  EXPECT_EQ(reused, s);  // the number comes back, not the interest
  EXPECT_EQ(p.server.epoll_wait(ep, events).value, 0);
  (void)c;
}

TEST(SocketApi, PollMarksWhatIsNotASocket) {
  Pair p;
  const int ep = static_cast<int>(p.server.epoll_create().value);
  PollFd fds[2] = {{ep, abi::epollin, 0}, {99, abi::epollin, 0}};
  EXPECT_EQ(p.server.poll(fds).value, 2);
  EXPECT_EQ(fds[0].revents, abi::pollnval);
  EXPECT_EQ(fds[1].revents, abi::pollnval);
}

}  // namespace
}  // namespace finwait::api
