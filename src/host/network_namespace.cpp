#include "host/network_namespace.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "base/quote.h"

namespace finwait::host {

Result<bool, std::string> enter_network_namespace(const std::string& name_or_pid) {
  const std::string quoted = quote_for_message(name_or_pid);
  if (name_or_pid.empty() || name_or_pid == "." || name_or_pid == ".." ||
      name_or_pid.find('/') != std::string::npos || name_or_pid.size() > 255) {
    return fail(fmt::format("--netns '{}' is not a namespace name (ip netns list) or a process id", quoted));
  }
  const bool pid = std::all_of(name_or_pid.begin(), name_or_pid.end(),
                               [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
  const std::string path = pid ? fmt::format("/proc/{}/ns/net", name_or_pid) : fmt::format("/run/netns/{}", name_or_pid);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return fail(pid ? fmt::format("--netns {}: no such process", quoted)
                      : fmt::format("--netns '{}': no such network namespace (ip netns list shows them)", quoted));
    }
    return fail(fmt::format("--netns '{}': cannot open {}: {}", quoted, path, std::strerror(errno)));
  }
  const int r = ::setns(fd, CLONE_NEWNET);
  const int error = errno;
  ::close(fd);
  if (r != 0) {
    if (error == EPERM) {
      return fail(fmt::format("--netns '{}': entering another network namespace needs CAP_SYS_ADMIN (run as root)",
                              quoted));
    }
    return fail(fmt::format("--netns '{}': setns: {}", quoted, std::strerror(error)));
  }
  return true;
}

}  // namespace finwait::host
