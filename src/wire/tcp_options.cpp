#include "wire/tcp_options.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "base/big_endian.h"
#include "base/check.h"

namespace finwait::wire {
namespace {

constexpr std::size_t k_mss_length = 4;             // RFC 9293 3.2
constexpr std::size_t k_window_scale_length = 3;    // RFC 7323 2.2
constexpr std::size_t k_sack_permitted_length = 2;  // RFC 2018 2
constexpr std::size_t k_timestamps_length = 10;     // RFC 7323 3.2
constexpr std::size_t k_sack_block_length = 8;      // RFC 2018 3

bool is_valid_sack_length(std::size_t length) {
  return length >= 2 + k_sack_block_length && (length - 2) % k_sack_block_length == 0 &&
         (length - 2) / k_sack_block_length <= 4;
}

}  // namespace

Result<TcpOptions, ParseError> TcpOptions::parse(std::span<const std::uint8_t> bytes) {
  TcpOptions options;
  if (auto error = parse_into(bytes, options)) return fail(*error);
  return options;
}

std::optional<ParseError> TcpOptions::parse_into(std::span<const std::uint8_t> bytes, TcpOptions& out) {
  if (bytes.size() > k_max_size) return ParseError::bad_data_offset;
  // Bytes past size_ stay zero (equality compares them): what an earlier
  // value left there is cleared, and only what the packet holds is copied.
  if (out.size_ > bytes.size()) {
    std::fill(out.bytes_.begin() + static_cast<std::ptrdiff_t>(bytes.size()),
              out.bytes_.begin() + static_cast<std::ptrdiff_t>(out.size_), std::uint8_t{0});
  }
  std::copy(bytes.begin(), bytes.end(), out.bytes_.begin());
  out.size_ = static_cast<std::uint8_t>(bytes.size());
  out.first_eol_ = k_no_eol;
  out.kinds_ = 0;
  out.timestamps_at_ = k_no_eol;
  std::size_t i = 0;
  while (i < bytes.size()) {
    const std::uint8_t kind = bytes[i];
    if (kind == tcp_option_kind::eol) {
      // RFC 9293 3.2: End of Option List; what follows is padding.
      out.first_eol_ = static_cast<std::uint8_t>(i);
      break;
    }
    if (kind == tcp_option_kind::nop) {
      ++i;
      continue;
    }
    if (i + 1 >= bytes.size()) return ParseError::bad_option_length;
    const std::size_t length = bytes[i + 1];
    // RFC 9293 3.2: the length counts kind and length octets, so it is at least 2.
    if (length < 2 || i + length > bytes.size()) return ParseError::bad_option_length;
    out.kinds_ |= kind_bit(kind);
    if (kind == tcp_option_kind::timestamps && out.timestamps_at_ == k_no_eol) {
      out.timestamps_at_ = static_cast<std::uint8_t>(i);
    }
    i += length;
  }
  return std::nullopt;
}

bool TcpOptions::try_add_byte(std::uint8_t kind) {
  if (size_ + 1u > k_max_size) return false;
  if (kind == tcp_option_kind::eol && first_eol_ == k_no_eol) first_eol_ = size_;
  bytes_[size_++] = kind;
  return true;
}

bool TcpOptions::try_add_raw(std::uint8_t kind, std::span<const std::uint8_t> data) {
  if (kind == tcp_option_kind::eol || kind == tcp_option_kind::nop) {
    return data.empty() && try_add_byte(kind);
  }
  const std::size_t length = 2 + data.size();
  if (size_ + length > k_max_size) return false;
  bytes_[size_] = kind;
  bytes_[size_ + 1] = static_cast<std::uint8_t>(length);
  if (first_eol_ == k_no_eol) {
    kinds_ |= kind_bit(kind);
    if (kind == tcp_option_kind::timestamps && timestamps_at_ == k_no_eol) timestamps_at_ = size_;
  }
  std::copy(data.begin(), data.end(), bytes_.begin() + size_ + 2);
  size_ = static_cast<std::uint8_t>(size_ + length);
  return true;
}

TcpOptions& TcpOptions::add_eol() {
  FINWAIT_CHECK(try_add_byte(tcp_option_kind::eol));
  return *this;
}

TcpOptions& TcpOptions::add_nop() {
  FINWAIT_CHECK(try_add_byte(tcp_option_kind::nop));
  return *this;
}

TcpOptions& TcpOptions::add_mss(std::uint16_t mss) {
  std::uint8_t data[2];
  store_be16(data, mss);
  FINWAIT_CHECK(try_add_raw(tcp_option_kind::mss, data));
  return *this;
}

TcpOptions& TcpOptions::add_window_scale(std::uint8_t shift) {
  const std::uint8_t data[1] = {shift};
  FINWAIT_CHECK(try_add_raw(tcp_option_kind::window_scale, data));
  return *this;
}

TcpOptions& TcpOptions::add_sack_permitted() {
  FINWAIT_CHECK(try_add_raw(tcp_option_kind::sack_permitted, {}));
  return *this;
}

TcpOptions& TcpOptions::add_sack(std::initializer_list<SackBlock> blocks) {
  return add_sack(std::span<const SackBlock>(blocks.begin(), blocks.size()));
}

TcpOptions& TcpOptions::add_sack(std::span<const SackBlock> blocks) {
  FINWAIT_CHECK(!blocks.empty() && blocks.size() <= 4);
  std::array<std::uint8_t, 4 * k_sack_block_length> data{};
  std::size_t n = 0;
  for (const SackBlock& block : blocks) {
    store_be32(&data[n], block.left.raw());
    store_be32(&data[n + 4], block.right.raw());
    n += k_sack_block_length;
  }
  FINWAIT_CHECK(try_add_raw(tcp_option_kind::sack, std::span(data.data(), n)));
  return *this;
}

TcpOptions& TcpOptions::add_timestamps(std::uint32_t value, std::uint32_t echo_reply) {
  std::uint8_t data[8];
  store_be32(data, value);
  store_be32(data + 4, echo_reply);
  FINWAIT_CHECK(try_add_raw(tcp_option_kind::timestamps, data));
  return *this;
}

std::size_t TcpOptions::Iterator::length_at(std::size_t offset) const {
  const auto bytes = options_->bytes();
  if (options_->first_eol_ != k_no_eol && offset > options_->first_eol_) {
    // Padding after EOL: zero bytes read as EOLs, anything else as one opaque run.
    const bool all_zero = std::all_of(bytes.begin() + static_cast<std::ptrdiff_t>(offset), bytes.end(),
                                      [](std::uint8_t b) { return b == 0; });
    return all_zero ? 1 : bytes.size() - offset;
  }
  const std::uint8_t kind = bytes[offset];
  if (kind == tcp_option_kind::eol || kind == tcp_option_kind::nop) return 1;
  return bytes[offset + 1];  // validated by parse() or written by try_add_raw()
}

TcpOption TcpOptions::Iterator::operator*() const {
  const auto bytes = options_->bytes();
  const std::size_t length = length_at(offset_);
  TcpOption option;
  option.kind = bytes[offset_];
  if (options_->first_eol_ != k_no_eol && offset_ > options_->first_eol_ && length > 1) {
    option.trailing_garbage = true;
    option.data = bytes.subspan(offset_, length);
  } else if (length >= 2) {
    option.data = bytes.subspan(offset_ + 2, length - 2);
  }
  return option;
}

TcpOptions::Iterator& TcpOptions::Iterator::operator++() {
  offset_ += length_at(offset_);
  return *this;
}

std::optional<TcpOption> TcpOptions::find(std::uint8_t kind) const {
  // The iterator's walk, without its padding cases: the search stops at the
  // first EOL, and every length before it was validated by parse() or written
  // by try_add_raw(). Each segment's options are searched several times, so
  // this loop is on every packet's path.
  if ((kinds_ & kind_bit(kind)) == 0) return std::nullopt;
  const std::size_t end = first_eol_ != k_no_eol ? first_eol_ : size_;
  std::size_t i = 0;
  while (i < end) {
    const std::uint8_t here = bytes_[i];
    if (here == tcp_option_kind::nop) {
      ++i;
      continue;
    }
    const std::size_t length = bytes_[i + 1];
    if (here == kind) return TcpOption{here, std::span(bytes_).subspan(i + 2, length - 2), false};
    i += length;
  }
  return std::nullopt;
}

std::optional<std::uint16_t> TcpOptions::mss() const {
  auto option = find(tcp_option_kind::mss);
  if (!option || option->data.size() + 2 != k_mss_length) return std::nullopt;
  return load_be16(option->data.data());
}

std::optional<std::uint8_t> TcpOptions::window_scale_raw() const {
  auto option = find(tcp_option_kind::window_scale);
  if (!option || option->data.size() + 2 != k_window_scale_length) return std::nullopt;
  return option->data[0];
}

std::optional<std::uint8_t> TcpOptions::window_scale() const {
  auto shift = window_scale_raw();
  if (!shift) return std::nullopt;
  // RFC 7323 2.3: "If a Window Scale option is received with a shift.cnt value
  // larger than 14, the TCP SHOULD log the error but MUST use 14 instead of the
  // specified value." The raw value stays visible through window_scale_raw().
  return std::min(*shift, k_max_window_scale);
}

bool TcpOptions::has_md5() const {
  auto option = find(tcp_option_kind::md5);
  return option && option->data.size() == 16;
}

bool TcpOptions::sack_permitted() const {
  auto option = find(tcp_option_kind::sack_permitted);
  return option && option->data.size() + 2 == k_sack_permitted_length;
}

std::optional<TcpTimestamps> TcpOptions::timestamps() const {
  // What find() would return, from where parse_into() or try_add_raw() saw it.
  if (timestamps_at_ == k_no_eol || bytes_[timestamps_at_ + 1] != k_timestamps_length) return std::nullopt;
  const std::uint8_t* data = &bytes_[timestamps_at_ + 2];
  return TcpTimestamps{load_be32(data), load_be32(data + 4)};
}

SackBlocks TcpOptions::sack_blocks() const {
  SackBlocks result;
  auto option = find(tcp_option_kind::sack);
  if (!option || !is_valid_sack_length(option->data.size() + 2)) return result;
  for (std::size_t i = 0; i < option->data.size(); i += k_sack_block_length) {
    result.blocks[result.count++] =
        SackBlock{SeqNum(load_be32(&option->data[i])), SeqNum(load_be32(&option->data[i + 4]))};
  }
  return result;
}

bool TcpOptions::try_add_fast_open(const FastOpenCookie& cookie) {
  std::array<std::uint8_t, 18> data{};
  std::size_t n = 0;
  if (cookie.experimental) {
    store_be16(data.data(), FastOpenCookie::k_experimental_magic);
    n = 2;
  }
  std::copy(cookie.value().begin(), cookie.value().end(), data.begin() + static_cast<std::ptrdiff_t>(n));
  n += cookie.size;
  const std::uint8_t kind = cookie.experimental ? tcp_option_kind::experimental : tcp_option_kind::fast_open;
  const bool pad = (n + 2) % 4 == 2;
  if (size_ + n + 2 + (pad ? 2 : 0) > k_max_size) return false;
  try_add_raw(kind, std::span(data.data(), n));
  if (pad) {
    try_add_byte(tcp_option_kind::nop);
    try_add_byte(tcp_option_kind::nop);
  }
  return true;
}

std::optional<FastOpenCookie> TcpOptions::fast_open() const {
  for (TcpOption option : *this) {
    if (option.trailing_garbage) continue;
    std::span<const std::uint8_t> value;
    FastOpenCookie cookie;
    if (option.kind == tcp_option_kind::fast_open) {
      value = option.data;
    } else if (option.kind == tcp_option_kind::experimental && option.data.size() >= 2 &&
               load_be16(option.data.data()) == FastOpenCookie::k_experimental_magic) {
      value = option.data.subspan(2);
      cookie.experimental = true;
    } else {
      continue;
    }
    // RFC 7413 4.1.1: 4 to 16 bytes, even; Linux ignores other lengths.
    if (!value.empty() && (value.size() < 4 || value.size() > 16 || value.size() % 2 != 0)) return std::nullopt;
    std::copy(value.begin(), value.end(), cookie.bytes.begin());
    cookie.size = static_cast<std::uint8_t>(value.size());
    return cookie;
  }
  return std::nullopt;
}

std::string TcpOptions::to_string(SeqNum sack_base) const {
  std::string out;
  for (TcpOption option : *this) {
    if (!out.empty()) out += ',';
    const auto& d = option.data;
    if (option.trailing_garbage) {
      out += "garbage 0x";
      for (std::uint8_t b : d) out += fmt::format("{:02x}", b);
      continue;
    }
    switch (option.kind) {
      case tcp_option_kind::eol: out += "eol"; continue;
      case tcp_option_kind::nop: out += "nop"; continue;
      case tcp_option_kind::mss:
        if (d.size() == 2) {
          out += fmt::format("mss {}", load_be16(d.data()));
          continue;
        }
        break;
      case tcp_option_kind::window_scale:
        if (d.size() == 1) {
          out += fmt::format("wscale {}", d[0]);
          continue;
        }
        break;
      case tcp_option_kind::sack_permitted:
        if (d.empty()) {
          out += "sackOK";
          continue;
        }
        break;
      case tcp_option_kind::timestamps:
        if (d.size() == 8) {
          out += fmt::format("TS val {} ecr {}", load_be32(d.data()), load_be32(d.data() + 4));
          continue;
        }
        break;
      case tcp_option_kind::sack:
        if (is_valid_sack_length(d.size() + 2)) {
          out += "sack";
          for (std::size_t i = 0; i < d.size(); i += k_sack_block_length) {
            out += fmt::format(" {}:{}", load_be32(&d[i]) - sack_base.raw(),
                               load_be32(&d[i + 4]) - sack_base.raw());
          }
          continue;
        }
        break;
      case tcp_option_kind::md5:
        if (d.size() == 16) {
          out += "md5 ";
          for (std::uint8_t b : d) out += fmt::format("{:02x}", b);
          continue;
        }
        break;
      case tcp_option_kind::fast_open:
        out += "FO";
        if (!d.empty()) out += " ";
        for (std::uint8_t b : d) out += fmt::format("{:02x}", b);
        continue;
      case tcp_option_kind::experimental:
        if (d.size() >= 2 && load_be16(d.data()) == FastOpenCookie::k_experimental_magic) {
          out += "FOEXP";
          if (d.size() > 2) out += " ";
          for (std::uint8_t b : d.subspan(2)) out += fmt::format("{:02x}", b);
          continue;
        }
        break;
      default: break;
    }
    // Unknown kind, or a known kind with a length its RFC does not allow.
    out += fmt::format("opt-{} len {}", option.kind, d.size() + 2);
    if (!d.empty()) {
      out += " 0x";
      for (std::uint8_t b : d) out += fmt::format("{:02x}", b);
    }
  }
  return out;
}

}  // namespace finwait::wire
