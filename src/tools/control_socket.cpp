#include "tools/control_socket.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "base/quote.h"

namespace finwait::tools {
namespace {

constexpr std::size_t k_max_request = 64 * 1024;

Result<sockaddr_un, std::string> address_of(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) return fail(fmt::format("{}: the socket path is too long", path));
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return a;
}

}  // namespace

Result<std::string, std::string> control_socket_path(const std::string& name, bool path_allowed) {
  if (path_allowed && name.find('/') != std::string::npos) return name;  // a socket's path, given whole
  const bool fine = !name.empty() && name.size() <= 64 &&
                    name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
                        std::string::npos &&
                    name[0] != '.';
  if (!fine)
    return fail(fmt::format("'{}': a stack's name is letters, digits, '.', '_' and '-' (its TUN device's name)",
                            quote_for_message(name)));
  if (::geteuid() == 0) return fmt::format("/run/finwait/{}.sock", name);
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime == nullptr || runtime[0] != '/')
    return fail(std::string("XDG_RUNTIME_DIR is not set: no place for a stack's control socket (run as root, or set it)"));
  return fmt::format("{}/finwait/{}.sock", runtime, name);
}

Result<std::unique_ptr<ControlServer>, std::string> ControlServer::open(const std::string& path, Handler handler) {
  const std::string dir = path.substr(0, path.rfind('/'));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return fail(fmt::format("{}: cannot make the folder: {}", dir, std::strerror(errno)));
  auto address = address_of(path);
  if (!address) return fail(address.error());
  // A socket that answers belongs to a running stack of the same name.
  if (const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0); probe >= 0) {
    const bool alive = ::connect(probe, reinterpret_cast<const sockaddr*>(&*address), sizeof *address) == 0;
    ::close(probe);
    if (alive) return fail(fmt::format("{}: another stack of this name is running", path));
  }
  ::unlink(path.c_str());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(fmt::format("control socket: {}", std::strerror(errno)));
  const mode_t old_mask = ::umask(0177);  // 0600 from the start, never wider
  const bool bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&*address), sizeof *address) == 0;
  ::umask(old_mask);
  const int epoll_fd = bound && ::listen(fd, 16) == 0 ? ::epoll_create1(EPOLL_CLOEXEC) : -1;
  epoll_event interest{};
  interest.events = EPOLLIN;
  interest.data.fd = fd;
  if (epoll_fd < 0 || ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &interest) != 0) {
    const std::string why = std::strerror(errno);
    if (epoll_fd >= 0) ::close(epoll_fd);
    ::close(fd);
    if (bound) ::unlink(path.c_str());
    return fail(fmt::format("{}: {}", path, why));
  }
  return std::unique_ptr<ControlServer>(new ControlServer(path, fd, epoll_fd, std::move(handler)));
}

ControlServer::~ControlServer() {
  for (const auto& [fd, _] : clients_) ::close(fd);
  ::close(epoll_fd_);
  ::close(fd_);
  ::unlink(path_.c_str());
}

void ControlServer::serve(Duration timeout) {
  epoll_event ready[16];
  const auto wait_ms = static_cast<int>(std::max<std::int64_t>(0, timeout.nanoseconds() / 1'000'000));
  const int n = ::epoll_wait(epoll_fd_, ready, 16, wait_ms);
  for (int i = 0; i < n; ++i) {
    const int fd = ready[i].data.fd;
    if (fd == fd_) {
      accept_clients();
    } else if (clients_.count(fd) != 0) {
      read_client(fd);
    }
  }
}

void ControlServer::accept_clients() {
  while (true) {
    const int client = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client < 0) return;
    epoll_event interest{};
    interest.events = EPOLLIN | EPOLLRDHUP;
    interest.data.fd = client;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, client, &interest) != 0) {
      ::close(client);
      continue;
    }
    clients_[client];
  }
}

void ControlServer::read_client(int fd) {
  std::string& buffer = clients_[fd];
  char chunk[4096];
  while (true) {
    const ssize_t got = ::read(fd, chunk, sizeof chunk);
    if (got > 0) {
      buffer.append(chunk, static_cast<std::size_t>(got));
      if (buffer.size() > k_max_request) return finish_client(fd, {{"ok", false}, {"error", "request too long"}});
      continue;
    }
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) break;
    if (buffer.find('\n') == std::string::npos) return drop_client(fd);  // gone before a whole line
    break;
  }
  const std::size_t end = buffer.find('\n');
  if (end == std::string::npos) return;
  ucred peer{};
  socklen_t length = sizeof peer;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0)
    return finish_client(fd, {{"ok", false}, {"error", "cannot tell who asks (SO_PEERCRED)"}});
  nlohmann::json request = nlohmann::json::parse(buffer.substr(0, end), nullptr, false);
  if (request.is_discarded() || !request.is_object() || !request.contains("op") || !request["op"].is_string())
    return finish_client(fd, {{"ok", false}, {"error", "malformed request: expected one JSON object with \"op\""}});
  finish_client(fd, handler_(request, peer.uid));
}

void ControlServer::drop_client(int fd) {
  ::close(fd);  // leaves the epoll set with it
  clients_.erase(fd);
}

void ControlServer::finish_client(int fd, const nlohmann::json& reply) {
  const std::string text = reply.dump() + "\n";
  // Small replies to a peer that waits for them: a blocking write with a bound.
  const int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  const timeval bound{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof bound);
  (void)!::write(fd, text.data(), text.size());
  drop_client(fd);
}

Result<nlohmann::json, std::string> control_request(const std::string& name, const nlohmann::json& request) {
  auto path = control_socket_path(name, true);
  if (!path) return fail("--stack " + path.error());
  auto address = address_of(*path);
  if (!address) return fail(address.error());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(fmt::format("control socket: {}", std::strerror(errno)));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&*address), sizeof *address) != 0) {
    const int e = errno;
    ::close(fd);
    if (e == ENOENT || e == ECONNREFUSED)
      return fail(fmt::format("--stack {}: no such stack running ({} does not answer)", name, *path));
    if (e == EACCES) return fail(fmt::format("--stack {}: permission denied ({} belongs to another user)", name, *path));
    return fail(fmt::format("--stack {}: {}: {}", name, *path, std::strerror(e)));
  }
  const timeval bound{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  const std::string text = request.dump() + "\n";
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    ::close(fd);
    return fail(fmt::format("--stack {}: the stack hung up", name));
  }
  std::string reply;
  char chunk[65536];
  while (reply.find('\n') == std::string::npos) {
    const ssize_t got = ::read(fd, chunk, sizeof chunk);
    if (got <= 0) break;
    reply.append(chunk, static_cast<std::size_t>(got));
  }
  ::close(fd);
  auto parsed = nlohmann::json::parse(reply, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object())
    return fail(fmt::format("--stack {}: no answer from the stack", name));
  return parsed;
}

}  // namespace finwait::tools
