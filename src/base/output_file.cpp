#include "base/output_file.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace finwait {

Result<OutputFile, std::string> OutputFile::create(const std::string& path) {
  if (path.empty()) return fail(std::string("an output file needs a name"));
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    return fail(fmt::format("{}: not a regular file; name a file to write", path));
  }
  const std::size_t slash = path.rfind('/');
  const std::string directory = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty()) return fail(fmt::format("{}: names a directory; name a file to write", path));
  std::string temporary = fmt::format("{}/.{}.partial-XXXXXX", directory, base);
  std::vector<char> name(temporary.begin(), temporary.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) return fail(fmt::format("{}: cannot create a file beside it: {}", path, std::strerror(errno)));
  // mkstemp makes it 0600; a capture or report is no secret.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  (void)::fchmod(fd, 0666 & ~mask);
  std::FILE* stream = ::fdopen(fd, "wb");
  if (stream == nullptr) {
    const int error = errno;
    ::close(fd);
    ::unlink(name.data());
    return fail(fmt::format("{}: {}", path, std::strerror(error)));
  }
  return OutputFile(path, std::string(name.data()), stream);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : path_(std::move(other.path_)),
      temporary_(std::move(other.temporary_)),
      stream_(std::exchange(other.stream_, nullptr)) {}

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
  if (this != &other) {
    discard();
    path_ = std::move(other.path_);
    temporary_ = std::move(other.temporary_);
    stream_ = std::exchange(other.stream_, nullptr);
  }
  return *this;
}

OutputFile::~OutputFile() {
  discard();
}

void OutputFile::discard() {
  if (stream_ == nullptr) return;
  std::fclose(stream_);
  stream_ = nullptr;
  ::unlink(temporary_.c_str());
}

Result<bool, std::string> OutputFile::commit() {
  if (stream_ == nullptr) return fail(fmt::format("{}: already written", path_));
  int error = 0;
  if (std::fflush(stream_) != 0 || std::ferror(stream_)) error = errno != 0 ? errno : EIO;
  if (std::fclose(std::exchange(stream_, nullptr)) != 0 && error == 0) error = errno;
  if (error == 0 && std::rename(temporary_.c_str(), path_.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temporary_.c_str());
    return fail(fmt::format("{}: cannot write: {}; the file is left as it was", path_, std::strerror(error)));
  }
  return true;
}

}  // namespace finwait
