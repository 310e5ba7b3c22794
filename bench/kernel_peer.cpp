// The kernel side of the real-traffic benchmarks (bench/tun_bench.sh): a
// small client and server on the kernel's own sockets, the same program
// against finwait on TUN and against the kernel over veth, so that the two
// runs differ only in the stack at the other end. Large writes and reads
// (1 MiB), nothing else on the path. Each mode prints one line of figures.
//
//   kernel_peer send HOST PORT BYTES    connect, write BYTES, close; wait for the peer's close
//   kernel_peer sink PORT               accept one connection, read it to the end
//   kernel_peer get HOST PORT BYTES     HTTP GET /bytes/BYTES, read to the end
//   kernel_peer serve PORT              answer one GET /bytes/N with N bytes, then close
//   kernel_peer cps HOST PORT SECONDS   connect, GET /bytes/1, read to the end, close; in a loop
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr std::size_t k_chunk = 1 << 20;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "kernel_peer: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(2);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

sockaddr_in address_of(const char* host, const char* port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(std::atoi(port)));
  if (::inet_pton(AF_INET, host, &a.sin_addr) != 1) {
    std::fprintf(stderr, "kernel_peer: '%s' is not an IPv4 address\n", host);
    std::exit(2);
  }
  return a;
}

int connect_to(const sockaddr_in& a) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) die("connect");
  return fd;
}

int accept_one(const char* port) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(std::atoi(port)));
  if (::bind(listener, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) die("bind");
  if (::listen(listener, 16) != 0) die("listen");
  std::printf("listening\n");
  std::fflush(stdout);
  const int fd = ::accept(listener, nullptr, nullptr);
  if (fd < 0) die("accept");
  ::close(listener);
  return fd;
}

std::size_t read_to_end(int fd, std::vector<char>& buffer) {
  std::size_t total = 0;
  while (true) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0) die("read");
    if (got == 0) return total;
    total += static_cast<std::size_t>(got);
  }
}

void write_all(int fd, const char* data, std::size_t length) {
  while (length > 0) {
    const ssize_t put = ::write(fd, data, length);
    if (put < 0) die("write");
    data += put;
    length -= static_cast<std::size_t>(put);
  }
}

void write_bytes(int fd, std::size_t bytes, const std::vector<char>& buffer) {
  while (bytes > 0) {
    const std::size_t n = std::min(bytes, buffer.size());
    write_all(fd, buffer.data(), n);
    bytes -= n;
  }
}

void report(const char* what, std::size_t bytes, double elapsed) {
  std::printf("%s %zu bytes in %.3f s: %.2f Gbit/s\n", what, bytes, elapsed, bytes * 8.0 / elapsed / 1e9);
}

std::string request_for(std::size_t bytes) {
  return "GET /bytes/" + std::to_string(bytes) + " HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  std::vector<char> buffer(k_chunk, 'a');
  if (mode == "send" && argc == 5) {
    const std::size_t bytes = std::strtoull(argv[4], nullptr, 10);
    const auto start = std::chrono::steady_clock::now();
    const int fd = connect_to(address_of(argv[2], argv[3]));
    write_bytes(fd, bytes, buffer);
    ::shutdown(fd, SHUT_WR);
    read_to_end(fd, buffer);  // the peer has everything once it closes
    report("send", bytes, seconds_since(start));
    return 0;
  }
  if (mode == "sink" && argc == 3) {
    const int fd = accept_one(argv[2]);
    const auto start = std::chrono::steady_clock::now();
    const std::size_t bytes = read_to_end(fd, buffer);
    report("sink", bytes, seconds_since(start));
    return 0;
  }
  if (mode == "get" && argc == 5) {
    const std::size_t bytes = std::strtoull(argv[4], nullptr, 10);
    const auto start = std::chrono::steady_clock::now();
    const int fd = connect_to(address_of(argv[2], argv[3]));
    const std::string request = request_for(bytes);
    write_all(fd, request.data(), request.size());
    const std::size_t got = read_to_end(fd, buffer);
    if (got < bytes) {
      std::fprintf(stderr, "kernel_peer: got %zu bytes, expected %zu and headers\n", got, bytes);
      return 1;
    }
    report("get", bytes, seconds_since(start));
    return 0;
  }
  if (mode == "serve" && argc == 3) {
    const int fd = accept_one(argv[2]);
    std::string request;
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t got = ::read(fd, buffer.data(), buffer.size());
      if (got <= 0) die("read the request");
      request.append(buffer.data(), static_cast<std::size_t>(got));
    }
    const std::size_t bytes = std::strtoull(request.c_str() + std::strlen("GET /bytes/"), nullptr, 10);
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(bytes) + "\r\n\r\n";
    write_all(fd, head.data(), head.size());
    write_bytes(fd, bytes, buffer);
    ::close(fd);
    return 0;
  }
  if (mode == "cps" && argc == 5) {
    const sockaddr_in a = address_of(argv[2], argv[3]);
    const double duration = std::atof(argv[4]);
    const std::string request = request_for(1);
    const auto start = std::chrono::steady_clock::now();
    std::size_t cycles = 0;
    while (seconds_since(start) < duration) {
      const int fd = connect_to(a);
      write_all(fd, request.data(), request.size());
      if (read_to_end(fd, buffer) == 0) {
        std::fprintf(stderr, "kernel_peer: an empty response\n");
        return 1;
      }
      ::close(fd);  // the server closed first: TIME-WAIT is on its side
      ++cycles;
    }
    const double elapsed = seconds_since(start);
    std::printf("cps %zu connections in %.3f s: %.0f per second\n", cycles, elapsed, cycles / elapsed);
    return 0;
  }
  std::fprintf(stderr,
               "usage: kernel_peer send HOST PORT BYTES | sink PORT | get HOST PORT BYTES | serve PORT | "
               "cps HOST PORT SECONDS\n");
  return 2;
}
