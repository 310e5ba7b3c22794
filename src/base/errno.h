// Errors that socket calls report, named as POSIX names them so that scripts
// (`= -1 ECONNRESET`) and programs read the same words.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace finwait {

enum class Errno : std::uint8_t {
  ok = 0,
  eagain,
  eaddrinuse,
  eaddrnotavail,
  ealready,
  ebadf,
  econnaborted,
  econnrefused,
  econnreset,
  efault,
  ehostunreach,
  einprogress,
  einval,
  eisconn,
  emfile,
  enetunreach,
  enoprotoopt,
  enotconn,
  enotsock,
  eopnotsupp,
  epipe,
  etimedout,
  eafnosupport,
  eprotonosupport,
  enotty,
  eexist,
  enoent,
};

// "ECONNRESET", as scripts and perror() spell it.
std::string_view to_string(Errno error);
std::optional<Errno> parse_errno(std::string_view name);
// A line of text, as strerror() gives it.
std::string_view describe(Errno error);

}  // namespace finwait
