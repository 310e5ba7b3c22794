// What a running stack's control socket answers (tools/control_socket.h):
// `get`, `set` and `netstat` over one stack, the same for `finwait serve`
// and for each host of a paced `finwait sim run`.
#pragma once

#include <sys/types.h>

#include <span>

#include <nlohmann/json.hpp>

#include "stack/stack.h"
#include "time/instant.h"

namespace finwait::tools {

// `stack` is null while its host is down (a simulated crash): every op is
// refused with a message saying so. Only the process's own user may "set".
nlohmann::json answer_control(stack::Stack* stack, Instant now, const nlohmann::json& request, uid_t peer);
// The stacks of a `serve --threads N`, as one: "get" reads the first (they
// hold the same tunables), "set" changes all, "netstat" shows them together.
// None may run meanwhile.
nlohmann::json answer_control(std::span<stack::Stack* const> stacks, Instant now, const nlohmann::json& request,
                              uid_t peer);

}  // namespace finwait::tools
