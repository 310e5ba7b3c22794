// The window a receiver offers (RFC 9293 3.8.6.2.2, RFC 7323 2), in one of
// two flavours:
//
//  - linux: as Linux 6.x sizes it. The receive buffer counts memory, not
//    bytes: every segment costs its socket buffer's "truesize", and a share
//    of the buffer is offered as window (tcp_win_from_space's scaling ratio:
//    one half until data comes, then payload over truesize as measured). The initial window and the scale follow
//    tcp_select_initial_window, the clamp tcp_init_buffer_space, growth
//    tcp_grow_window, each announcement __tcp_select_window. A buffer the
//    application sized with SO_RCVBUF also clamps the window and the scale.
//  - bytes: the classic BSD receiver. The window is the buffer's free bytes,
//    the SYN's at most 65535 in whole segments, the scale the one that lets
//    the largest buffer (tcp_rmem_max) be offered.
//
// Both avoid the receiver's silly window syndrome (RFC 9293 3.8.6.2.2):
// the bytes flavour by growing the offer a segment at a time and by the
// window update rule of Connection::receive(), Linux's in select() (once
// less than half the buffer is free, a window under one segment or under a
// sixteenth of the buffer is announced as zero).
#pragma once

#include <cstdint>

namespace finwait::tcp {

class ReceiveWindow {
 public:
  enum class Flavor : std::uint8_t { linux, bytes };

  struct Setup {
    Flavor flavor = Flavor::bytes;
    std::uint32_t buffer = 0;     // Linux's sk_rcvbuf: SO_RCVBUF doubled, or tcp_rmem[1]
    bool locked = false;          // SO_RCVBUF was set (SOCK_RCVBUF_LOCK)
    std::uint32_t max_buffer = 0; // the largest the buffer may become (tcp_rmem[2], rmem_max)
  };

  ReceiveWindow() = default;
  explicit ReceiveWindow(const Setup& setup) : setup_(setup) {}

  // The SYN or SYN-ACK: `mss` is the segment size the peer will send us
  // (less its timestamps). Chooses the first window and the scale we offer.
  void choose_initial(std::uint32_t mss, bool window_scaling);
  std::uint8_t offered_scale() const { return scale_; }
  // The window field of a SYN or SYN-ACK (never scaled, RFC 7323 2.2).
  std::uint16_t syn_window() const { return static_cast<std::uint16_t>(rcv_wnd_ < 0xffff ? rcv_wnd_ : 0xffff); }
  // The handshake is over: `scale` is what was agreed (0 if the peer
  // offered none), `advmss` our MSS. Linux's tcp_init_buffer_space.
  void established(std::uint8_t scale, std::uint32_t advmss);

  // The buffer was resized (SO_RCVBUF after the handshake).
  void resize(std::uint32_t buffer, bool locked);
  std::uint32_t buffer() const { return setup_.buffer; }

  // Memory: a segment of `payload` bytes that came in a packet of
  // `packet_bytes` is kept, and `read` bytes left with `left` still queued.
  void charge(std::uint32_t payload, std::uint32_t packet_bytes);
  void release(std::uint64_t read, std::uint64_t left);
  // Linux 6.x's tcp_measure_rcv_mss(): a segment of `segment_size` (the
  // device's segment size, or the payload) at or above `rcv_mss`, the
  // estimate before it, and not equal to it, re-measures the ratio of
  // payload to memory, and the clamp follows the buffer's new worth.
  void measure(std::uint32_t segment_size, std::uint32_t rcv_mss, std::uint32_t payload, std::uint32_t packet_bytes);
  std::uint32_t scaling_ratio() const { return scaling_ratio_; }
  // Linux 6.18's tcp_rcvbuf_grow() from tcp_data_queue_ofo(), for a socket
  // the application holds: the buffer grows to carry twice the last
  // measured receive space plus the out-of-order span (`held_span`, RCV.NXT
  // to the last byte held), up to the largest buffer; the clamp follows.
  // Neither a buffer sized by SO_RCVBUF nor the bytes flavour grows.
  void grow_for_out_of_order(std::uint32_t held_span);
  // Linux's tcp_grow_window: in-order data lets the offer grow.
  void grow(std::uint32_t payload, std::uint32_t packet_bytes, std::uint32_t rcv_mss);

  // The window to announce now, in bytes, before scaling and before the
  // rule that never moves the right edge back. `rcv_mss` is the receiver's
  // estimate of the peer's segment size.
  std::uint32_t select(std::uint32_t rcv_mss) const;
  // The window a segment just announced (Linux's tp->rcv_wnd).
  void announced(std::uint32_t window);
  // The most the window may be (Linux's window_clamp).
  std::uint32_t clamp() const { return clamp_; }
  std::uint64_t charged() const { return charged_; }
  // The room the buffer has left, as window (Linux's tcp_space).
  std::int64_t space() const;

  // What one packet costs in memory (Linux's skb->truesize for a packet
  // written to a tun device: a head of at most a page, the rest in pages).
  static std::uint32_t truesize(std::uint32_t packet_bytes);

 private:
  std::int64_t window_from_space(std::int64_t bytes) const;
  std::int64_t space_from_window(std::int64_t window) const;  // tcp_space_from_win()

  Setup setup_;
  std::uint8_t scale_ = 0;
  std::uint32_t rcv_wnd_ = 0;        // the last window chosen
  std::uint32_t clamp_ = 0;          // Linux's window_clamp
  std::uint32_t rcv_ssthresh_ = 0;   // Linux's rcv_ssthresh: the offer grows towards the clamp
  std::uint32_t receive_space_ = 0;  // Linux's rcvq_space.space: what one RTT delivered, at first ten segments
  std::uint32_t advmss_ = 536;
  // Linux's scaling_ratio: window per byte of buffer, in 256ths; one half
  // until data is measured (TCP_DEFAULT_SCALING_RATIO).
  std::uint32_t scaling_ratio_ = k_default_scaling_ratio;
  static constexpr std::uint32_t k_default_scaling_ratio = 128;
  std::uint64_t charged_ = 0;        // memory the queued segments cost
};

}  // namespace finwait::tcp
