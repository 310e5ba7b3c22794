// A running stack's control socket (DESIGN.md "Commands"): `finwait serve`
// listens on a Unix socket, mode 0600, /run/finwait/NAME.sock as root and
// $XDG_RUNTIME_DIR/finwait/NAME.sock otherwise; `finwait no --stack NAME`
// and `finwait netstat --stack NAME` ask it. One request per connection, a
// line of JSON each way:
//
//   {"op":"get"}                          -> {"ok":true,"tunables":{NAME: value, ...}}
//   {"op":"set","name":N,"value":"600s"}  -> {"ok":true,"name":N,"value":1200}
//   {"op":"netstat"}                      -> {"ok":true,"netstat":{...}} (tools/netstat_view.h)
//
// Errors come back as {"ok":false,"error":"..."} and change nothing. Only
// the stack's own user may "set" (SO_PEERCRED says who asks).
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "time/instant.h"

namespace finwait::tools {

// Where stack NAME's socket is, for this user; a message if NAME is no name.
// `path_allowed` (the clients): a NAME with a '/' is the socket's path itself.
Result<std::string, std::string> control_socket_path(const std::string& name, bool path_allowed = false);

// The listening socket and its clients, on an epoll instance of their own:
// a caller's loop watches poll_fd() and calls serve(0) when it is readable,
// or a caller with no loop calls serve(timeout) between its own work.
class ControlServer {
 public:
  // The handler answers a request from a peer with this uid.
  using Handler = std::function<nlohmann::json(const nlohmann::json& request, uid_t peer)>;
  // Makes the folder and the socket (a stale socket of a stack that is gone is replaced).
  static Result<std::unique_ptr<ControlServer>, std::string> open(const std::string& path, Handler handler);
  ~ControlServer();
  const std::string& path() const { return path_; }
  int poll_fd() const { return epoll_fd_; }
  // Accepts, reads and answers what is ready, waiting up to `timeout` for it.
  void serve(Duration timeout = Duration{});

 private:
  ControlServer(std::string path, int fd, int epoll_fd, Handler handler)
      : path_(std::move(path)), fd_(fd), epoll_fd_(epoll_fd), handler_(std::move(handler)) {}
  void accept_clients();
  void read_client(int fd);
  void finish_client(int fd, const nlohmann::json& reply);
  void drop_client(int fd);

  std::string path_;
  int fd_ = -1;
  int epoll_fd_ = -1;
  Handler handler_;
  std::map<int, std::string> clients_;  // what each has sent so far
};

// Sends one request to the stack behind `path` and returns its reply.
Result<nlohmann::json, std::string> control_request(const std::string& name, const nlohmann::json& request);

}  // namespace finwait::tools
