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

#include "api/event_loop.h"
#include "base/result.h"

namespace finwait::tools {

// Where stack NAME's socket is, for this user; a message if NAME is no name.
// `path_allowed` (the clients): a NAME with a '/' is the socket's path itself.
Result<std::string, std::string> control_socket_path(const std::string& name, bool path_allowed = false);

class ControlServer {
 public:
  // The handler answers a request from a peer with this uid.
  using Handler = std::function<nlohmann::json(const nlohmann::json& request, uid_t peer)>;
  // Makes the folder and the socket (a stale socket of a stack that is gone is replaced).
  static Result<std::unique_ptr<ControlServer>, std::string> open(const std::string& path, api::EventLoop& loop,
                                                                  Handler handler);
  ~ControlServer();
  const std::string& path() const { return path_; }

 private:
  ControlServer(std::string path, int fd, api::EventLoop& loop, Handler handler)
      : path_(std::move(path)), fd_(fd), loop_(loop), handler_(std::move(handler)) {}
  void accept_clients();
  void read_client(int fd);
  void finish_client(int fd, const nlohmann::json& reply);

  std::string path_;
  int fd_ = -1;
  api::EventLoop& loop_;
  Handler handler_;
  std::map<int, std::string> clients_;  // what each has sent so far
};

// Sends one request to the stack behind `path` and returns its reply.
Result<nlohmann::json, std::string> control_request(const std::string& name, const nlohmann::json& request);

}  // namespace finwait::tools
