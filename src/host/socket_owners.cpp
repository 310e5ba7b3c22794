#include "host/socket_owners.h"

#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace finwait::host {

std::unordered_map<std::uint64_t, SocketOwner> socket_owners() {
  namespace fs = std::filesystem;
  std::unordered_map<std::uint64_t, SocketOwner> owners;
  std::error_code ec;
  for (const fs::directory_entry& process : fs::directory_iterator("/proc", ec)) {
    const std::string name = process.path().filename().string();
    int pid = 0;
    if (auto [end, e] = std::from_chars(name.data(), name.data() + name.size(), pid);
        e != std::errc{} || end != name.data() + name.size()) {
      continue;
    }
    SocketOwner owner{pid, {}};
    std::ifstream comm(process.path() / "comm");
    std::getline(comm, owner.command);
    std::error_code fd_ec;
    for (const fs::directory_entry& fd : fs::directory_iterator(process.path() / "fd", fd_ec)) {
      std::error_code link_ec;
      const std::string target = fs::read_symlink(fd.path(), link_ec).string();
      constexpr std::string_view prefix = "socket:[";
      if (link_ec || !target.starts_with(prefix) || !target.ends_with("]")) continue;
      std::uint64_t inode = 0;
      const char* first = target.data() + prefix.size();
      if (std::from_chars(first, target.data() + target.size() - 1, inode).ec != std::errc{}) continue;
      owners.emplace(inode, owner);  // a socket shared after fork: the lowest pid seen first
    }
  }
  return owners;
}

}  // namespace finwait::host
