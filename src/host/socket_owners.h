// Which process holds a socket: /proc/PID/fd/* links read "socket:[INODE]".
// A socket no process holds has inode 0 in sock_diag (orphaned, or waiting
// in a listener's accept queue).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace finwait::host {

struct SocketOwner {
  int pid = 0;
  std::string command;  // /proc/PID/comm
};

// Every socket inode of every process this one may look into; processes
// it may not read (another user's, without privileges) are left out.
std::unordered_map<std::uint64_t, SocketOwner> socket_owners();

}  // namespace finwait::host
