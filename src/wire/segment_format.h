// Segments as people read them: the format of SCRIPTS.md 3, which follows
// tcpdump and packetdrill:  S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 7>
#pragma once

#include <iosfwd>
#include <string>

#include "wire/ipv4_tcp_packet.h"
#include "wire/tcp_header.h"

namespace finwait::wire {

// Sequence numbers relative to two bases: `seq` and SACK blocks from
// seq_base (the sender's ISN), `ack` from ack_base (the receiver's ISN).
struct SequenceBases {
  SeqNum seq_base;
  SeqNum ack_base;
};

// Absolute sequence numbers.
std::string format_segment(const TcpSegment& segment);
// Relative sequence numbers, as scripts write them.
std::string format_segment(const TcpSegment& segment, SequenceBases bases);
// "198.18.0.1:40150 > 198.18.0.2:8080 S 2460891010:2460891010(0) win 64240 <...>"
std::string format_packet(const Ipv4TcpPacket& packet);

// So that test failures print values (GoogleTest uses operator<<).
std::ostream& operator<<(std::ostream& out, const TcpSegment& segment);
std::ostream& operator<<(std::ostream& out, const Ipv4TcpPacket& packet);
std::ostream& operator<<(std::ostream& out, const TcpOptions& options);

}  // namespace finwait::wire
