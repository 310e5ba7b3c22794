#include "stack/counters.h"

#include <algorithm>

#include <fmt/format.h>

namespace finwait::stack {
namespace {

// Linux's Tcp MIB and the TcpExt counters finwait keeps under their names.
constexpr std::array<std::string_view, 9> k_tcp = {"ActiveOpens", "PassiveOpens", "AttemptFails",
                                                   "EstabResets", "InSegs",       "OutSegs",
                                                   "InErrs",      "OutRsts",      "RetransSegs"};
constexpr std::array<std::string_view, 23> k_tcp_ext = {
    "TCPChallengeACK",        "ListenDrops",           "TCPAbortOnTimeout",        "TCPAbortOnLinger",
    "TCPAbortOnData",         "TCPAbortOnClose",       "TCPTimeouts",              "TCPLossProbes",
    "TCPSackRecovery",        "TCPRenoRecovery",       "TCPDSACKOldSent",          "TCPOFOQueue",
    "TCPOFODrop",             "TCPRcvQDrop",           "BeyondWindow",             "PAWSEstab",
    "OutOfWindowIcmps",       "TCPFastOpenPassive",    "TCPFastOpenPassiveFail",   "TCPFastOpenPassiveAltKey",
    "TCPFastOpenCookieReqd",  "TCPFastOpenListenOverflow", "TCPMD5Unexpected"};

}  // namespace

std::string nstat_name(std::string_view counter) {
  if (std::find(k_tcp.begin(), k_tcp.end(), counter) != k_tcp.end()) return fmt::format("Tcp{}", counter);
  if (std::find(k_tcp_ext.begin(), k_tcp_ext.end(), counter) != k_tcp_ext.end())
    return fmt::format("TcpExt{}", counter);
  if (counter.starts_with("Icmp")) return std::string(counter);
  return fmt::format("Finwait{}", counter);  // finwait's own, alongside
}

}  // namespace finwait::stack
