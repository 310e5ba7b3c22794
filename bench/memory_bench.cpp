// Memory per connection, measured: bytes per parked (FIN-WAIT-2/TIME-WAIT)
// entry in the compact table, and per idle established connection, heap
// included (glibc's mallinfo2 before and after) and as the process's
// resident set grew (VmRSS). Aim (performance issue): <= 64 B and <= 512 B.
//
//   memory_bench [--connections=N]   N idle connections a stack (default 10^5)
#include <malloc.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "base/check.h"
#include "base/decimal.h"
#include "stack/parked_table.h"
#include "stack/stack.h"
#include "tcp/connection.h"

namespace {

using finwait::Instant;
using finwait::stack::Stack;
using finwait::wire::Ipv4Address;

// Both small allocations and the large ones glibc maps separately.
std::size_t heap_in_use() {
  const auto info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

// The resident set, from /proc/self/status (VmRSS, in kB).
std::size_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string word;
  while (status >> word) {
    if (word == "VmRSS:") {
      std::size_t kb = 0;
      status >> kb;
      return kb * 1024;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t k_idle = 100'000;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto n = arg.starts_with("--connections=") ? finwait::parse_decimal_integer(arg.substr(14)) : std::nullopt;
    if (!n || *n < 1 || *n > 50'000'000) {
      fmt::print(stderr, "memory_bench: expected --connections=N with N from 1 to 50000000, not '{}'\n", arg);
      return 2;
    }
    k_idle = static_cast<std::size_t>(*n);
  }
  // The connections first: the resident set then grows from a fresh heap.
  {
    finwait::stack::StackConfig c;
    c.address = Ipv4Address(198, 18, 0, 1);
    auto client = std::make_unique<Stack>(c);
    c.address = Ipv4Address(198, 18, 0, 2);
    auto server = std::make_unique<Stack>(c);
    std::uint16_t port = 10000;
    auto listen = [&](std::uint16_t p) {
      const int fd = server->socket();
      (void)server->bind(fd, {}, p);
      (void)server->listen(fd, 4096);
      return fd;
    };
    int listener = listen(port);
    const std::size_t before = heap_in_use();
    const std::size_t resident_before = resident_bytes();
    Instant now;
    std::vector<std::uint8_t> bytes;
    auto pump = [&] {
      for (int round = 0; round < 4; ++round) {
        for (Stack* from : {client.get(), server.get()}) {
          Stack* to = from == client.get() ? server.get() : client.get();
          for (std::size_t i = 0; i < from->outgoing_count(); ++i) {
            bytes.assign(from->outgoing(i).begin(), from->outgoing(i).end());
            to->on_frame(bytes, now);
          }
          from->clear_outgoing();
        }
      }
    };
    for (std::size_t i = 0; i < k_idle; ++i) {
      if (i > 0 && i % 20000 == 0) listener = listen(++port);
      const int fd = client->socket();
      (void)client->connect(fd, server->config().address, port, now);
      pump();
      FINWAIT_CHECK(server->accept(listener).ok());
    }
    const std::size_t after = heap_in_use();
    const std::size_t resident_after = resident_bytes();
    // Both stacks hold each connection: halve.
    fmt::print(
        "idle ESTABLISHED:      {:.0f} bytes each, heap included ({} connections per stack; "
        "sizeof(tcp::Connection) = {}); resident set {:.0f} bytes each ({:.2f} GiB for both stacks)\n",
        static_cast<double>(after - before) / (2.0 * k_idle), k_idle, sizeof(finwait::tcp::Connection),
        static_cast<double>(resident_after - resident_before) / (2.0 * k_idle),
        static_cast<double>(resident_after - resident_before) / (1024.0 * 1024 * 1024));
  }
  constexpr std::size_t k_parked = 1'000'000;
  {
    const std::size_t before = heap_in_use();
    auto table = std::make_unique<finwait::stack::ParkedTable>(finwait::SipKey{1, 2});
    for (std::size_t i = 0; i < k_parked; ++i) {
      finwait::stack::ParkedEntry e;
      e.key = {Ipv4Address(198, 18, 0, 2), Ipv4Address(static_cast<std::uint32_t>(0xC6120000u + (i >> 16))),
               80, static_cast<std::uint16_t>(i)};
      e.wait.state = finwait::tcp::State::time_wait;
      table->park(e, finwait::seconds(60), Instant{});
    }
    const std::size_t after = heap_in_use();
    fmt::print(
        "parked entries:        {} bytes each (sizeof), {:.1f} bytes each with the table's indexes, "
        "{} entries\n",
        finwait::stack::ParkedTable::entry_size(), static_cast<double>(after - before) / k_parked, k_parked);
  }
  return 0;
}
