#include "base/text_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace finwait {

namespace {

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

std::optional<std::string> not_a_file_to_read(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fmt::format("{}: {}", path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fmt::format("{}: {}, not a file to read", path, kind_of(st.st_mode));
  return std::nullopt;
}

Result<std::string, std::string> read_text_file(const std::string& path, std::size_t max_bytes) {
  if (auto bad = not_a_file_to_read(path)) return fail(*bad);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail(fmt::format("{}: {}", path, std::strerror(errno)));
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    return fail(fmt::format("{}: {} bytes is more than the {} bytes finwait reads", path, st.st_size, max_bytes));
  }
  // O_NONBLOCK: should the path become a FIFO between stat() and open(), the
  // open does not wait for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fail(fmt::format("{}: {}", path, std::strerror(errno)));
  std::string text;
  char buffer[65536];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      return fail(fmt::format("{}: {}", path, std::strerror(error)));
    }
    if (text.size() + static_cast<std::size_t>(n) > max_bytes) {
      ::close(fd);
      return fail(fmt::format("{}: more than the {} bytes finwait reads", path, max_bytes));
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

}  // namespace finwait
