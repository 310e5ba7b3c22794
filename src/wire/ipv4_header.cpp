#include "wire/ipv4_header.h"

#include <algorithm>

#include "base/big_endian.h"
#include "base/check.h"
#include "wire/checksum.h"

namespace finwait::wire {

Result<Ipv4View, ParseError> Ipv4View::parse(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < k_ipv4_min_header_size) return fail(ParseError::truncated);
  if ((bytes[0] >> 4) != 4) return fail(ParseError::bad_version);
  const std::size_t header_size = std::size_t{bytes[0] & 0x0fu} * 4;
  if (header_size < k_ipv4_min_header_size) return fail(ParseError::bad_header_length);
  const std::size_t total_length = load_be16(&bytes[2]);
  if (total_length < header_size) return fail(ParseError::bad_total_length);
  if (total_length > bytes.size()) return fail(ParseError::truncated);
  return Ipv4View(bytes.first(total_length), header_size);
}

std::uint16_t Ipv4View::total_length() const {
  return static_cast<std::uint16_t>(bytes_.size());
}
std::uint16_t Ipv4View::checksum() const {
  return load_be16(&bytes_[10]);
}
Ipv4Address Ipv4View::src() const {
  return Ipv4Address(load_be32(&bytes_[12]));
}
Ipv4Address Ipv4View::dst() const {
  return Ipv4Address(load_be32(&bytes_[16]));
}

bool Ipv4View::header_checksum_ok() const {
  return internet_checksum(header()) == 0;
}

Ipv4Header Ipv4View::to_value() const {
  Ipv4Header header;
  header.type_of_service = bytes_[1];
  header.identification = load_be16(&bytes_[4]);
  const std::uint16_t flags_fragment = load_be16(&bytes_[6]);
  header.reserved_flag = (flags_fragment & 0x8000) != 0;
  header.dont_fragment = (flags_fragment & 0x4000) != 0;
  header.more_fragments = (flags_fragment & 0x2000) != 0;
  header.fragment_offset = flags_fragment & 0x1fff;
  header.ttl = bytes_[8];
  header.protocol = bytes_[9];
  header.src = src();
  header.dst = dst();
  header.options_size = static_cast<std::uint8_t>(header_size_ - k_ipv4_min_header_size);
  std::copy(bytes_.begin() + k_ipv4_min_header_size,
            bytes_.begin() + static_cast<std::ptrdiff_t>(header_size_), header.options.begin());
  return header;
}

std::size_t emit_ipv4(const Ipv4Header& header, std::size_t payload_size, std::span<std::uint8_t> out) {
  const std::size_t header_size = header.header_size();
  FINWAIT_CHECK(out.size() >= header_size);
  FINWAIT_CHECK(header_size + payload_size <= 0xffff);
  std::uint8_t* p = out.data();
  p[0] = static_cast<std::uint8_t>(0x40 | (header_size / 4));
  p[1] = header.type_of_service;
  store_be16(p + 2, static_cast<std::uint16_t>(header_size + payload_size));
  store_be16(p + 4, header.identification);
  const std::uint16_t flags_fragment =
      static_cast<std::uint16_t>((header.reserved_flag ? 0x8000 : 0) | (header.dont_fragment ? 0x4000 : 0) |
                                 (header.more_fragments ? 0x2000 : 0) | (header.fragment_offset & 0x1fff));
  store_be16(p + 6, flags_fragment);
  p[8] = header.ttl;
  p[9] = header.protocol;
  store_be16(p + 10, 0);
  store_be32(p + 12, header.src.to_uint());
  store_be32(p + 16, header.dst.to_uint());
  std::copy(header.options.begin(), header.options.begin() + header.options_size, p + k_ipv4_min_header_size);
  std::fill(p + k_ipv4_min_header_size + header.options_size, p + header_size, std::uint8_t{0});
  store_be16(p + 10, internet_checksum(out.first(header_size)));
  return header_size;
}

}  // namespace finwait::wire
