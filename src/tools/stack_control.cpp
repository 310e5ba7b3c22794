#include "tools/stack_control.h"

#include <unistd.h>

#include <fmt/format.h>

#include "base/quote.h"
#include "base/tunables.h"
#include "tools/netstat_view.h"

namespace finwait::tools {

nlohmann::json answer_control(stack::Stack* stack, Instant now, const nlohmann::json& request, uid_t peer) {
  if (stack == nullptr) return answer_control(std::span<stack::Stack* const>{}, now, request, peer);
  stack::Stack* one[] = {stack};
  return answer_control(one, now, request, peer);
}

nlohmann::json answer_control(std::span<stack::Stack* const> stacks, Instant now, const nlohmann::json& request,
                              uid_t peer) {
  const std::string op = request["op"];
  auto error = [](std::string message) { return nlohmann::json{{"ok", false}, {"error", std::move(message)}}; };
  if (op != "get" && op != "set" && op != "netstat")
    return error(fmt::format("unknown op '{}' (get, set, netstat)", quote_for_message(op)));
  if (stacks.empty()) return error("the host is down (crashed): it has no stack until it reboots");
  stack::Stack& s = *stacks.front();
  if (op == "get") {
    nlohmann::json values = nlohmann::json::object();
    for (const TunableDefinition& d : Tunables::definitions()) values[std::string(d.name)] = s.tunables().get(d.id);
    return {{"ok", true}, {"profile", to_string(s.config().profile)}, {"tunables", values}};
  }
  if (op == "set") {
    if (peer != ::geteuid())
      return error(fmt::format("permission denied: only the stack's own user (uid {}) may change its tunables; you "
                               "are uid {}",
                               ::geteuid(), peer));
    if (!request.contains("name") || !request["name"].is_string() || !request.contains("value") ||
        !request["value"].is_string())
      return error("malformed request: set takes \"name\" and \"value\" as strings");
    Tunables changed = s.tunables();
    auto value = changed.set(request["name"].get<std::string>(), request["value"].get<std::string>());
    if (!value) return error(value.error());
    if (auto bad = changed.inconsistency()) return error(*bad);
    for (stack::Stack* each : stacks) each->tunables() = changed;  // timers armed from now on see it
    const TunableDefinition* d = Tunables::find(request["name"].get<std::string>());
    return {{"ok", true}, {"name", d->name}, {"value", *value}};
  }
  for (const char* flag : {"all", "timers"}) {
    if (request.contains(flag) && !request[flag].is_boolean())
      return error(fmt::format("malformed request: netstat's \"{}\" is true or false", flag));
  }
  const NetstatOptions options{request.value("all", false), request.value("timers", false)};
  const std::vector<const stack::Stack*> group(stacks.begin(), stacks.end());
  return {{"ok", true},
          {"netstat", netstat_json(group, now, options)},
          {"table", netstat_table(group, now, options)},
          {"counters_text", netstat_counters(group)}};
}

}  // namespace finwait::tools
