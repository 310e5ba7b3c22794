#include "wire/icmp.h"

#include <cstring>

#include "base/big_endian.h"
#include "base/check.h"
#include "wire/checksum.h"

namespace finwait::wire {

Result<IcmpMessage, ParseError> parse_icmp(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 8) return fail(ParseError::truncated);
  IcmpMessage m;
  m.type = bytes[0];
  m.code = bytes[1];
  m.rest = load_be32(&bytes[4]);
  m.body = bytes.subspan(8);
  m.checksum_ok = internet_checksum(bytes) == 0;
  return m;
}

std::size_t emit_icmp(const IcmpMessage& message, std::span<std::uint8_t> out) {
  const std::size_t size = 8 + message.body.size();
  FINWAIT_CHECK(out.size() >= size);
  out[0] = message.type;
  out[1] = message.code;
  store_be16(&out[2], 0);
  store_be32(&out[4], message.rest);
  if (!message.body.empty()) std::memmove(&out[8], message.body.data(), message.body.size());
  store_be16(&out[2], internet_checksum(out.first(size)));
  return size;
}

}  // namespace finwait::wire
