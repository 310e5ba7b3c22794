// A stack: one IPv4 address, its tunables, every connection and listener,
// one timing wheel, and the socket calls. Single-threaded and sans I/O like
// the engine: driven by on_frame(bytes, now), on_timer(now) and the socket
// calls; it answers with frames to send (outgoing()) and next_deadline().
//
// The pieces, one file each: flow_table (4-tuple -> connection), listener
// queues here, parked_table (closed connections that only wait), isn_generator
// (RFC 6528), port_allocator (RFC 6056), counters, observers.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/errno.h"
#include "base/result.h"
#include "base/siphash.h"
#include "base/tunables.h"
#include "ip/ipv4_layer.h"
#include "stack/counters.h"
#include "stack/flow_key.h"
#include "stack/flow_table.h"
#include "stack/isn_generator.h"
#include "stack/observer.h"
#include "stack/parked_table.h"
#include "stack/port_allocator.h"
#include "tcp/connection.h"
#include "tcp/fast_open.h"
#include "time/timing_wheel.h"
#include "wire/ipv4_tcp_packet.h"

namespace finwait::stack {

// Whether connections that only wait move to the compact parked table. It
// changes memory, never behaviour: a parked connection answers exactly as the
// full one (tcp/wait_state.h); tests run both ways and compare the wire.
enum class ParkingMode : std::uint8_t {
  capped,  // up to tcp_max_parked entries (the default)
  always,  // every connection that can be parked, whatever the cap
  never,   // none
};

struct StackConfig {
  std::string name = "host";
  wire::Ipv4Address address;
  Profile profile = Profile::linux;
  // Keys the flow hash, ISNs and ephemeral ports; fixed in tests and
  // simulations (repeatable runs), random on real interfaces.
  SipKey secret{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  std::uint16_t mtu = 1500;
  // The device cuts TCP packets up to this size into MTU-sized segments
  // (TSO; netdev::Offloads): the sender may hand it segments this large.
  std::uint32_t max_segmented_packet = 0;
  // Received packets larger than the MTU were coalesced from segments of
  // this size (GRO; packetdrill's tun with --mss). 0: not said.
  std::uint32_t received_segment_size = 0;
  ParkingMode parking = ParkingMode::capped;
};

struct SocketReadiness {
  bool readable = false;     // data, end of stream, a connection to accept, or an error
  bool writable = false;     // connected with send space
  bool error = false;        // an error is pending (SO_ERROR)
  bool hangup = false;       // nothing more either way: closed or reset
  bool read_hangup = false;  // the peer sent its FIN
};

class Stack : private ip::Transport {
 public:
  explicit Stack(const StackConfig& config);
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  const StackConfig& config() const { return config_; }
  Tunables& tunables() { return tunables_; }
  const Tunables& tunables() const { return tunables_; }
  const Counters& counters() const { return counters_; }
  void add_observer(StackObserver* observer) { observers_.push_back(observer); }

  // --- the device side ----------------------------------------------------
  // One IPv4 packet in. Malformed ones are counted by reason and dropped.
  // `checksum_trusted`: the device vouches for the TCP checksum (offload).
  void on_frame(std::span<const std::uint8_t> packet, Instant now, bool checksum_trusted = false);
  void on_timer(Instant now);
  Instant next_deadline() const;
  // IPv4 packets to transmit, in order; valid until clear_outgoing().
  std::size_t outgoing_count() const { return ip_.outgoing_count(); }
  std::span<const std::uint8_t> outgoing(std::size_t i) const { return ip_.outgoing(i); }
  // The segment size to cut packet i into when it exceeds the MTU (TSO).
  std::uint16_t outgoing_segment_size(std::size_t i) const { return ip_.outgoing_segment_size(i); }
  void clear_outgoing() { ip_.clear_outgoing(); }

