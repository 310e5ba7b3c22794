// Entering another network namespace for the rest of the process: by name
// (ip netns add NAME: /run/netns/NAME) or by a process in it (/proc/PID/ns/net).
#pragma once

#include <string>

#include "base/result.h"

namespace finwait::host {

// The error names the namespace and what is missing (CAP_SYS_ADMIN, the name).
Result<bool, std::string> enter_network_namespace(const std::string& name_or_pid);

}  // namespace finwait::host
