// %{ }% blocks: packetdrill hands its Python the socket under test's
// TCP_INFO as tcpi_* variables (and SO_MEMINFO as SK_MEMINFO_*); finwait evaluates the assertions over the
// same names (code_block.h), from the stack's own TcpInfo.
#include <array>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "script/code_block.h"
#include "script/runner.h"

namespace finwait::script {
namespace {

using Field = std::int64_t (*)(const tcp::TcpInfo&);

constexpr std::array<std::pair<std::string_view, Field>, 31> k_tcpi_fields{{
    {"tcpi_state", [](const tcp::TcpInfo& i) -> std::int64_t { return i.state; }},
    {"tcpi_ca_state", [](const tcp::TcpInfo& i) -> std::int64_t { return i.ca_state; }},
    {"tcpi_retransmits", [](const tcp::TcpInfo& i) -> std::int64_t { return i.retransmits; }},
    {"tcpi_probes", [](const tcp::TcpInfo& i) -> std::int64_t { return i.probes; }},
    {"tcpi_backoff", [](const tcp::TcpInfo& i) -> std::int64_t { return i.backoff; }},
    {"tcpi_options", [](const tcp::TcpInfo& i) -> std::int64_t { return i.options; }},
    {"tcpi_snd_wscale", [](const tcp::TcpInfo& i) -> std::int64_t { return i.snd_wscale; }},
    {"tcpi_rcv_wscale", [](const tcp::TcpInfo& i) -> std::int64_t { return i.rcv_wscale; }},
    {"tcpi_rto", [](const tcp::TcpInfo& i) -> std::int64_t { return i.rto_us; }},
    {"tcpi_snd_mss", [](const tcp::TcpInfo& i) -> std::int64_t { return i.snd_mss; }},
    {"tcpi_rcv_mss", [](const tcp::TcpInfo& i) -> std::int64_t { return i.rcv_mss; }},
    {"tcpi_unacked", [](const tcp::TcpInfo& i) -> std::int64_t { return i.unacked; }},
    {"tcpi_sacked", [](const tcp::TcpInfo& i) -> std::int64_t { return i.sacked; }},
    {"tcpi_lost", [](const tcp::TcpInfo& i) -> std::int64_t { return i.lost; }},
    {"tcpi_retrans", [](const tcp::TcpInfo& i) -> std::int64_t { return i.retrans; }},
    {"tcpi_pmtu", [](const tcp::TcpInfo& i) -> std::int64_t { return i.pmtu; }},
    {"tcpi_rtt", [](const tcp::TcpInfo& i) -> std::int64_t { return i.rtt_us; }},
    {"tcpi_rttvar", [](const tcp::TcpInfo& i) -> std::int64_t { return i.rttvar_us; }},
    {"tcpi_snd_ssthresh", [](const tcp::TcpInfo& i) -> std::int64_t { return i.snd_ssthresh; }},
    {"tcpi_snd_cwnd", [](const tcp::TcpInfo& i) -> std::int64_t { return i.snd_cwnd; }},
    {"tcpi_advmss", [](const tcp::TcpInfo& i) -> std::int64_t { return i.advmss; }},
    {"tcpi_reordering", [](const tcp::TcpInfo& i) -> std::int64_t { return i.reordering; }},
    {"tcpi_total_retrans", [](const tcp::TcpInfo& i) -> std::int64_t { return i.total_retrans; }},
    {"tcpi_delivered", [](const tcp::TcpInfo& i) -> std::int64_t { return i.delivered; }},
    {"tcpi_snd_wnd", [](const tcp::TcpInfo& i) -> std::int64_t { return i.snd_wnd; }},
    {"tcpi_rcv_wnd", [](const tcp::TcpInfo& i) -> std::int64_t { return i.rcv_wnd; }},
    {"tcpi_bytes_acked", [](const tcp::TcpInfo& i) -> std::int64_t { return static_cast<std::int64_t>(i.bytes_acked); }},
    {"tcpi_bytes_received",
     [](const tcp::TcpInfo& i) -> std::int64_t { return static_cast<std::int64_t>(i.bytes_received); }},
    {"tcpi_ato", [](const tcp::TcpInfo& i) -> std::int64_t { return i.ato_us; }},
    {"tcpi_busy_time", [](const tcp::TcpInfo& i) -> std::int64_t { return static_cast<std::int64_t>(i.busy_time_us); }},
    {"tcpi_rwnd_limited",
     [](const tcp::TcpInfo& i) -> std::int64_t { return static_cast<std::int64_t>(i.rwnd_limited_us); }},
}};

}  // namespace

void Runner::code_block(const std::string& code, int line) {
  if (!socket_under_test_) failure(line, "%{ }%: no socket under test yet (socket() or accept() gives one)");
  const int fd = sockets_->stack_fd(*socket_under_test_);
  const tcp::TcpInfo info = stack_->tcp_info(fd, now_);
  const std::optional<stack::Stack::MemoryInfo> memory = stack_->memory_info(fd);
  const NameLookup lookup = [&info, &memory](std::string_view name) -> NameValue {
    if (auto constant = code_block_constant(name)) return {constant, {}};
    for (const auto& [field, read] : k_tcpi_fields) {
      if (field != name) continue;
      return {read(info), {}};
    }
    if (name.starts_with("tcpi_")) {
      return {std::nullopt, fmt::format("{} is a TCP_INFO field finwait does not keep", name)};
    }
    // packetdrill reads SO_MEMINFO into SK_MEMINFO_* names too.
    if (name.starts_with("SK_MEMINFO_")) {
      if (!memory) return {std::nullopt, fmt::format("{}: the socket under test has no connection", name)};
      if (name == "SK_MEMINFO_RMEM_ALLOC") return {static_cast<std::int64_t>(memory->receive_memory), {}};
      if (name == "SK_MEMINFO_RCVBUF") return {std::int64_t{memory->receive_buffer}, {}};
      return {std::nullopt, fmt::format("{} is a SO_MEMINFO field finwait does not keep", name)};
    }
    return {std::nullopt, fmt::format("{} is not a name %{{ }}% blocks know (tcpi_* fields and Linux's constants)",
                                      name)};
  };
  if (auto failed = run_code_block(code, lookup)) failure(line, fmt::format("%{{ }}%: {}", *failed));
  trace("%{ }% held");
}

}  // namespace finwait::script