  // --- sockets (descriptors are small integers from 0) ---------------------
  int socket();
  Errno bind(int fd, wire::Ipv4Address address, std::uint16_t port);
  Errno listen(int fd, int backlog);
  // connect(fd, AF_UNSPEC): Linux's tcp_disconnect().
  Errno disconnect(int fd, Instant now);
  Result<int, Errno> accept(int fd);
  // Starts the handshake: EINPROGRESS on success (the caller waits for
  // writable, or an error); EALREADY while it runs, EISCONN after.
  Errno connect(int fd, wire::Ipv4Address address, std::uint16_t port, Instant now);
  // sendto(MSG_FASTOPEN) on a socket not yet connected (RFC 7413 4.2.1): the
  // SYN carries the cookie held for that server and as much of `data` as
  // fits, or asks for a cookie. The bytes sent in the SYN; EINPROGRESS when
  // none went; EOPNOTSUPP while tcp_fastopen's client bit is off.
  Result<std::size_t, Errno> connect_with_data(int fd, wire::Ipv4Address address, std::uint16_t port,
                                               std::span<const std::uint8_t> data, Instant now);
  Result<std::size_t, Errno> send(int fd, std::span<const std::uint8_t> data, Instant now,
                                  tcp::SendFlags flags = {});
  Result<std::size_t, Errno> receive(int fd, std::span<std::uint8_t> out, Instant now);
  Errno shutdown(int fd, tcp::Shutdown how, Instant now);
  // Releases the descriptor. With SO_LINGER {1, N} the descriptor stays
  // "closing" until the FIN is acknowledged or N seconds pass: close_pending().
  Errno close(int fd, Instant now);
  bool close_pending(int fd) const;
  // A socket's options: its connection's once it has one (a second copy
  // would cost every connection 96 bytes), else its own. nullptr: no socket.
  const tcp::SocketOptions* options(int fd) const;
  // Replaces them; a connection that exists takes them at once.
  Errno set_options(int fd, const tcp::SocketOptions& options, Instant now);
  bool set_nonblocking(int fd, bool on);
  bool set_reuse_address(int fd, bool on);
  bool reuse_address(int fd) const;
  bool nonblocking(int fd) const;
  Errno take_error(int fd);  // SO_ERROR: the pending error, cleared
  SocketReadiness readiness(int fd) const;

  // Descriptors whose connection did something (data, state, errors, new
  // connections to accept) since the last call: an event loop's ready list.
  void take_ready(std::vector<int>& out) {
    out.swap(ready_);
    ready_.clear();
    for (int fd : out) {
      if (fd >= 0 && static_cast<std::size_t>(fd) < sockets_.size())
        sockets_[static_cast<std::size_t>(fd)].in_ready = false;
    }
  }

  bool has_ready() const { return !ready_.empty(); }

  bool valid(int fd) const;
  bool is_listener(int fd) const;
  std::optional<FlowKey> flow_of(int fd) const;
  std::optional<tcp::State> state_of(int fd) const;
  std::size_t readable_bytes(int fd) const;
  // Linux's tcp_inq_hint(): bytes to read, or 1 once only the end of the
  // stream is left (what TCP_CM_INQ reports).
  std::size_t inq_hint(int fd) const;
  // The MSS a connection sends with (TCP_MAXSEG); none before it opens.
  std::optional<std::uint32_t> send_mss(int fd) const;
  // getsockopt(TCP_INFO): a socket not yet connected reports TCP_CLOSE, a
  // listener TCP_LISTEN, as Linux does.
  tcp::TcpInfo tcp_info(int fd, Instant now) const;
  // getsockopt(SO_MEMINFO)'s receive side, for a connection's descriptor.
  struct MemoryInfo {
    std::uint64_t receive_memory = 0;  // SK_MEMINFO_RMEM_ALLOC
    std::uint32_t receive_buffer = 0;  // SK_MEMINFO_RCVBUF
  };
  std::optional<MemoryInfo> memory_info(int fd) const;
  // A blocking write waits for fd's handshake with more to send (Connection::set_write_pending).
  void set_write_pending(int fd);
  // The tcp_fastopen_key sysctl (RFC 7413 cookies); false if the text is not one.
  bool set_fastopen_keys(std::string_view text);
  // `ip tcp_metrics flush`: the Fast Open cookies learned from servers.
  void flush_fast_open_cookies() { fast_open_cookies_.clear(); }
  // The device's queue refuses every packet (`tc qdisc ... pfifo limit 0`):
  // connections then hold new data back as Linux does after a local drop.
  void set_device_refuses(bool refuses) { device_refuses_ = refuses; }
  bool connected_once(int fd) const;

