#include "bench/lwip_wire.h"

#include <cstdlib>
#include <cstring>

#include "base/check.h"

namespace finwait::bench {
namespace {

LwipWire* g_wire = nullptr;  // lwIP's output callbacks carry no context

}  // namespace

LwipWire::LwipWire() {
  static bool started = false;
  if (!started) {
    tcpip_init(nullptr, nullptr);
    started = true;
  }
  FINWAIT_CHECK(g_wire == nullptr);
  g_wire = this;
  LOCK_TCPIP_CORE();
  IP_ADDR4(&a_ip_, 198, 18, 1, 1);
  IP_ADDR4(&b_ip_, 198, 18, 2, 1);
  ip4_addr_t wire_address, host_mask, wire_mask, none;
  IP4_ADDR(&wire_address, 198, 18, 3, 1);
  IP4_ADDR(&host_mask, 255, 255, 255, 255);
  IP4_ADDR(&wire_mask, 255, 255, 0, 0);
  IP4_ADDR(&none, 0, 0, 0, 0);
  netif_add(&a_, ip_2_ip4(&a_ip_), &host_mask, &none, nullptr, host_init, ip4_input);
  netif_add(&b_, ip_2_ip4(&b_ip_), &host_mask, &none, nullptr, host_init, ip4_input);
  netif_add(&wire_, &wire_address, &wire_mask, &none, nullptr, wire_init, ip4_input);
  for (netif* n : {&a_, &b_, &wire_}) netif_set_up(n);
}

LwipWire::~LwipWire() {
  deliver();
  for (netif* n : {&wire_, &b_, &a_}) netif_remove(n);
  UNLOCK_TCPIP_CORE();
  g_wire = nullptr;
}

err_t LwipWire::wire_output(netif*, pbuf* p, const ip4_addr_t*) {
  LwipWire& w = *g_wire;
  if (w.queued_ == w.frames_.size()) w.frames_.emplace_back();
  std::vector<std::uint8_t>& frame = w.frames_[w.queued_++];
  frame.resize(p->tot_len);
  pbuf_copy_partial(p, frame.data(), p->tot_len, 0);
  return ERR_OK;
}

err_t LwipWire::host_output(netif*, pbuf*, const ip4_addr_t*) {
  std::abort();  // every packet leaves by the wire netif
}

err_t LwipWire::wire_init(netif* n) {
  n->output = wire_output;
  n->mtu = 1500;
  n->flags = NETIF_FLAG_LINK_UP;
  return ERR_OK;
}

err_t LwipWire::host_init(netif* n) {
  n->output = host_output;
  n->mtu = 1500;
  n->flags = NETIF_FLAG_LINK_UP;
  return ERR_OK;
}

void LwipWire::deliver() {
  // Delivering may queue more (ACKs, data): loop until the wire is empty.
  std::size_t next = 0;
  while (next < queued_) {
    const std::vector<std::uint8_t>& frame = frames_[next++];
    pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(frame.size()), PBUF_RAM);
    FINWAIT_CHECK(p != nullptr);
    pbuf_take(p, frame.data(), static_cast<u16_t>(frame.size()));
    ip4_addr_t destination;
    std::memcpy(&destination.addr, frame.data() + 16, 4);
    netif* to = ip4_addr_cmp(&destination, ip_2_ip4(&a_ip_)) ? &a_ : &b_;
    ++packets_;
    ip4_input(p, to);
  }
  queued_ = 0;
}

}  // namespace finwait::bench
