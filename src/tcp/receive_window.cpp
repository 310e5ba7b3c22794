#include "tcp/receive_window.h"

#include <algorithm>
#include <bit>

namespace finwait::tcp {
namespace {

constexpr std::uint32_t k_max_window = 0xffff;
constexpr int k_max_scale = 14;  // RFC 7323 2.3
constexpr std::uint32_t k_page = 4096;
// Linux's SOCK_MIN_RCVBUF: 2048 plus the sk_buff's own 256 bytes, doubled.
constexpr std::int64_t k_min_buffer = 2 * (2048 + 256);

std::int64_t round_down(std::int64_t value, std::int64_t unit) {
  if (unit <= 0) return value;
  return value >= 0 ? value / unit * unit : -((-value + unit - 1) / unit * unit);
}

}  // namespace

std::uint32_t ReceiveWindow::truesize(std::uint32_t packet_bytes) {
  // Linux's tun_get_user(): the head holds what fits in one page beside
  // NET_SKB_PAD (64) and the shared info (320), its kmalloc size rounded to
  // a power of two; the rest goes in whole pages; the sk_buff itself is 256.
  constexpr std::uint32_t k_head_extra = 64 + 320;
  constexpr std::uint32_t k_skb = 256;
  const std::uint32_t linear = std::min(packet_bytes, k_page - k_head_extra);
  const std::uint32_t head = std::max<std::uint32_t>(512, std::bit_ceil(linear + k_head_extra));
  const std::uint32_t rest = packet_bytes - linear;
  return k_skb + head + (rest + k_page - 1) / k_page * k_page;
}

std::int64_t ReceiveWindow::window_from_space(std::int64_t bytes) const {
  // Linux's tcp_win_from_space(); the bytes flavour counts bytes as window.
  return setup_.flavor == Flavor::linux ? (bytes * scaling_ratio_) >> 8 : bytes;
}

std::int64_t ReceiveWindow::space_from_window(std::int64_t window) const {
  return setup_.flavor == Flavor::linux ? (window << 8) / scaling_ratio_ : window;
}

void ReceiveWindow::grow_for_out_of_order(std::uint32_t held_span) {
  if (setup_.flavor == Flavor::bytes || setup_.locked) return;
  const std::int64_t window = 2 * std::int64_t{receive_space_} + held_span;
  const std::int64_t buffer = std::min<std::int64_t>(space_from_window(window), setup_.max_buffer);
  if (buffer <= setup_.buffer) return;
  setup_.buffer = static_cast<std::uint32_t>(buffer);
  clamp_ = static_cast<std::uint32_t>(window_from_space(buffer));
}

void ReceiveWindow::measure(std::uint32_t segment_size, std::uint32_t rcv_mss, std::uint32_t payload,
                            std::uint32_t packet_bytes) {
  if (setup_.flavor == Flavor::bytes || segment_size <= rcv_mss) return;
  const std::uint32_t old_ratio = scaling_ratio_;
  scaling_ratio_ = std::max<std::uint32_t>(1, static_cast<std::uint32_t>((std::uint64_t{payload} << 8) /
                                                                          truesize(packet_bytes)));
  if (scaling_ratio_ == old_ratio) return;
  // tcp_set_window_clamp(): the clamp is the buffer's window now (at least
  // half of SOCK_MIN_RCVBUF); a larger clamp lets the slow-start threshold
  // reach the last window, a smaller one brings it down.
  const auto clamp = static_cast<std::uint32_t>(std::max<std::int64_t>(k_min_buffer / 2, window_from_space(setup_.buffer)));
  if (clamp != clamp_) {
    if (clamp < clamp_) {
      rcv_ssthresh_ = std::min(rcv_ssthresh_, clamp);
    } else {
      rcv_ssthresh_ = std::max(rcv_ssthresh_, std::min(rcv_wnd_, clamp));
    }
    clamp_ = clamp;
  }
  receive_space_ = std::min(receive_space_, clamp_);
}

std::int64_t ReceiveWindow::space() const {
  return window_from_space(static_cast<std::int64_t>(setup_.buffer) - static_cast<std::int64_t>(charged_));
}

void ReceiveWindow::choose_initial(std::uint32_t mss, bool window_scaling) {
  mss = std::max<std::uint32_t>(mss, 1);
  if (setup_.flavor == Flavor::bytes) {
    rcv_wnd_ = std::min(k_max_window, setup_.buffer) / mss * mss;
    scale_ = 0;
    if (window_scaling) {
      while (scale_ < k_max_scale && (setup_.max_buffer >> scale_) > k_max_window) ++scale_;
    }
    clamp_ = rcv_wnd_;
    rcv_ssthresh_ = rcv_wnd_;
    return;
  }
  // tcp_select_initial_window(), with the clamp tcp_connect_init() and
  // tcp_openreq_init_rwin() set first: a locked buffer bounds the window.
  const auto full = static_cast<std::uint32_t>(window_from_space(setup_.buffer));
  std::uint32_t clamp = setup_.locked ? full : (k_max_window << k_max_scale);
  std::uint32_t space = std::min(clamp, full);
  if (space > mss) space = space / mss * mss;
  rcv_wnd_ = std::min(space, k_max_window);
  scale_ = 0;
  if (window_scaling) {
    // The scale is set for the largest the window could become.
    const std::uint32_t largest = std::min(std::max(space, setup_.max_buffer), clamp);
    const int log2 = largest == 0 ? 0 : std::bit_width(largest) - 1;
    scale_ = static_cast<std::uint8_t>(std::clamp(log2 - 15, 0, k_max_scale));
  }
  clamp_ = std::min(k_max_window << scale_, clamp);
  rcv_ssthresh_ = rcv_wnd_;
}

void ReceiveWindow::established(std::uint8_t scale, std::uint32_t advmss) {
  advmss_ = advmss;
  if (setup_.flavor == Flavor::bytes) {
    scale_ = scale;
    return;
  }
  // The peer offered no scale: the window must fit the field
  // (tcp_rcv_synsent_state_process, tcp_create_openreq_child).
  if (scale == 0 && scale_ != 0) clamp_ = std::min(clamp_, k_max_window);
  scale_ = scale;
  // tcp_init_buffer_space(), with tcp_app_win = 31: the clamp is the
  // buffer's window, less one segment kept in reserve.
  const auto most = static_cast<std::uint32_t>(window_from_space(setup_.buffer));
  if (clamp_ >= most) clamp_ = most;
  if (clamp_ > 2 * advmss && clamp_ + advmss > most) clamp_ = std::max(2 * advmss, most - advmss);
  rcv_ssthresh_ = std::min(rcv_ssthresh_, clamp_);
  constexpr std::uint32_t k_initial_window_segments = 10;  // TCP_INIT_CWND
  receive_space_ = std::min({rcv_ssthresh_, rcv_wnd_, k_initial_window_segments * advmss});
}

void ReceiveWindow::resize(std::uint32_t buffer, bool locked) {
  setup_.buffer = buffer;
  setup_.locked = setup_.locked || locked;
  if (setup_.flavor == Flavor::bytes) clamp_ = std::min(clamp_, buffer);
}

void ReceiveWindow::charge(std::uint32_t payload, std::uint32_t packet_bytes) {
  charged_ += setup_.flavor == Flavor::linux ? truesize(packet_bytes) : payload;
}

void ReceiveWindow::release(std::uint64_t read, std::uint64_t left) {
  // A whole segment's memory goes when its last byte is read; finwait keeps
  // bytes, not segments, so what is read gives back its share.
  if (left == 0) {
    charged_ = 0;
    return;
  }
  charged_ -= charged_ * read / (read + left);
}

void ReceiveWindow::grow(std::uint32_t payload, std::uint32_t packet_bytes, std::uint32_t rcv_mss) {
  if (setup_.flavor == Flavor::bytes) {
    // Each segment of data lets the offer grow by two segments, up to the buffer.
    if (clamp_ < setup_.buffer) clamp_ = std::min(setup_.buffer, clamp_ + 2 * advmss_);
    return;
  }
  // tcp_grow_window(): towards the clamp while the buffer has room and the
  // segments' overhead lets the window be filled.
  const std::int64_t room_left = space();
  if (!(rcv_ssthresh_ < clamp_ && static_cast<std::int64_t>(rcv_ssthresh_) < room_left)) return;
  const std::int64_t room = std::min<std::int64_t>(clamp_, room_left) - rcv_ssthresh_;
  if (room <= 0) return;
  const std::int64_t cost = window_from_space(truesize(packet_bytes));
  std::int64_t increment = 0;
  if (cost <= payload) {
    increment = 2 * std::int64_t{advmss_};
  } else {
    // __tcp_grow_window(): a costly segment still grows a small window.
    std::int64_t scaled_cost = cost >> 1;
    std::int64_t window = window_from_space(setup_.max_buffer) >> 1;
    while (rcv_ssthresh_ <= window) {
      if (scaled_cost <= payload) {
        increment = 2 * std::int64_t{rcv_mss};
        break;
      }
      scaled_cost >>= 1;
      window >>= 1;
    }
  }
  if (increment == 0) return;
  increment = std::max<std::int64_t>(increment, 2 * std::int64_t{payload});
  rcv_ssthresh_ += static_cast<std::uint32_t>(std::min(room, increment));
}

std::uint32_t ReceiveWindow::select(std::uint32_t rcv_mss) const {
  const std::uint32_t limit = k_max_window << scale_;
  if (setup_.flavor == Flavor::bytes) {
    const std::int64_t free = std::max<std::int64_t>(space(), 0);
    return std::min({static_cast<std::uint32_t>(free), clamp_, limit});
  }
  // __tcp_select_window().
  std::int64_t mss = rcv_mss;
  std::int64_t free = space();
  const std::int64_t allowed = window_from_space(setup_.buffer);
  const std::int64_t full = std::min<std::int64_t>(clamp_, allowed);
  if (mss > full) {
    mss = full;
    if (mss <= 0) return 0;
  }
  if (free < full / 2) {
    // Receiver silly window avoidance: a window under one segment, or under
    // a sixteenth of the buffer, is announced as zero.
    free = round_down(free, std::int64_t{1} << scale_);
    if (free < (allowed >> 4) || free < mss) return 0;
  }
  free = std::min<std::int64_t>(free, rcv_ssthresh_);
  std::int64_t window = 0;
  if (scale_ != 0) {
    // Rounded up so that the scale does not hide a small window.
    const std::int64_t unit = std::int64_t{1} << scale_;
    window = (free + unit - 1) / unit * unit;
  } else {
    // Whole segments, keeping the last offer while it is within one.
    window = rcv_wnd_;
    if (window <= free - mss || window > free) {
      window = round_down(free, mss);
    } else if (mss == full && free > window + full / 2) {
      window = free;
    }
  }
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(window, 0, limit));
}

void ReceiveWindow::announced(std::uint32_t window) { rcv_wnd_ = window; }

}  // namespace finwait::tcp
