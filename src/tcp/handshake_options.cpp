#include "tcp/handshake_options.h"

namespace finwait::tcp {

wire::TcpOptions build_handshake_options(const OptionOffer& offer) {
  wire::TcpOptions options;
  options.add_mss(offer.mss);
  if (offer.timestamps) {
    if (offer.sack_permitted) {
      options.add_sack_permitted();
    } else {
      options.add_nop().add_nop();
    }
    options.add_timestamps(offer.timestamps->value, offer.timestamps->echo_reply);
  } else if (offer.sack_permitted) {
    options.add_nop().add_nop().add_sack_permitted();
  }
  if (offer.window_scale) options.add_nop().add_window_scale(*offer.window_scale);
  if (offer.fast_open) options.try_add_fast_open(*offer.fast_open);
  return options;
}

Negotiated negotiate(const OptionOffer& ours, const wire::TcpOptions& theirs, std::uint16_t default_mss) {
  Negotiated result;
  result.peer_mss = theirs.mss().value_or(default_mss);
  // RFC 9293 3.7.1: an MSS of zero would stall; treat it as absent.
  if (result.peer_mss == 0) result.peer_mss = default_mss;
  const auto their_shift = theirs.window_scale();
  if (ours.window_scale && their_shift) {
    result.window_scaling = true;
    result.snd_wscale = *their_shift;  // clamped to 14 (RFC 7323 2.3)
    result.rcv_wscale = *ours.window_scale;
  }
  result.sack = ours.sack_permitted && theirs.sack_permitted();
  result.timestamps = ours.timestamps.has_value() && theirs.timestamps().has_value();
  return result;
}

OptionOffer answer_offer(const OptionOffer& ours, const wire::TcpOptions& syn) {
  OptionOffer answer;
  answer.mss = ours.mss;
  if (ours.window_scale && syn.window_scale()) answer.window_scale = ours.window_scale;
  answer.sack_permitted = ours.sack_permitted && syn.sack_permitted();
  if (ours.timestamps && syn.timestamps()) answer.timestamps = ours.timestamps;
  return answer;
}

}  // namespace finwait::tcp
