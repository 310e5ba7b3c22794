// The stack around the engine: demultiplexing, resets for segments that find
// no connection, listeners, the parked table, ICMP, malformed frames, counters.
#include "stack/stack.h"

#include <gtest/gtest.h>

#include <vector>

#include "wire/checksum.h"
#include "wire/icmp.h"
#include "wire/segment_format.h"

namespace finwait::stack {
namespace {

using wire::Ipv4Address;
using wire::SeqNum;
using wire::TcpFlags;

const Ipv4Address k_us(198, 18, 0, 2);
const Ipv4Address k_peer(198, 18, 0, 1);

struct Harness {
  explicit Harness(Profile profile = Profile::linux) {
    StackConfig c;
    c.address = k_us;
    c.profile = profile;
    stack = std::make_unique<Stack>(c);
  }
  // A segment from the peer (port 40000) to us.
  void inject(std::uint8_t flags, std::uint32_t seq, std::uint32_t ack, std::uint16_t port = 80,
              std::size_t payload = 0, std::uint16_t from_port = 40000) {
    wire::Ipv4TcpPacket p;
    p.ip.src = k_peer;
    p.ip.dst = k_us;
    p.tcp.src_port = from_port;
    p.tcp.dst_port = port;
    p.tcp.seq = SeqNum(seq);
    p.tcp.ack = SeqNum(ack);
    p.tcp.flags = TcpFlags(flags);
    p.tcp.window = 65535;
    std::vector<std::uint8_t> data(payload, 'd');
    p.tcp.payload = data;
    std::vector<std::uint8_t> bytes(wire::ipv4_tcp_size(p));
    wire::emit_ipv4_tcp(p, bytes);
    stack->on_frame(bytes, now);
  }
  std::vector<wire::Ipv4TcpPacket> sent() {
    std::vector<wire::Ipv4TcpPacket> out;
    frames.clear();
    for (std::size_t i = 0; i < stack->outgoing_count(); ++i) {
      frames.emplace_back(stack->outgoing(i).begin(), stack->outgoing(i).end());
    }
    stack->clear_outgoing();
    for (const auto& f : frames) {
      auto p = wire::parse_ipv4_tcp(f);
      EXPECT_TRUE(p.ok()) << "the stack sent a bad packet";
      if (p) out.push_back(*p);
    }
    return out;
  }
  int listen(std::uint16_t port = 80, int backlog = 16) {
    const int fd = stack->socket();
    EXPECT_EQ(stack->bind(fd, {}, port), Errno::ok);
    EXPECT_EQ(stack->listen(fd, backlog), Errno::ok);
    return fd;
  }
  // A full passive handshake; returns the SYN-ACK's ISN.
  std::uint32_t handshake(std::uint32_t peer_isn = 1000) {
    inject(TcpFlags::syn, peer_isn, 0);
    auto out = sent();
    EXPECT_EQ(out.size(), 1u);
    const std::uint32_t iss = out.empty() ? 0 : out[0].tcp.seq.raw();
    inject(TcpFlags::ack, peer_isn + 1, iss + 1);
    return iss;
  }
  std::unique_ptr<Stack> stack;
  Instant now;
  std::vector<std::vector<std::uint8_t>> frames;
};

TEST(Stack, SegmentForNoConnectionGetsTheRfcReset) {
  Harness h;
  // RFC 9293 3.10.7.1: with ACK: <SEQ=SEG.ACK><CTL=RST>.
  h.inject(TcpFlags::ack, 5, 77);
  auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(wire::format_segment(out[0].tcp), "R 77:77(0) win 0");
  // Without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
  h.inject(TcpFlags::syn, 100, 0);
  out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(wire::format_segment(out[0].tcp), "R. 0:0(0) ack 101 win 0");
  // Never a RST for a RST.
  h.inject(TcpFlags::rst, 5, 0);
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.stack->counters().out_rsts, 2u);
}

TEST(Stack, ListenerAcceptsAfterTheHandshake) {
  Harness h;
  const int listener = h.listen();
  EXPECT_EQ(h.stack->accept(listener).error(), Errno::eagain);
  h.handshake();
  EXPECT_EQ(h.stack->counters().passive_opens, 1u);
  auto fd = h.stack->accept(listener);
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(h.stack->state_of(*fd), tcp::State::established);
  EXPECT_EQ(h.stack->connection_count(), 1u);
  const FlowKey flow{k_us, k_peer, 80, 40000};
  EXPECT_EQ(h.stack->state_of(flow), tcp::State::established);
}

TEST(Stack, BacklogBoundsHalfOpenAndUnacceptedConnections) {
  Harness h;
  const int listener = h.listen(80, 1);
  h.handshake();
  // A second client while the first waits in the accept queue: dropped, the
  // client will retry (Linux does the same with a full backlog).
  h.inject(TcpFlags::syn, 5000, 0, 80, 0, 40001);
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.stack->counters().listen_drops, 1u);
  EXPECT_EQ(h.stack->connection_count(), 1u);
  // Once accepted, there is room again.
  ASSERT_TRUE(h.stack->accept(listener).ok());
  h.inject(TcpFlags::syn, 5000, 0, 80, 0, 40001);
  auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.flags, TcpFlags(TcpFlags::syn | TcpFlags::ack));
}

