#include "stack/port_allocator.h"

namespace finwait::stack {

std::optional<std::uint16_t> PortAllocator::allocate(wire::Ipv4Address local, wire::Ipv4Address remote,
                                                     std::uint16_t remote_port, std::uint16_t low,
                                                     std::uint16_t high,
                                                     const std::function<bool(std::uint16_t)>& in_use) {
  if (low > high) return std::nullopt;
  const std::uint32_t count = std::uint32_t{high} - low + 1;
  std::uint8_t bytes[10];
  const std::uint32_t l = local.to_uint();
  const std::uint32_t r = remote.to_uint();
  for (int i = 0; i < 4; ++i) {
    bytes[i] = static_cast<std::uint8_t>(l >> (8 * i));
    bytes[4 + i] = static_cast<std::uint8_t>(r >> (8 * i));
  }
  bytes[8] = static_cast<std::uint8_t>(remote_port);
  bytes[9] = static_cast<std::uint8_t>(remote_port >> 8);
  // RFC 6056 3.3.4: offset = F(laddr, faddr, fport, secret1); index = G(..., secret2).
  const std::uint64_t f = siphash24(key_, bytes);
  const SipKey second{key_.k1, key_.k0};
  const std::size_t index = siphash24(second, bytes) % k_table_size;
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto port = static_cast<std::uint16_t>(low + (f + table_[index] + i) % count);
    if (!in_use(port)) {
      table_[index] = static_cast<std::uint16_t>(table_[index] + i + 1);
      return port;
    }
  }
  return std::nullopt;
}

}  // namespace finwait::stack
