// /proc/net/tcp as Linux's tcp4_seq_show() writes it, over a stack's
// listeners and connections, for the scripts that grep it
// (`grep " 0A " /proc/net/tcp | grep ":1F90"`: a listener on port 8080).
// /proc/net/tcp6 is its header alone: finwait speaks IPv4.
#pragma once

#include <string>
#include <vector>

#include "stack/stack.h"
#include "time/instant.h"

namespace finwait::script {

// The lines of "/proc/net/tcp" or "/proc/net/tcp6"; empty for any other path.
std::vector<std::string> proc_net_tcp_lines(const std::string& path, const stack::Stack& stack, Instant now);

bool is_proc_net_tcp(const std::string& path);

}  // namespace finwait::script