TEST(Stack, ClosedConnectionsParkInTheCompactTable) {
  Harness h;
  const int listener = h.listen();
  const std::uint32_t iss = h.handshake();
  const int fd = *h.stack->accept(listener);
  EXPECT_EQ(h.stack->close(fd, h.now), Errno::ok);
  h.sent();                                // our FIN
  h.inject(TcpFlags::ack, 1001, iss + 2);  // FIN acknowledged: orphan in FIN-WAIT-2
  EXPECT_EQ(h.stack->parked_count(), 1u);
  EXPECT_EQ(h.stack->counters().parked, 1u);
  const FlowKey flow{k_us, k_peer, 80, 40000};
  EXPECT_EQ(h.stack->state_of(flow), tcp::State::fin_wait_2);
  // The peer's FIN: TIME-WAIT, acknowledged, still parked.
  h.inject(TcpFlags::fin | TcpFlags::ack, 1001, iss + 2);
  auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.ack.raw(), 1002u);
  EXPECT_EQ(h.stack->state_of(flow), tcp::State::time_wait);
  // 60 s later it is gone.
  h.now = h.now + seconds(61);
  h.stack->on_timer(h.now);
  EXPECT_EQ(h.stack->connection_count(), 0u);
  EXPECT_EQ(h.stack->counters().time_wait_expired, 1u);
}

TEST(Stack, ParkedEntriesAreAtMost64Bytes) {
  EXPECT_LE(ParkedTable::entry_size(), 64u);
}

TEST(Stack, ParkingCapIsCountedAndTheConnectionStaysBounded) {
  Harness h;
  ASSERT_TRUE(h.stack->tunables().set(TunableId::tcp_max_parked, 0).ok());
  const int listener = h.listen();
  const std::uint32_t iss = h.handshake();
  const int fd = *h.stack->accept(listener);
  (void)h.stack->close(fd, h.now);
  h.sent();
  h.inject(TcpFlags::ack, 1001, iss + 2);
  EXPECT_EQ(h.stack->parked_count(), 0u);
  EXPECT_EQ(h.stack->counters().parked_refused, 1u);
  h.now = h.now + seconds(61);
  h.stack->on_timer(h.now);
  EXPECT_EQ(h.stack->connection_count(), 0u);
  EXPECT_EQ(h.stack->counters().finwait2_timeouts, 1u);
}

TEST(Stack, MalformedFramesAreCountedByReason) {
  Harness h;
  std::vector<std::uint8_t> junk = {0x45, 0, 0, 10};
  h.stack->on_frame(junk, h.now);
  EXPECT_EQ(h.stack->counters().bad_segments[static_cast<std::size_t>(wire::ParseError::truncated)], 1u);
  h.listen();
  h.inject(TcpFlags::syn, 1, 0);
  h.sent();
  // A valid frame with one byte flipped in the TCP header.
  wire::Ipv4TcpPacket p;
  p.ip.src = k_peer;
  p.ip.dst = k_us;
  p.tcp.src_port = 40000;
  p.tcp.dst_port = 80;
  p.tcp.flags = TcpFlags(TcpFlags::ack);
  std::vector<std::uint8_t> bytes(wire::ipv4_tcp_size(p));
  wire::emit_ipv4_tcp(p, bytes);
  bytes[30] ^= 1;
  h.stack->on_frame(bytes, h.now);
  EXPECT_EQ(h.stack->counters().bad_segments[static_cast<std::size_t>(wire::ParseError::bad_checksum)], 1u);
  EXPECT_EQ(h.stack->counters().in_errs, 1u);
  EXPECT_TRUE(h.sent().empty());
}

// An IPv4 packet carrying `message`, from `src` to us.
std::vector<std::uint8_t> icmp_packet(const wire::IcmpMessage& message, Ipv4Address src) {
  std::vector<std::uint8_t> icmp(8 + message.body.size());
  wire::emit_icmp(message, icmp);
  wire::Ipv4Header ip;
  ip.src = src;
  ip.dst = k_us;
  ip.protocol = wire::k_ip_protocol_icmp;
  std::vector<std::uint8_t> packet(20 + icmp.size());
  wire::emit_ipv4(ip, icmp.size(), packet);
  std::copy(icmp.begin(), icmp.end(), packet.begin() + 20);
  return packet;
}

