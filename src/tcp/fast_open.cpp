#include "tcp/fast_open.h"

#include <array>
#include <charconv>

namespace finwait::tcp {

namespace {

std::optional<SipKey> parse_one_key(std::string_view text) {
  // Four 32-bit words in hex; the kernel keeps them little-endian
  // (proc_tcp_fastopen_key: cpu_to_le32), and SipHash reads its key so.
  std::array<std::uint32_t, 4> words{};
  for (std::size_t i = 0; i < 4; ++i) {
    const std::size_t dash = i < 3 ? text.find('-') : text.size();
    if (dash == std::string_view::npos || dash == 0 || dash > 8) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + dash, words[i], 16);
    if (ec != std::errc{} || end != text.data() + dash) return std::nullopt;
    text = i < 3 ? text.substr(dash + 1) : std::string_view{};
  }
  return SipKey{(std::uint64_t{words[1]} << 32) | words[0], (std::uint64_t{words[3]} << 32) | words[2]};
}

}  // namespace

std::optional<FastOpenKeys> parse_fast_open_keys(std::string_view text) {
  const std::size_t comma = text.find(',');
  auto primary = parse_one_key(text.substr(0, comma));
  if (!primary) return std::nullopt;
  FastOpenKeys keys{*primary, std::nullopt};
  if (comma != std::string_view::npos) {
    keys.backup = parse_one_key(text.substr(comma + 1));
    if (!keys.backup) return std::nullopt;
  }
  return keys;
}

wire::FastOpenCookie fast_open_cookie(const SipKey& key, wire::Ipv4Address source, wire::Ipv4Address destination) {
  std::array<std::uint8_t, 8> addresses{};
  for (int i = 0; i < 4; ++i) {
    addresses[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(source.to_uint() >> (24 - 8 * i));
    addresses[static_cast<std::size_t>(4 + i)] = static_cast<std::uint8_t>(destination.to_uint() >> (24 - 8 * i));
  }
  const std::uint64_t hash = siphash24(key, addresses);
  wire::FastOpenCookie cookie;
  for (int i = 0; i < 8; ++i) cookie.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(hash >> (8 * i));
  cookie.size = 8;
  return cookie;
}

FastOpenDecision decide_fast_open(std::int64_t sysctl, const FastOpenListener& listener, const wire::TcpSegment& syn,
                                  const FastOpenKeys& keys, wire::Ipv4Address source, wire::Ipv4Address destination) {
  FastOpenDecision d;
  const std::optional<wire::FastOpenCookie> offered = syn.options.fast_open();
  const bool syn_data = !syn.payload.empty();
  if (offered && offered->size == 0) d.cookie_requested = true;
  // RFC 7413 4.2.2 as tcp_try_fastopen: the server side on, data or a cookie
  // option in the SYN, and room in the listener's Fast Open queue.
  if ((sysctl & fast_open_bits::server) == 0 || !(syn_data || offered)) return d;
  if (listener.max_queue == 0) return d;
  if (listener.pending >= listener.max_queue) {
    d.queue_full = true;
    return d;
  }
  // No cookie needed (TFO_SERVER_COOKIE_NOT_REQD, TCP_FASTOPEN_NO_COOKIE):
  // the data is taken, and the SYN-ACK carries no cookie.
  if ((sysctl & fast_open_bits::server_no_cookie) != 0 || listener.no_cookie) {
    d.answer.accept_data = true;
    d.passive = true;
    return d;
  }
  if (!offered) return d;
  wire::FastOpenCookie valid = fast_open_cookie(keys.primary, source, destination);
  valid.experimental = offered->experimental;
  if (offered->size == 0) {
    d.answer.cookie = valid;  // RFC 7413 4.1.2: the client asked for one
    return d;
  }
  const auto matches = [&](const wire::FastOpenCookie& c) {
    return c.size == offered->size && std::equal(c.value().begin(), c.value().end(), offered->value().begin());
  };
  const bool primary = matches(valid);
  const bool backup = !primary && keys.backup && matches(fast_open_cookie(*keys.backup, source, destination));
  if (primary || backup) {
    // A valid cookie: the data is taken before the handshake ends. A cookie
    // made with the backup key is answered with the primary's.
    d.answer.accept_data = true;
    d.passive = true;
    if (backup) {
      d.answer.cookie = valid;
      d.backup_key = true;
    }
    return d;
  }
  // RFC 7413 4.2.2: a cookie that does not check: the data is not taken,
  // only the SYN is acknowledged, and the SYN-ACK brings the right cookie.
  d.passive_fail = true;
  d.answer.cookie = valid;
  return d;
}

}  // namespace finwait::tcp
