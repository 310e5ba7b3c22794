#include "api/linux_abi.h"

namespace finwait::api::linux_abi {

int errno_number(Errno error) {
  switch (error) {
    case Errno::ok: return 0;
    case Errno::eagain: return 11;
    case Errno::eaddrinuse: return 98;
    case Errno::eaddrnotavail: return 99;
    case Errno::ealready: return 114;
    case Errno::ebadf: return 9;
    case Errno::econnaborted: return 103;
    case Errno::econnrefused: return 111;
    case Errno::econnreset: return 104;
    case Errno::efault: return 14;
    case Errno::ehostunreach: return 113;
    case Errno::einprogress: return 115;
    case Errno::einval: return 22;
    case Errno::eisconn: return 106;
    case Errno::emfile: return 24;
    case Errno::enetunreach: return 101;
    case Errno::enoprotoopt: return 92;
    case Errno::enotconn: return 107;
    case Errno::enotsock: return 88;
    case Errno::eopnotsupp: return 95;
    case Errno::epipe: return 32;
    case Errno::etimedout: return 110;
    case Errno::eafnosupport: return 97;
    case Errno::eprotonosupport: return 93;
    case Errno::enotty: return 25;
    case Errno::eexist: return 17;
    case Errno::enoent: return 2;
  }
  return 0;
}

}  // namespace finwait::api::linux_abi