TEST(Stack, AnswersIcmpEcho) {
  Harness h;
  std::vector<std::uint8_t> body = {'p', 'i', 'n', 'g'};
  wire::IcmpMessage echo;
  echo.type = wire::k_icmp_echo_request;
  echo.rest = 0x12340001;
  echo.body = body;
  const auto packet = icmp_packet(echo, k_peer);
  h.stack->on_frame(packet, h.now);
  ASSERT_EQ(h.stack->outgoing_count(), 1u);
  const auto reply = h.stack->outgoing(0);
  auto view = wire::Ipv4View::parse(reply);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->dst(), k_peer);
  auto answer = wire::parse_icmp(view->payload());
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(answer->checksum_ok);
  EXPECT_EQ(answer->type, wire::k_icmp_echo_reply);
  EXPECT_EQ(answer->rest, 0x12340001u);
  EXPECT_EQ(h.stack->counters().icmp_echo_replies, 1u);
}

TEST(Stack, IcmpUnreachableIsASoftErrorForTheConnection) {
  // RFC 1122 4.2.3.9: the connection carries on; the error waits in SO_ERROR.
  Harness h;
  const int fd = h.stack->socket();
  ASSERT_EQ(h.stack->connect(fd, k_peer, 80, h.now), Errno::einprogress);
  ASSERT_EQ(h.stack->outgoing_count(), 1u);
  const std::vector<std::uint8_t> syn(h.stack->outgoing(0).begin(), h.stack->outgoing(0).end());
  h.stack->clear_outgoing();
  // Host unreachable (code 1), quoting our SYN's IP header and first 8 bytes.
  std::vector<std::uint8_t> quote(syn.begin(), syn.begin() + 28);
  wire::IcmpMessage unreachable;
  unreachable.type = wire::k_icmp_destination_unreachable;
  unreachable.code = 1;
  unreachable.body = quote;
  const auto packet = icmp_packet(unreachable, Ipv4Address(198, 18, 0, 254));
  h.stack->on_frame(packet, h.now);
  EXPECT_EQ(h.stack->counters().icmp_unreachables, 1u);
  EXPECT_EQ(h.stack->state_of(fd), tcp::State::syn_sent);
  EXPECT_TRUE(h.stack->readiness(fd).error);
  EXPECT_EQ(h.stack->take_error(fd), Errno::ehostunreach);
  EXPECT_EQ(h.stack->take_error(fd), Errno::ok);
}

TEST(Stack, FragmentationNeededLowersTheMssAndResendsInTheNewSize) {
  // RFC 1191: ICMP "fragmentation needed" quoting our first data segment.
  // The peer's SYN had no MSS option, so segments carry 536 bytes; a
  // next-hop MTU of 300 is taken as Linux's floor, 552: the segments in
  // flight larger than 512 bytes are resent at once in 512-byte pieces,
  // later ones too; it sets no error. A quote of nothing in flight is
  // counted and ignored.
  Harness h;
  const int listener = h.listen();
  const std::uint32_t iss = h.handshake();
  const int fd = *h.stack->accept(listener);
  const std::vector<std::uint8_t> data(2000, 'x');
  ASSERT_TRUE(h.stack->send(fd, data, h.now).ok());
  auto out = h.sent();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].tcp.payload.size(), 536u);
  std::vector<std::uint8_t> quote(h.frames[0].begin(), h.frames[0].begin() + 28);
  wire::IcmpMessage too_big;
  too_big.type = wire::k_icmp_destination_unreachable;
  too_big.code = wire::k_icmp_fragmentation_needed;
  too_big.rest = 300;
  too_big.body = quote;
  h.stack->on_frame(icmp_packet(too_big, Ipv4Address(198, 18, 0, 254)), h.now);
  out = h.sent();
  ASSERT_FALSE(out.empty());
  for (const auto& p : out) EXPECT_LE(p.tcp.payload.size(), 512u);
  EXPECT_EQ(out[0].tcp.seq.raw(), iss + 1);
  EXPECT_EQ(h.stack->counters().transfer.retrans_segs, out.size());
  EXPECT_EQ(h.stack->take_error(fd), Errno::ok);
  // Quoting a sequence number long acknowledged: ignored.
  h.inject(TcpFlags::ack, 1001, iss + 1 + 2000);
  h.sent();
  h.stack->on_frame(icmp_packet(too_big, Ipv4Address(198, 18, 0, 254)), h.now);
  EXPECT_EQ(h.stack->counters().out_of_window_icmps, 1u);
  ASSERT_TRUE(h.stack->send(fd, data, h.now).ok());
  out = h.sent();
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].tcp.payload.size(), 512u);
}