  // --- what there is to see ----------------------------------------------
  // The state of the connection with this 4-tuple (parked ones included).
  std::optional<tcp::State> state_of(const FlowKey& flow) const;
  // Connections held, parked ones included, listeners not.
  std::size_t connection_count() const { return flow_table_.size() + parked_.size(); }
  std::size_t parked_count() const { return parked_.size(); }
  const ParkedTable& parked() const { return parked_; }

  struct ConnectionInfo {
    FlowKey flow;
    tcp::State state = tcp::State::closed;
    std::string timer = "off";  // ss -o names: on, keepalive, timewait, ...
    Duration timer_remaining;
    int timer_count = 0;
    std::size_t receive_queue = 0;
    std::size_t send_queue = 0;
    bool orphan = false;
    bool parked = false;
  };
  std::vector<ConnectionInfo> connections(Instant now) const;
  struct ListenerInfo {
    wire::Ipv4Address address;
    std::uint16_t port = 0;
    std::size_t accept_queue = 0;
    int backlog = 0;
  };
  std::vector<ListenerInfo> listeners() const;

 private:
  struct Slot {
    std::optional<tcp::Connection> connection;
    TimerNode timer;
    FlowKey flow;  // 12 bytes, then the 4-byte and 1-byte fields: no padding between
    int fd = -1;        // the socket holding it; -1 for orphans and the not yet accepted
    int listener = -1;  // the listening socket while in its queues
    bool in_accept_queue = false;
    bool fast_open_pending = false;  // a Fast Open child not yet past SYN-RECEIVED
  };
  struct Socket {
    bool open = false;
    bool closing = false;  // SO_LINGER wait after close()
    bool nonblocking = false;
    bool reuse_address = false;  // SO_REUSEADDR
    bool listening = false;
    bool bound = false;
    bool explicitly_bound = false;  // by bind() or listen(), not just by connect()
    bool connected_once = false;
    wire::Ipv4Address local_address;
    std::uint16_t local_port = 0;
    // Set while no live connection holds the options (none: the defaults);
    // dropped when a connection takes them, so that it holds the only copy.
    // A listener's children share it (copied before it changes).
    std::shared_ptr<tcp::SocketOptions> own_options;
    std::optional<std::uint32_t> slot;
    // TCP_FASTOPEN_CONNECT with a cookie held: connect() returned 0 and the
    // SYN waits for the first write, to carry it (Linux's defer_connect).
    std::optional<std::pair<wire::Ipv4Address, std::uint16_t>> deferred_connect;
    // A listener's, allocated by listen(): a connected socket pays 8 bytes
    // for them.
    struct ListenQueues {
      int backlog = 0;
      std::size_t syn_queue = 0;
      int fast_open_pending = 0;  // its Fast Open children still in SYN-RECEIVED
      std::vector<std::uint32_t> accept_queue;
    };
    std::unique_ptr<ListenQueues> queues;  // set while listening
    Errno error = Errno::ok;
    bool in_ready = false;
  };

  class ChallengeAckBudget : public tcp::ChallengeAckLimiter {
   public:
    explicit ChallengeAckBudget(Stack& stack) : stack_(stack) {}
    bool allow(Instant now) override;

   private:
    Stack& stack_;
    std::int64_t second_ = -1;
    std::int64_t used_ = 0;
  };

