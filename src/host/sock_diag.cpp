#include "host/sock_diag.h"

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

namespace finwait::host {
namespace {

struct MnlSocketCloser {
  void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};
using MnlSocket = std::unique_ptr<mnl_socket, MnlSocketCloser>;

Result<MnlSocket, std::string> open_sock_diag() {
  MnlSocket nl(mnl_socket_open(NETLINK_SOCK_DIAG));
  if (!nl) return fail(fmt::format("cannot open a NETLINK_SOCK_DIAG socket: {}", std::strerror(errno)));
  if (mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0)
    return fail(fmt::format("cannot bind the NETLINK_SOCK_DIAG socket: {}", std::strerror(errno)));
  return nl;
}

// The request for one family: the header, then inet_diag_req_v2.
inet_diag_req_v2* put_request(char* buffer, std::uint16_t type, std::uint16_t flags, std::uint32_t seq) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buffer);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags;
  nlh->nlmsg_seq = seq;
  auto* req = static_cast<inet_diag_req_v2*>(mnl_nlmsg_put_extra_header(nlh, sizeof(inet_diag_req_v2)));
  req->sdiag_protocol = IPPROTO_TCP;
  return req;
}

int on_socket(const nlmsghdr* nlh, void* data) {
  auto* out = static_cast<std::vector<KernelSocket>*>(data);
  if (mnl_nlmsg_get_payload_len(nlh) < sizeof(inet_diag_msg)) return MNL_CB_OK;  // short: skip
  const auto* msg = static_cast<const inet_diag_msg*>(mnl_nlmsg_get_payload(nlh));
  KernelSocket s;
  s.family = msg->idiag_family;
  const std::size_t address_size = s.family == AF_INET6 ? 16 : 4;
  std::memcpy(s.local_address.data(), msg->id.idiag_src, address_size);
  std::memcpy(s.remote_address.data(), msg->id.idiag_dst, address_size);
  s.local_port = ntohs(msg->id.idiag_sport);
  s.remote_port = ntohs(msg->id.idiag_dport);
  s.interface = msg->id.idiag_if;
  s.cookie = {msg->id.idiag_cookie[0], msg->id.idiag_cookie[1]};
  s.state = static_cast<KernelState>(msg->idiag_state);
  s.timer = msg->idiag_timer <= 4 ? static_cast<KernelTimer>(msg->idiag_timer) : KernelTimer::none;
  s.timer_left_ms = msg->idiag_expires;
  s.retransmits = msg->idiag_retrans;
  s.receive_queue = msg->idiag_rqueue;
  s.send_queue = msg->idiag_wqueue;
  s.uid = msg->idiag_uid;
  s.inode = msg->idiag_inode;
  // libmnl's mnl_attr_for_each, spelled out for C++'s stricter casts.
  const auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
  for (auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(*msg)));
       mnl_attr_ok(attr, static_cast<int>(tail - reinterpret_cast<const char*>(attr))); attr = mnl_attr_next(attr)) {
    if (mnl_attr_get_type(attr) != INET_DIAG_INFO) continue;
    tcp_info info{};
    std::memcpy(&info, mnl_attr_get_payload(attr), std::min<std::size_t>(mnl_attr_get_payload_len(attr), sizeof info));
    s.last_received_ms = info.tcpi_last_ack_recv;
  }
  out->push_back(s);
  return MNL_CB_OK;
}

}  // namespace

Result<std::vector<KernelSocket>, std::string> dump_tcp_sockets(StateMask states) {
  auto nl = open_sock_diag();
  if (!nl) return fail(nl.error());
  std::vector<KernelSocket> sockets;
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE * 4);
  const unsigned port_id = mnl_socket_get_portid(nl->get());
  std::uint32_t seq = 1;
  for (const int family : {AF_INET, AF_INET6}) {
    inet_diag_req_v2* req = put_request(buffer.data(), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq);
    req->sdiag_family = static_cast<std::uint8_t>(family);
    req->idiag_states = states;
    req->idiag_ext = 1u << (INET_DIAG_INFO - 1);
    const auto* nlh = reinterpret_cast<const nlmsghdr*>(buffer.data());
    if (mnl_socket_sendto(nl->get(), nlh, nlh->nlmsg_len) < 0)
      return fail(fmt::format("cannot ask the kernel for its TCP sockets: {}", std::strerror(errno)));
    while (true) {
      const ssize_t got = mnl_socket_recvfrom(nl->get(), buffer.data(), buffer.size());
      if (got < 0) return fail(fmt::format("cannot read the kernel's answer: {}", std::strerror(errno)));
      const int r = mnl_cb_run(buffer.data(), static_cast<std::size_t>(got), seq, port_id, on_socket, &sockets);
      if (r == MNL_CB_STOP) break;
      if (r < 0) {
        // A kernel without IPv6 has no inet6 diag handler: no IPv6 sockets.
        if (family == AF_INET6 && (errno == ENOENT || errno == EAFNOSUPPORT)) break;
        return fail(fmt::format("the kernel refused the socket dump: {}", std::strerror(errno)));
      }
    }
    ++seq;
  }
  return sockets;
}

int destroy_tcp_socket(const KernelSocket& socket) {
  auto nl = open_sock_diag();
  if (!nl) return errno != 0 ? errno : EIO;
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE);
  constexpr std::uint32_t seq = 1;
  inet_diag_req_v2* req = put_request(buffer.data(), SOCK_DESTROY, NLM_F_REQUEST | NLM_F_ACK, seq);
  req->sdiag_family = static_cast<std::uint8_t>(socket.family);
  req->idiag_states = ~0u;
  const std::size_t address_size = socket.family == AF_INET6 ? 16 : 4;
  std::memcpy(req->id.idiag_src, socket.local_address.data(), address_size);
  std::memcpy(req->id.idiag_dst, socket.remote_address.data(), address_size);
  req->id.idiag_sport = htons(socket.local_port);
  req->id.idiag_dport = htons(socket.remote_port);
  req->id.idiag_if = socket.interface;
  req->id.idiag_cookie[0] = socket.cookie[0];
  req->id.idiag_cookie[1] = socket.cookie[1];
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(buffer.data());
  if (mnl_socket_sendto(nl->get(), nlh, nlh->nlmsg_len) < 0) return errno;
  const ssize_t got = mnl_socket_recvfrom(nl->get(), buffer.data(), buffer.size());
  if (got < 0) return errno;
  errno = 0;
  const int r = mnl_cb_run(buffer.data(), static_cast<std::size_t>(got), seq, mnl_socket_get_portid(nl->get()),
                           nullptr, nullptr);
  return r < 0 ? errno : 0;
}

}  // namespace finwait::host
