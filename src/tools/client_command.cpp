// The client direction on a TUN stack:
//   finwait fetch URL [-o FILE]: an HTTP/1.1 GET with Connection: close; the
//     body goes to FILE or standard output.
//   finwait probe finwait2 HOST:PORT: the seed's crashed PC on demand. It
//     connects, sends a request, reads the response, ACKs the server's FIN,
//     then vanishes: it sends nothing more and answers nothing, so the server
//     is left in FIN_WAIT_2 exactly as in the story. When the server is in
//     this network namespace, it watches (with `ss`) how long the server's
//     kernel keeps that FIN_WAIT_2, and says.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "base/decimal.h"
#include "base/output_file.h"
#include "base/quote.h"
#include "time/duration_text.h"
#include "tools/command.h"
#include "tools/tun_stack.h"

namespace finwait::tools {
namespace {

struct Endpoint {
  wire::Ipv4Address address;
  std::uint16_t port = 80;
  std::string path = "/";
};

// "198.18.1.1:8080" (HOST:PORT), or with http:// and a path for fetch.
Result<Endpoint, std::string> parse_endpoint(const std::string& what, std::string text, bool url) {
  const std::string original = text;
  Endpoint e;
  if (url) {
    if (!text.starts_with("http://"))
      return fail(fmt::format("{} '{}': expected http://ADDRESS[:PORT]/PATH (finwait has no DNS)", what,
                              quote_for_message(original)));
    text = text.substr(7);
    if (const std::size_t slash = text.find('/'); slash != std::string::npos) {
      e.path = text.substr(slash);
      text = text.substr(0, slash);
    }
  }
  const std::size_t colon = text.find(':');
  auto address = wire::Ipv4Address::parse(text.substr(0, colon));
  if (!address) {
    return fail(fmt::format("{} '{}': expected an IPv4 address{}", what, quote_for_message(original),
                            url ? "" : " and port, such as 198.18.1.1:80"));
  }
  e.address = *address;
  if (colon != std::string::npos) {
    auto port = decimal_in_range(what + " port", text.substr(colon + 1), 1, 65535);
    if (!port) return fail(port.error());
    e.port = static_cast<std::uint16_t>(*port);
  } else if (!url) {
    return fail(fmt::format("{} '{}': expected HOST:PORT", what, quote_for_message(original)));
  }
  if (e.path.find_first_of("\r\n ") != std::string::npos)
    return fail(fmt::format("{}: the path may not hold spaces or line breaks", what));
  return e;
}

// One connection's exchange, driven by the loop: connect, send `request`,
// read until the peer's FIN (or an error), handing each piece to `take`.
struct Exchange {
  int fd = -1;
  std::string request;
  std::size_t sent = 0;
  bool connected = false;
  bool finished = false;
  Errno error = Errno::ok;
  std::uint64_t received = 0;
  std::function<void(std::span<const std::uint8_t>)> take;