  tcp::ConnectionConfig connection_config(const FlowKey& flow, const Socket& socket);  // with its options
  std::uint32_t new_slot();
  void free_slot(std::uint32_t index);
  void sync(std::uint32_t index, Instant now);
  void end_fast_open_pending(Slot& slot);
  void maybe_park(std::uint32_t index, Instant now);
  void note_transition(const FlowKey& flow, tcp::State from, tcp::State to, tcp::Cause cause, Instant now);
  // ip::Transport: what the IPv4 layer hands up.
  void on_tcp(const wire::Ipv4TcpPacket& packet, std::span<const std::uint8_t> bytes, Instant now) override;
  void on_tcp_unreachable(const ip::QuotedTcp& flow, std::uint8_t code, Instant now) override;
  void on_packet_seen(bool outbound, std::span<const std::uint8_t> packet, Instant now) override;
  // `isn`: the ISN a reused TIME-WAIT 4-tuple dictates, else the generator's.
  void on_syn_for_listener(int listener_fd, const wire::Ipv4TcpPacket& packet, Instant now,
                           std::optional<wire::SeqNum> isn = std::nullopt);
  static wire::SeqNum reused_time_wait_isn(const tcp::WaitState& wait);
  int find_listener(wire::Ipv4Address address, std::uint16_t port) const;
  void stop_listening(int fd, Instant now);
  // `segment_size`: the connection's MSS, for a device that segments (TSO).
  void emit_segment(const FlowKey& flow, const wire::TcpSegment& segment, Instant now,
                    std::uint16_t segment_size = 0);
  void emit_reset_for(const wire::Ipv4TcpPacket& packet, Instant now);
  bool port_in_use(std::uint16_t port) const;
  // Frees a descriptor and every index that names it.
  void release_socket(int fd);
  Socket* socket_at(int fd);
  const Socket* socket_at(int fd) const;
  const tcp::SocketOptions& options_of(const Socket& s) const;
  std::shared_ptr<const tcp::SocketOptions> shared_options_of(const Socket& s) const;  // never null
  tcp::SocketOptions& own_options(Socket& s);  // for a socket no live connection holds
  tcp::Connection* connection_of(int fd);
  const tcp::Connection* connection_of(int fd) const;

  StackConfig config_;
  Tunables tunables_;
  bool device_refuses_ = false;  // set_device_refuses()
  tcp::SpareStorage spares_;     // lent to the connections (base/spare_storage.h)
  // The defaults that connections without options of their own share: one
  // copy per stack, not per process, so that stacks on different threads
  // never count references on the same cache line.
  const std::shared_ptr<const tcp::SocketOptions> default_options_ = std::make_shared<const tcp::SocketOptions>();
  Counters counters_;
  ip::Ipv4Layer ip_{config_.address, counters_, *this};
  std::vector<StackObserver*> observers_;
  IsnGenerator isn_;
  PortAllocator ports_;
  ChallengeAckBudget challenge_acks_{*this};
  const tcp::ConnectionContext connection_context_{&tunables_, &challenge_acks_, &counters_.transfer,
                                                   &device_refuses_, &spares_};
  TimingWheel wheel_;
  FlowTable flow_table_;
  ParkedTable parked_;
  // RFC 7413 cookies: keyed per stack, as Linux keys them per network
  // namespace, until the tcp_fastopen_key sysctl sets them.
  tcp::FastOpenKeys fast_open_keys_;
  // The client's cookies by server address (Linux keeps them in tcp_metrics).
  struct LearnedCookie {
    wire::FastOpenCookie cookie;
    std::uint16_t server_mss = 0;
  };
  std::map<wire::Ipv4Address, LearnedCookie> fast_open_cookies_;
  Errno open_connection(int fd, wire::Ipv4Address address, std::uint16_t port, Instant now,
                        const std::optional<tcp::FastOpenRequest>& fast_open);
  std::deque<Slot> slots_;  // a deque: slots never move, their timer nodes stay linked
  std::vector<std::uint32_t> free_slots_;
  // A deque too: growing it copies nothing and leaves no unused capacity
  // (a vector doubling to hold 10^7 sockets would hold room for 1.7 x 10^7).
  std::deque<Socket> sockets_;
  std::vector<int> free_fds_;
  // Sockets bound to a port by bind() or listen(), by port: binding checks
  // and listener lookup cost O(sockets on that port), not O(sockets).
  std::unordered_map<std::uint16_t, std::vector<int>> bound_by_port_;
  // Outgoing frames, back to back in one buffer: no allocation per segment.
  std::vector<std::uint32_t> due_;  // slots whose timers fired, reused
  std::vector<int> ready_;
  void mark_ready(int fd) {
    Socket& s = sockets_[static_cast<std::size_t>(fd)];
    if (!s.in_ready) {
      s.in_ready = true;
      ready_.push_back(fd);
    }
  }
};

}  // namespace finwait::stack
