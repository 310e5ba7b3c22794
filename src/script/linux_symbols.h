// The Linux constants scripts name (SOL_SOCKET, TCP_KEEPIDLE, EPOLLIN, ...),
// with Linux's values, so that a script's numbers mean what they mean on Linux.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "api/linux_abi.h"
#include "base/errno.h"

namespace finwait::script {

std::optional<std::int64_t> linux_symbol(std::string_view name);
// The constants' values are the socket API's (api/linux_abi.h).
namespace linux_constant = api::linux_abi;

}  // namespace finwait::script
