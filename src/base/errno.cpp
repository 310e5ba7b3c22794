#include "base/errno.h"

#include <array>
#include <utility>

namespace finwait {
namespace {

struct ErrnoName {
  Errno error;
  std::string_view name;
  std::string_view text;
};

constexpr std::array<ErrnoName, 27> k_names{{
    {Errno::ok, "OK", "Success"},
    {Errno::eagain, "EAGAIN", "Resource temporarily unavailable"},
    {Errno::eaddrinuse, "EADDRINUSE", "Address already in use"},
    {Errno::eaddrnotavail, "EADDRNOTAVAIL", "Cannot assign requested address"},
    {Errno::ealready, "EALREADY", "Operation already in progress"},
    {Errno::ebadf, "EBADF", "Bad file descriptor"},
    {Errno::econnaborted, "ECONNABORTED", "Software caused connection abort"},
    {Errno::econnrefused, "ECONNREFUSED", "Connection refused"},
    {Errno::econnreset, "ECONNRESET", "Connection reset by peer"},
    {Errno::efault, "EFAULT", "Bad address"},
    {Errno::ehostunreach, "EHOSTUNREACH", "No route to host"},
    {Errno::einprogress, "EINPROGRESS", "Operation now in progress"},
    {Errno::einval, "EINVAL", "Invalid argument"},
    {Errno::eisconn, "EISCONN", "Transport endpoint is already connected"},
    {Errno::emfile, "EMFILE", "Too many open files"},
    {Errno::enetunreach, "ENETUNREACH", "Network is unreachable"},
    {Errno::enoprotoopt, "ENOPROTOOPT", "Protocol not available"},
    {Errno::enotconn, "ENOTCONN", "Transport endpoint is not connected"},
    {Errno::enotsock, "ENOTSOCK", "Socket operation on non-socket"},
    {Errno::eopnotsupp, "EOPNOTSUPP", "Operation not supported"},
    {Errno::epipe, "EPIPE", "Broken pipe"},
    {Errno::etimedout, "ETIMEDOUT", "Connection timed out"},
    {Errno::eafnosupport, "EAFNOSUPPORT", "Address family not supported by protocol"},
    {Errno::eprotonosupport, "EPROTONOSUPPORT", "Protocol not supported"},
    {Errno::enotty, "ENOTTY", "Inappropriate ioctl for device"},
    {Errno::eexist, "EEXIST", "File exists"},
    {Errno::enoent, "ENOENT", "No such file or directory"},
}};

}  // namespace

std::string_view to_string(Errno error) {
  for (const auto& n : k_names) {
    if (n.error == error) return n.name;
  }
  return "E?";
}

std::optional<Errno> parse_errno(std::string_view name) {
  if (name == "EWOULDBLOCK") return Errno::eagain;
  for (const auto& n : k_names) {
    if (n.name == name) return n.error;
  }
  return std::nullopt;
}

std::string_view describe(Errno error) {
  for (const auto& n : k_names) {
    if (n.error == error) return n.text;
  }
  return "Unknown error";
}

}  // namespace finwait
