// The options of SYN and SYN-ACK: what we offer, in the layout Linux uses
// (tcp_options_write), and what the two sides end up agreeing on.
//
// Linux lays options out so that each word is aligned:
//   mss, then  sackOK,TS  or  nop,nop,TS  or  nop,nop,sackOK,  then  nop,wscale
// giving <mss 1460,sackOK,TS val V ecr E,nop,wscale 8> with everything on and
// <mss 1460,nop,nop,sackOK,nop,wscale 8> without timestamps (SCRIPTS.md 7).
#pragma once

#include <cstdint>
#include <optional>

#include "wire/tcp_options.h"

namespace finwait::tcp {

struct OptionOffer {
  std::uint16_t mss = 1460;
  std::optional<std::uint8_t> window_scale;  // nullopt: not offered
  bool sack_permitted = false;
  std::optional<wire::TcpTimestamps> timestamps;
  // RFC 7413 4.1.2: a cookie the SYN-ACK hands the client (it asked for one,
  // or sent a wrong one); last, as Linux's tcp_options_write places it.
  std::optional<wire::FastOpenCookie> fast_open;
};

wire::TcpOptions build_handshake_options(const OptionOffer& offer);

// What both sides agreed on once the SYN and the SYN-ACK have crossed.
struct Negotiated {
  std::uint16_t peer_mss = 536;  // RFC 9293 3.7.1 default when no MSS option came
  bool window_scaling = false;   // RFC 7323 2.2: only if both SYNs carried it
  std::uint8_t snd_wscale = 0;   // the peer's shift, applied to windows it sends
  std::uint8_t rcv_wscale = 0;   // our shift, applied to windows we send
  bool sack = false;             // RFC 2018 2: both sides sent SACK-permitted
  bool timestamps = false;       // RFC 7323 3.2: both SYNs carried TS
};

// `ours` is what we offered (or would offer), `theirs` the options of the
// peer's SYN or SYN-ACK; `default_mss` stands in for a missing MSS option.
Negotiated negotiate(const OptionOffer& ours, const wire::TcpOptions& theirs, std::uint16_t default_mss);

// The answer to a SYN: offer only what the SYN offered (RFC 7323 2.2, RFC 2018 2;
// Linux does the same).
OptionOffer answer_offer(const OptionOffer& ours, const wire::TcpOptions& syn);

}  // namespace finwait::tcp
