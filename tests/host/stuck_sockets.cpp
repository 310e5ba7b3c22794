// Real kernel sockets left in each state `finwait scan` explains, on ADDRESS
// (inside the test's own network namespace), one listener port per case:
//   BASE+1  the client closed: an orphan FIN_WAIT_2; the server holds CLOSE_WAIT
//   BASE+2  the client did shutdown(SHUT_WR) and keeps it: an owned FIN_WAIT_2
//   BASE+3  the same with SO_KEEPALIVE: a keepalive timer runs
//   BASE+4  the listener never accepts; the client closed: CLOSE_WAIT in the backlog
//   BASE+5  the server closed first: TIME_WAIT on its side
// Then writes READY_FILE and waits (holding every descriptor) for SIGTERM.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

sockaddr_in address_of(const char* ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
    std::fprintf(stderr, "stuck_sockets: '%s' is not an IPv4 address\n", ip);
    std::exit(2);
  }
  return a;
}

int must(int r, const char* what) {
  if (r < 0) {
    std::perror(what);
    std::exit(1);
  }
  return r;
}

int listener(const sockaddr_in& at) {
  const int fd = must(socket(AF_INET, SOCK_STREAM, 0), "socket");
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  must(bind(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at), "bind");
  must(listen(fd, 8), "listen");
  return fd;
}

int client(const sockaddr_in& to, bool keepalive) {
  const int fd = must(socket(AF_INET, SOCK_STREAM, 0), "socket");
  if (keepalive) {
    const int one = 1, idle = 600;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  }
  must(connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to), "connect");
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: stuck_sockets ADDRESS BASE_PORT READY_FILE\n");
    return 2;
  }
  const char* ip = argv[1];
  const int base = std::atoi(argv[2]);
  if (base < 1 || base > 65530) {
    std::fprintf(stderr, "stuck_sockets: BASE_PORT '%s' is not 1..65530\n", argv[2]);
    return 2;
  }
  // 1: orphan FIN_WAIT_2 / owned CLOSE_WAIT.
  const int l1 = listener(address_of(ip, base + 1));
  const int c1 = client(address_of(ip, base + 1), false);
  const int s1 = must(accept(l1, nullptr, nullptr), "accept");
  close(c1);
  // 2 and 3: owned FIN_WAIT_2, without and with keepalive.
  const int l2 = listener(address_of(ip, base + 2));
  const int c2 = client(address_of(ip, base + 2), false);
  const int s2 = must(accept(l2, nullptr, nullptr), "accept");
  shutdown(c2, SHUT_WR);
  const int l3 = listener(address_of(ip, base + 3));
  const int c3 = client(address_of(ip, base + 3), true);
  const int s3 = must(accept(l3, nullptr, nullptr), "accept");
  shutdown(c3, SHUT_WR);
  // 4: CLOSE_WAIT in a backlog nobody accepts from.
  const int l4 = listener(address_of(ip, base + 4));
  const int c4 = client(address_of(ip, base + 4), false);
  close(c4);
  // 5: TIME_WAIT on the side that closed first.
  const int l5 = listener(address_of(ip, base + 5));
  const int c5 = client(address_of(ip, base + 5), false);
  const int s5 = must(accept(l5, nullptr, nullptr), "accept");
  close(s5);
  char byte = 0;
  if (read(c5, &byte, 1) != 0) std::fprintf(stderr, "stuck_sockets: expected EOF on case 5\n");
  close(c5);
  usleep(200000);  // the last ACKs and FINs cross on loopback
  std::ofstream(argv[3]) << getpid() << "\n";
  (void)s1, (void)s2, (void)s3, (void)l1, (void)l2, (void)l3, (void)l4, (void)l5;
  pause();
  return 0;
}
