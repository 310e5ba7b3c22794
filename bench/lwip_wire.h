// Debian's lwIP (liblwip-dev, raw API) as a baseline: one lwIP instance with
// two host netifs (A and B) and a third, the wire, that every packet leaves
// by (its /16 takes both addresses). What leaves is copied into a buffer and,
// on deliver(), handed to the netif that owns its destination: the same kind
// of in-memory wire the finwait benches use, checksums computed and checked.
#pragma once

#include <cstdint>
#include <vector>

extern "C" {
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"  // tcp_tmr(): the benches run lwIP's timer themselves
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
}

namespace finwait::bench {

class LwipWire {
 public:
  // Starts lwIP once per process (its thread stays idle: the caller holds
  // the core lock throughout) and adds the three netifs, up.
  LwipWire();
  ~LwipWire();
  LwipWire(const LwipWire&) = delete;
  LwipWire& operator=(const LwipWire&) = delete;

  ip_addr_t a_address() const { return a_ip_; }
  ip_addr_t b_address() const { return b_ip_; }
  // Hands every queued packet to its netif, and what that queues, until the
  // wire is empty.
  void deliver();
  std::uint64_t packets() const { return packets_; }

 private:
  static err_t wire_output(netif*, pbuf* p, const ip4_addr_t*);
  static err_t host_output(netif*, pbuf*, const ip4_addr_t*);
  static err_t wire_init(netif* n);
  static err_t host_init(netif* n);

  netif wire_{};
  netif a_{};
  netif b_{};
  ip_addr_t a_ip_{};
  ip_addr_t b_ip_{};
  std::vector<std::vector<std::uint8_t>> frames_;  // buffers reused: no allocation per packet here
  std::size_t queued_ = 0;
  std::uint64_t packets_ = 0;
};

}  // namespace finwait::bench
