// Reading and writing pcap files through libpcap. Writes are LINKTYPE_RAW
// (the IPv4 header first) with nanosecond timestamps; reads take whatever
// tcpdump writes on Linux: Ethernet, Linux cooked v1 and v2, raw IP.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/output_file.h"
#include "base/result.h"
#include "wire/link_layer.h"

struct pcap;
struct pcap_dumper;

namespace finwait::wire {

struct PcapRecord {
  std::int64_t timestamp_ns = 0;
  std::span<const std::uint8_t> frame;  // valid until the next call to next()
  std::uint32_t original_length = 0;    // on the wire; frame may be shorter (snaplen)
};

class PcapReader {
 public:
  // Fails with a message that names the file and says what is wrong with it
  // (missing, not a pcap, a link type finwait does not read).
  static Result<PcapReader, std::string> open(const std::string& path);

  PcapReader(PcapReader&& other) noexcept;
  PcapReader& operator=(PcapReader&& other) noexcept;
  PcapReader(const PcapReader&) = delete;
  PcapReader& operator=(const PcapReader&) = delete;
  ~PcapReader();

  LinkType link_type() const { return link_type_; }
  // The next record, or nullopt at the end of the file or on a read error
  // (then error() says what went wrong, e.g. a file cut short).
  std::optional<PcapRecord> next();
  const std::string& error() const { return error_; }

 private:
  PcapReader(::pcap* handle, LinkType link_type) : handle_(handle), link_type_(link_type) {}
  ::pcap* handle_ = nullptr;
  LinkType link_type_ = LinkType::raw_ip;
  std::string error_;
};

// Writes through an OutputFile: the capture appears under its name only when
// commit() succeeds; a writer destroyed without it leaves the old file as it was.
class PcapWriter {
 public:
  static Result<PcapWriter, std::string> create(const std::string& path);

  PcapWriter(PcapWriter&& other) noexcept;
  PcapWriter& operator=(PcapWriter&& other) noexcept;
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;
  ~PcapWriter();

  void write(std::int64_t timestamp_ns, std::span<const std::uint8_t> ip_packet);
  // Every packet written and the file in place, or a message saying why not.
  Result<bool, std::string> commit();

 private:
  PcapWriter(OutputFile file, ::pcap* handle, ::pcap_dumper* dumper)
      : file_(std::move(file)), handle_(handle), dumper_(dumper) {}
  void close();
  OutputFile file_;
  ::pcap* handle_ = nullptr;
  ::pcap_dumper* dumper_ = nullptr;
};

}  // namespace finwait::wire
