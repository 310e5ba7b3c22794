// `sim story --report FILE.html` and `sim run --report FILE.html`: the story
// as a picture, one self-contained HTML file (inline SVG, no script, no
// network): a sequence diagram of the segments between the hosts (time
// running down, long idle gaps drawn short and labelled `… 9m59s …`, each
// arrow labelled with flags, seq, ack and length), a state timeline per
// connection (bars coloured by state, timer expiries marked), and, with
// many connections, a stacked chart of how many are in each state over time.
#pragma once

#include <string>
#include <vector>

#include "sim/recorder.h"
#include "wire/ipv4_address.h"

namespace finwait::tools {

// One segment as a link delivered it.
struct ReportSegment {
  Instant at;
  wire::Ipv4Address src;
  wire::Ipv4Address dst;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::string flags;  // "S.", "F.", "R", ... as the segment notation writes them
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::size_t length = 0;
};

struct ReportInput {
  std::string title;
  std::vector<std::pair<std::string, wire::Ipv4Address>> hosts;  // name, address
  std::vector<sim::Record> records;
  std::vector<ReportSegment> segments;
  Instant end;
};

std::string render_report(const ReportInput& input);
// The segment as the report needs it, from a delivered IPv4 frame; false if
// the frame is no TCP segment that parses.
bool report_segment_of(Instant at, std::span<const std::uint8_t> frame, ReportSegment& out);

}  // namespace finwait::tools