  void step(stack::Stack& s, Instant now) {
    if (finished) return;
    connected = connected || s.connected_once(fd);
    while (connected && sent < request.size()) {
      auto n = s.send(fd, std::span(reinterpret_cast<const std::uint8_t*>(request.data()) + sent,
                                    request.size() - sent),
                      now);
      if (!n || *n == 0) break;
      sent += *n;
    }
    std::uint8_t buffer[16384];
    while (true) {
      auto n = s.receive(fd, buffer, now);
      if (n && *n > 0) {
        received += *n;
        if (take) take(std::span(buffer, *n));
        continue;
      }
      if (!n && n.error() == Errno::eagain) return;
      if (!n) error = n.error();
      finished = true;  // the end of the stream, or an error
      return;
    }
  }
};

Result<bool, std::string> start(TunStack& t, Exchange& x, const Endpoint& to) {
  x.fd = t.stack->socket();
  t.stack->set_nonblocking(x.fd, true);
  const Errno e = t.stack->connect(x.fd, to.address, to.port, t.loop->now());
  if (e != Errno::einprogress) return fail(fmt::format("connect: {}", to_string(e)));
  return t.loop->flush();
}

// --- fetch -------------------------------------------------------------------

struct FetchOptions {
  TunStackOptions tun;
  std::string url;
  std::string output;
  std::string timeout = "60";
};

int run_fetch(const FetchOptions& o) {
  auto error = [](const std::string& message, int status = 2) {
    fmt::print(stderr, "finwait fetch: {}\n", message);
    return status;
  };
  auto to = parse_endpoint("URL", o.url, true);
  if (!to) return error(to.error());
  auto timeout = decimal_in_range("--timeout", o.timeout, 1, 86400);
  if (!timeout) return error(timeout.error());
  std::optional<OutputFile> file;
  if (!o.output.empty()) {
    auto f = OutputFile::create(o.output);
    if (!f) return error("-o: " + f.error());
    file.emplace(std::move(*f));
  }
  std::FILE* out = file ? file->stream() : stdout;
  auto opened = open_tun_stack(o.tun);
  if (!opened) return error(opened.error());
  TunStack& t = *opened;
  Exchange x;
  x.request = fmt::format("GET {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: finwait\r\nConnection: close\r\n\r\n",
                          to->path, to->address, to->port);
  // The head (up to the blank line) is kept; the body goes out as it comes.
  std::string head;
  bool in_body = false;
  x.take = [&](std::span<const std::uint8_t> bytes) {
    std::string_view piece(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (!in_body) {
      head += piece;
      const std::size_t end = head.find("\r\n\r\n");
      if (end == std::string::npos) return;
      in_body = true;
      piece = std::string_view(head).substr(end + 4);
      std::fwrite(piece.data(), 1, piece.size(), out);
      head.resize(end);
      return;
    }
    std::fwrite(piece.data(), 1, piece.size(), out);
  };
  if (auto r = start(t, x, *to); !r) return error(r.error(), 1);
  const Instant deadline = t.loop->now() + seconds(*timeout);
  t.loop->on_ready([&](std::span<const int>, Instant now) { x.step(*t.stack, now); });
  auto ran = t.loop->run([&] { return x.finished || t.loop->now() >= deadline; }, deadline);
  if (!ran) return error(ran.error(), 1);
  if (!x.finished) return error(fmt::format("{}: no complete answer within {} s", o.url, *timeout), 1);
  if (x.error != Errno::ok && !in_body) return error(fmt::format("{}: {}", o.url, describe(x.error)), 1);
  const std::string status_line = head.substr(0, head.find("\r\n"));
  const bool success = status_line.starts_with("HTTP/1.1 2") || status_line.starts_with("HTTP/1.0 2");
  // Like a failed download, an error answer leaves -o FILE as it was.
  if (file && success) {
    if (auto written = file->commit(); !written) return error(written.error(), 1);
  }
  (void)t.finish();
  fmt::print(stderr, "finwait fetch: {}: {} ({} bytes received)\n", o.url, quote_for_message(status_line),
             x.received);
  return success ? 0 : 1;
}

// --- probe finwait2 --------------------------------------------------------------

struct ProbeOptions {
  TunStackOptions tun;
  std::string target;
  std::string request = "GET / HTTP/1.0\r\n\r\n";
  std::string watch = "120";
};

// The server's side of our 4-tuple in FIN_WAIT_2, as `ss` sees it in this
// namespace. An orphaned FIN_WAIT_2 is a timewait socket in Linux (its
// FIN_WAIT2 substate), which `ss state fin-wait-2` does not find: the kernel
// filters timewait sockets by TIME_WAIT. So ask for every state and read it.
bool server_in_fin_wait_2(const stack::FlowKey& flow) {
  const std::string command = fmt::format("ss -Htan src {}:{} dst {}:{} 2>/dev/null", flow.remote, flow.remote_port,
                                          flow.local, flow.local_port);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) return false;
  char line[512];
  bool found = false;
  while (std::fgets(line, sizeof line, pipe.get()) != nullptr) found = found || std::string_view(line).starts_with("FIN-WAIT-2");
  return found;
}

int run_probe(const ProbeOptions& o) {
  auto error = [](const std::string& message, int status = 2) {
    fmt::print(stderr, "finwait probe finwait2: {}\n", message);
    return status;
  };
  auto to = parse_endpoint("HOST:PORT", o.target, false);
  if (!to) return error(to.error());
  auto watch = decimal_in_range("--watch", o.watch, 0, 86400);
  if (!watch) return error(watch.error());
  auto opened = open_tun_stack(o.tun);
  if (!opened) return error(opened.error());
  TunStack& t = *opened;
  Exchange x;
  x.request = o.request;
  if (auto r = start(t, x, *to); !r) return error(r.error(), 1);
  const auto flow = *t.stack->flow_of(x.fd);
  fmt::print("probe: {}:{} -> {}:{}: connecting\n", flow.local, flow.local_port, flow.remote, flow.remote_port);
  std::fflush(stdout);
  t.loop->on_ready([&](std::span<const int>, Instant now) { x.step(*t.stack, now); });
  const Instant give_up = t.loop->now() + seconds(30);
  auto ran = t.loop->run([&] { return x.finished || t.loop->now() >= give_up; }, give_up);
  if (!ran) return error(ran.error(), 1);
  if (!x.connected) return error(fmt::format("{}: could not connect ({})", o.target, describe(x.error)), 1);
  if (!x.finished || x.error != Errno::ok) {
    return error(fmt::format("{}: the server did not close after answering ({}); nothing to probe", o.target,
                             x.finished ? describe(x.error) : "still open after 30 s"),
                 1);
  }
  // The FIN is in: let the ACK for it go out (delayed at most 200 ms), then vanish.
  const Instant fin_at = t.loop->now();
  const Instant ack_by = fin_at + milliseconds(300);
  (void)t.loop->run([&] { return t.loop->now() >= ack_by; }, ack_by);
  fmt::print("probe: sent {} bytes, received {}; the server closed and its FIN is ACKed; vanishing now\n", x.sent,
             x.received);
  std::fflush(stdout);
  const Instant vanished = t.loop->now();
  // From here on the stack hears nothing and says nothing: the crashed PC.
  t.stack.reset();
  std::vector<netdev::ReceivedPacket> sink(64);
  bool seen = false;
  Instant last_seen = vanished;
  const auto clock = [&] { return t.loop->now(); };
  while (clock() - vanished < seconds(*watch)) {
    (void)t.device->receive(sink);  // dropped: nobody is there any more
    if (server_in_fin_wait_2(flow)) {
      seen = true;
      last_seen = clock();
    } else if (seen || clock() - vanished > seconds(2)) {
      break;
    }
    ::usleep(100'000);
  }
  (void)t.finish();
  if (!seen) {
    fmt::print("probe: the server's FIN_WAIT_2 is not visible from this network namespace (ss); "
               "look on the server host for {}:{} -> {}:{}\n",
               flow.remote, flow.remote_port, flow.local, flow.local_port);
    return 0;
  }
  if (clock() - vanished >= seconds(*watch)) {
    fmt::print("probe: the server still holds the connection in FIN_WAIT_2 after {} (--watch): nothing bounds it yet\n",
               format_duration(seconds(*watch)));
    return 0;
  }
  fmt::print("probe: the server kept the connection in FIN_WAIT_2 for {} after its FIN, then dropped it "
             "(Linux: net.ipv4.tcp_fin_timeout; AIX: tcp_finwait2)\n",
             format_duration(last_seen - fin_at));
  return 0;
}

}  // namespace

void add_client_commands(CLI::App& app, CommandResult& result) {
  auto f = std::make_shared<FetchOptions>();
  auto* fetch = app.add_subcommand("fetch", "HTTP GET over a finwait stack on a TUN device");
  f->tun.add_to(*fetch);
  fetch->add_option("URL", f->url, "http://ADDRESS[:PORT]/PATH")->required();
  fetch->add_option("-o,--output", f->output, "write the body here (default: standard output)");
  fetch->add_option("--timeout", f->timeout, "seconds to wait for the whole answer (default 60)");
  fetch->callback([f, &result] { result.exit_status = run_fetch(*f); });

  auto* probe = app.add_subcommand("probe", "Probe a real server with the seed story's client");
  probe->require_subcommand(1);
  auto p = std::make_shared<ProbeOptions>();
  auto* finwait2 = probe->add_subcommand(
      "finwait2", "connect, ask, read, ACK the server's FIN, then vanish: the server is left in FIN_WAIT_2");
  p->tun.add_to(*finwait2);
  finwait2->add_option("TARGET", p->target, "HOST:PORT of the server")->required();
  finwait2->add_option("--request", p->request, "what to send (default: GET / HTTP/1.0 and a blank line)");
  finwait2->add_option("--watch", p->watch, "seconds to watch the server's FIN_WAIT_2 (default 120)");
  finwait2->callback([p, &result] { result.exit_status = run_probe(*p); });
}

}  // namespace finwait::tools