TEST(Stack, ChallengeAcksAreLimitedPerStack) {
  Harness h;
  ASSERT_TRUE(h.stack->tunables().set(TunableId::tcp_challenge_ack_limit, 1).ok());
  ASSERT_TRUE(h.stack->tunables().set(TunableId::tcp_invalid_ratelimit, 0).ok());
  h.listen();
  h.handshake();
  h.sent();
  h.inject(TcpFlags::rst, 1500, 0);  // in window, not RCV.NXT: challenge
  EXPECT_EQ(h.sent().size(), 1u);
  h.inject(TcpFlags::rst, 1600, 0);  // the stack's budget for this second is spent
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.stack->counters().challenge_acks, 1u);
  h.now = h.now + seconds(1);
  h.inject(TcpFlags::rst, 1700, 0);
  EXPECT_EQ(h.sent().size(), 1u);
}

TEST(Stack, ActiveOpenUsesEphemeralPortsAndKeyedIsns) {
  Harness a;
  Harness b;
  const int fa = a.stack->socket();
  const int fb = b.stack->socket();
  EXPECT_EQ(a.stack->connect(fa, k_peer, 80, a.now), Errno::einprogress);
  EXPECT_EQ(b.stack->connect(fb, k_peer, 80, b.now), Errno::einprogress);
  auto sa = a.sent();
  auto sb = b.sent();
  ASSERT_EQ(sa.size(), 1u);
  ASSERT_EQ(sb.size(), 1u);
  // The same key gives the same port and ISN: repeatable runs.
  EXPECT_EQ(sa[0].tcp.src_port, sb[0].tcp.src_port);
  EXPECT_EQ(sa[0].tcp.seq, sb[0].tcp.seq);
  EXPECT_GE(sa[0].tcp.src_port, 32768);
  EXPECT_LE(sa[0].tcp.src_port, 60999);
  // A second connection to the same peer gets another port.
  const int second = a.stack->socket();
  EXPECT_EQ(a.stack->connect(second, k_peer, 80, a.now), Errno::einprogress);
  auto s2 = a.sent();
  ASSERT_EQ(s2.size(), 1u);
  EXPECT_NE(s2[0].tcp.src_port, sa[0].tcp.src_port);
  EXPECT_EQ(a.stack->counters().active_opens, 2u);
}

TEST(Stack, ClosingAListenerResetsConnectionsNeverAccepted) {
  Harness h;
  const int listener = h.listen();
  h.handshake();
  EXPECT_EQ(h.stack->close(listener, h.now), Errno::ok);
  auto out = h.sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].tcp.flags.rst_set());
  EXPECT_EQ(h.stack->connection_count(), 0u);
}

TEST(FlowTable, MillionEntriesInsertFindErase) {
  FlowTable table(SipKey{1, 2});
  constexpr std::uint32_t k_count = 1'000'000;
  auto key = [](std::uint32_t i) {
    return FlowKey{Ipv4Address(198, 18, 0, 2), Ipv4Address(0xC6120000u | (i >> 16)), 80,
                   static_cast<std::uint16_t>(i)};
  };
  for (std::uint32_t i = 0; i < k_count; ++i) ASSERT_TRUE(table.insert(key(i), i));
  EXPECT_EQ(table.size(), k_count);
  EXPECT_FALSE(table.insert(key(5), 99));
  for (std::uint32_t i = 0; i < k_count; i += 7) ASSERT_EQ(table.find(key(i)), i);
  for (std::uint32_t i = 0; i < k_count; i += 2) ASSERT_TRUE(table.erase(key(i)));
  for (std::uint32_t i = 0; i < k_count; ++i) {
    if (i % 2 == 0) {
      ASSERT_FALSE(table.find(key(i)).has_value()) << i;
    } else {
      ASSERT_EQ(table.find(key(i)), i);
    }
  }
}

TEST(ParkedTable, ManyEntriesExpireInOrder) {
  ParkedTable table(SipKey{3, 4});
  Instant now;
  for (std::uint32_t i = 0; i < 1000; ++i) {
    ParkedEntry e;
    e.key = FlowKey{Ipv4Address(1), Ipv4Address(2), 80, static_cast<std::uint16_t>(i)};
    e.wait.state = tcp::State::time_wait;
    table.park(e, seconds(60), now);
    now = now + milliseconds(10);
  }
  EXPECT_EQ(table.size(), 1000u);
  std::vector<std::uint16_t> order;
  table.expire(Instant{} + seconds(65), [&](const ParkedEntry& e, tcp::Cause cause) {
    EXPECT_EQ(cause, tcp::Cause::time_wait_expired);
    order.push_back(e.key.remote_port);
  });
  ASSERT_EQ(order.size(), 501u);  // parked at 0..5 s, 60 s each
  for (std::size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i);
  EXPECT_EQ(table.next_deadline(), Instant{} + seconds(60) + milliseconds(5010));
}

}  // namespace
}  // namespace finwait::stack
